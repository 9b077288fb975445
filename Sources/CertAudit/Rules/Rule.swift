/// A reference that justifies a rule.
public struct Citation: Sendable, Hashable {
    public var title: String
    public var url: String?
}

/// Sample files a rule must fire on (`triggers`) and must stay silent on (`passes`); the test suite runs
/// them for every rule. Paths are resolved against the rule file's folder.
public struct RuleExamples: Sendable {
    public var triggers: [String] = []
    public var passes: [String] = []
}

/// One audit rule, compiled from a rule file.
public struct Rule: Sendable {
    /// Stable identifier, `<profile>.<name>`; baselines and waivers key on it.
    public var id: String
    public var title: String
    public var severity: Severity
    public var profile: String
    public var citations: [Citation]
    public var applies: Condition
    public var check: Condition
    public var message: MessageTemplate
    public var remediation: String
    public var examples: RuleExamples
    /// The rule's YAML as written, for `certaudit rules explain`.
    public var sourceText: String
    public var file: String
    public var line: Int?

    /// True when the rule applies to the certificate and its check finds the problem.
    public func fires(on input: EvaluationInput) -> Bool {
        applies.evaluate(input) && check.evaluate(input)
    }
}

/// A named group of rules (browser, vendor, rfc5280, cabf, or a user's own).
public struct Profile: Sendable {
    public var name: String
    public var title: String
    public var summary: String
    /// Part of the default selection when no `--profile` is given.
    public var enabledByDefault: Bool
    public var file: String
}
