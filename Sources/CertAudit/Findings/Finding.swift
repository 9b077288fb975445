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
    /// Set when a baseline or waiver hides the finding from the exit status (it is still reported).
    public var suppression: Suppression?

    public init(
        ruleId: String, profile: String, severity: Severity, title: String, message: String, remediation: String,
        citation: String, suppression: Suppression? = nil
    ) {
        self.ruleId = ruleId
        self.profile = profile
        self.severity = severity
        self.title = title
        self.message = message
        self.remediation = remediation
        self.citation = citation
        self.suppression = suppression
    }
}
