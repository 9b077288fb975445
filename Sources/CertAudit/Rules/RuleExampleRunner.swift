/// Runs a rule's examples: it must fire on every `triggers` file and on no `passes` file. Used by the
/// test suite for the built-in rules and by `certaudit rules test` for users' own.
public struct RuleExampleRunner: Sendable {
    public var products: [ProductCatalog]
    public var context: EvaluationContext
    public var passwords: PasswordCandidates

    public init(products: [ProductCatalog], context: EvaluationContext, passwords: PasswordCandidates) {
        self.products = products
        self.context = context
        self.passwords = passwords
    }

    /// Sentences describing what went wrong; empty when every example behaves.
    public func failures(of rule: Rule) -> [String] {
        let auditor = Auditor(rules: [rule], products: products, context: context)
        let decoder = ContainerDecoder(passwords: passwords)
        var failures: [String] = []
        for example in rule.examples.triggers + rule.examples.passes {
            let (path, presented) = RuleExamples.parse(example)
            guard case .bytes(let bytes) = FileReader.load(path: path, limit: 10 * 1024 * 1024) else {
                failures.append("example \(path) cannot be read")
                continue
            }
            var decoded = decoder.decode(bytes, name: path)
            if presented {
                for index in decoded.certificates.indices {
                    decoded.certificates[index].container = .tls
                }
            }
            let report = auditor.audit(decoded, path: path)
            guard report.problems.isEmpty, let certificate = report.certificates.first else {
                failures.append("example \(path) holds no readable certificate \(report.problems)")
                continue
            }
            let fired = certificate.findings.contains { $0.ruleId == rule.id }
            let shouldFire = rule.examples.triggers.contains(example)
            if fired != shouldFire {
                failures.append(shouldFire ? "did not fire on \(example)" : "fired on \(example), which must pass")
            }
        }
        return failures
    }
}
