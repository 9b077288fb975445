/// The rules the policy raises, not certificate facts: part of every catalog (profile `certaudit`), so
/// that `rules list` and `rules explain` show them and reports describe them like any rule. The auditor
/// never evaluates them.
public enum PolicyRules {
    public static let profile = Profile(
        name: "certaudit", title: "certaudit's own policy checks (raised by the configuration, not by certificates)",
        summary: "Findings about the audit's configuration: always in force.", enabledByDefault: true, remediation: nil,
        scope: "findings raised by the configuration (waivers), not by certificate facts", file: "(built in)")

    /// A configured waiver whose `expires` date has passed: the finding it hid counts again.
    public static let waiverExpired = Rule(
        id: "certaudit.waiver-expired", title: "Waiver expired", severity: .warning, profile: profile.name,
        citations: [Citation(title: "configuration waivers (.certaudit.yaml 'waivers:', 'expires:')", url: nil)],
        applies: .always, check: .always,
        message: try! MessageTemplate.compile("A configured waiver has expired; the finding it covered counts again.").get(),
        remediation: "Fix the certificate, or renew the waiver in the configuration.",
        examples: RuleExamples(), sourceText: """
            # Built in: raised when a waiver in the configuration matches a finding but its date has passed.
            id: certaudit.waiver-expired
            severity: warning
            raised by: the configuration's waivers (one finding per expired waiver and finding it matches)
            message: The waiver for RULE ("REASON") expired on DATE; the finding counts again.
            """,
        file: "(built in)", line: nil, raisedByPolicy: true)

    public static let all = [waiverExpired]
}
