/// A reference that justifies a rule.
public struct Citation: Sendable, Hashable {
    public var title: String
    public var url: String?
}

/// Sample files a rule must fire on (`triggers`) and must stay silent on (`passes`); the test suite runs
/// them for every rule. Paths are resolved against the rule file's folder. `presented:PATH` judges the
/// file's certificates as the chain a live server presents, in file order (for rules on live endpoints).
public struct RuleExamples: Sendable {
    public var triggers: [String] = []
    public var passes: [String] = []

    static let presentedPrefix = "presented:"

    /// The example's path, and whether it stands for a presented chain.
    static func parse(_ example: String) -> (path: String, presented: Bool) {
        example.hasPrefix(presentedPrefix) ? (String(example.dropFirst(presentedPrefix.count)), true) : (example, false)
    }
}

/// One audit rule, compiled from a rule file. A class: the engine walks rules for every certificate,
/// and passing one reference is cheaper than copying a dozen fields.
public final class Rule: Sendable {
    /// Stable identifier, `<profile>.<name>`; baselines and waivers key on it.
    public let id: String
    public let title: String
    public let severity: Severity
    public let profile: String
    public let citations: [Citation]
    public let applies: Condition
    public let check: Condition
    public let message: MessageTemplate
    public let remediation: String
    public let examples: RuleExamples
    /// The rule's YAML as written, for `certaudit rules explain`.
    public let sourceText: String
    public let file: String
    public let line: Int?
    /// zlint's effective/ineffective dates: the rule applies only to certificates whose notBefore is on
    /// or after `effective` and before `ineffective` (a requirement that took effect, or was replaced).
    public let effective: UnixTime?
    public let ineffective: UnixTime?
    /// Raised by the policy (waivers), not by certificate facts: the auditor never evaluates it.
    public let raisedByPolicy: Bool

    init(
        id: String, title: String, severity: Severity, profile: String, citations: [Citation], applies: Condition,
        check: Condition, message: MessageTemplate, remediation: String, examples: RuleExamples, sourceText: String,
        file: String, line: Int?, effective: UnixTime? = nil, ineffective: UnixTime? = nil, raisedByPolicy: Bool = false
    ) {
        self.id = id
        self.title = title
        self.severity = severity
        self.profile = profile
        self.citations = citations
        self.applies = applies
        self.check = check
        self.message = message
        self.remediation = remediation
        self.examples = examples
        self.sourceText = sourceText
        self.file = file
        self.line = line
        self.effective = effective
        self.ineffective = ineffective
        self.raisedByPolicy = raisedByPolicy
    }

    /// What the rule says about one certificate.
    public func outcome(on input: EvaluationInput) -> RuleOutcome {
        guard !raisedByPolicy else { return .notApplicable }
        let notBefore = input.facts.notBefore
        if let effective, notBefore < effective { return .notApplicable }
        if let ineffective, notBefore >= ineffective { return .notApplicable }
        guard applies.evaluate(input) else { return .notApplicable }
        return check.evaluate(input) ? .failed : .passed
    }

    /// True when the rule applies to the certificate and its check finds the problem.
    public func fires(on input: EvaluationInput) -> Bool {
        outcome(on: input) == .failed
    }
}

/// A named group of rules (browser, vendor, rfc5280, cabf, or a user's own).
public struct Profile: Sendable {
    public var name: String
    public var title: String
    public var summary: String
    /// Part of the default selection when no `--profile` is given.
    public var enabledByDefault: Bool
    /// What `certaudit remediate --profile NAME` issues; nil when the profile defines no target.
    public var remediation: RemediationTarget?
    /// What the profile's rules apply to, in words, when the rule file narrows it with `applies:`.
    public var scope: String?
    public var file: String
}
