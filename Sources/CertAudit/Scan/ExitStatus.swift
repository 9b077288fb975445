/// The exit status contract of `certaudit scan` (documented in the README).
public enum ExitStatus: Int32, Sendable {
    /// No finding at or above `--fail-on`, every input read.
    case clean = 0
    /// Findings at or above `--fail-on`.
    case findings = 1
    /// Usage error or unusable rule file.
    case usage = 2
    /// Some input could not be read (findings are still reported). Takes precedence over `findings`:
    /// an audit that could not see everything is not a pass, and the user has to look either way.
    case unreadableInput = 3

    public static func of(_ summary: ScanSummary, failOn: Severity?) -> ExitStatus {
        if summary.unreadable > 0 {
            return .unreadableInput
        }
        if let failOn, summary.count(atLeast: failOn) > 0 {
            return .findings
        }
        return .clean
    }
}
