/// One rule that fired on one certificate.
public struct Finding: Sendable, Hashable {
    public var ruleId: String
    public var profile: String
    public var severity: Severity
    public var title: String
    public var message: String
    public var remediation: String
    /// The rule's first citation URL (or title when it has no URL).
    public var citation: String
}
