/// How bad a finding is. Ordered: `info < notice < warning < error`.
public enum Severity: String, CaseIterable, Comparable, Sendable {
    case info, notice, warning, error

    private var rank: Int {
        switch self {
        case .info: 0
        case .notice: 1
        case .warning: 2
        case .error: 3
        }
    }

    public static func < (lhs: Severity, rhs: Severity) -> Bool {
        lhs.rank < rhs.rank
    }
}
