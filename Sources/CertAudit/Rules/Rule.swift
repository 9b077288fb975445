/// A reference that justifies a rule.
public struct Citation: Sendable, Hashable {
    public var title: String
    public var url: String?
}

/// Certificates a rule must fire on (`triggers`) and must stay silent on (`passes`), as SwiftLint's rules
/// carry theirs; the test suite and `certaudit rules test` run them. An example is a file (resolved
/// against the rule file's folder, so a rule pack can carry its own) or inline PEM; `presented` judges
/// its certificates as the chain a live server presents, in order; a trigger may also name words its
/// finding's message must contain. `at` pins the time the examples hold at (the rule file's `at:`).
public struct RuleExamples: Sendable {
    public struct Example: Sendable, Hashable, CustomStringConvertible {
        public enum Source: Sendable, Hashable {
            case file(String)
            case pem(String)
        }

        public var source: Source
        public var presented = false
        /// Words the finding's message must contain (triggers only).
        public var message: String?
        /// The handshake a live server would have negotiated (`handshake:`; implies presented).
        public var handshake: TLSHandshake?
        /// Anchors the presented chain is judged against (`trustStore:`).
        public var trustStore: String?
        /// A CRL file the certificate is judged against (`crl:`).
        public var crl: String?
        /// A private key found with the certificate (`privateKey:`).
        public var privateKey: PrivateKeyCheck?

        public init(
            source: Source, presented: Bool = false, message: String? = nil, handshake: TLSHandshake? = nil,
            trustStore: String? = nil
        ) {
            self.source = source
            self.presented = presented || handshake != nil
            self.message = message
            self.handshake = handshake
            self.trustStore = trustStore
        }

        public var description: String {
            let base: String
            switch source {
            case .file(let path): base = path
            case .pem(let text): base = "inline PEM (\(text.utf8.count) bytes)"
            }
            let shown = presented ? RuleExamples.presentedPrefix + base : base
            return handshake.map { shown + " (\($0.summary))" } ?? shown
        }
    }

    public var triggers: [Example] = []
    public var passes: [Example] = []
    public var at: UnixTime?

    public init(triggers: [Example] = [], passes: [Example] = [], at: UnixTime? = nil) {
        self.triggers = triggers
        self.passes = passes
        self.at = at
    }

    static let presentedPrefix = "presented:"

    /// A short form `PATH` or `presented:PATH`.
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
    /// The kinds of document the rule judges (`documents:`; certificates only unless it says so).
    public let documents: Set<DocumentKind>

    init(
        id: String, title: String, severity: Severity, profile: String, citations: [Citation], applies: Condition,
        check: Condition, message: MessageTemplate, remediation: String, examples: RuleExamples, sourceText: String,
        file: String, line: Int?, effective: UnixTime? = nil, ineffective: UnixTime? = nil, raisedByPolicy: Bool = false,
        documents: Set<DocumentKind> = [.certificate]
    ) {
        self.documents = documents
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
        guard !raisedByPolicy, documents.contains(input.facts.document) else { return .notApplicable }
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
