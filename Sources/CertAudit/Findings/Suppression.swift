/// Why a finding or an input problem does not count toward the exit status (it is still reported).
public enum Suppression: Sendable, Hashable {
    /// Recorded in `--baseline` (rule id + certificate fingerprint, or problem code + path).
    case baseline
    /// Waived in the configuration, with the waiver's reason.
    case waiver(reason: String)

    public var kind: String {
        switch self {
        case .baseline: "baseline"
        case .waiver: "waiver"
        }
    }

    public var justification: String {
        switch self {
        case .baseline: "in the baseline"
        case .waiver(let reason): reason
        }
    }
}
