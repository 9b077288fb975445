/// Runs a rule's examples: it must fire on every trigger (with the words its `message` names) and on no
/// pass. Used by the test suite for the built-in rules and by `certaudit rules test` for users' own.
public struct RuleExampleRunner: Sendable {
    public var products: [ProductCatalog]
    public var context: EvaluationContext
    public var passwords: PasswordCandidates
    /// Judge at this time rather than the time the rule file pins (`at:`); nil keeps the file's.
    public var overrideTime: UnixTime?

    public init(products: [ProductCatalog], context: EvaluationContext, passwords: PasswordCandidates, overrideTime: UnixTime? = nil) {
        self.products = products
        self.context = context
        self.passwords = passwords
        self.overrideTime = overrideTime
    }

    /// Sentences describing what went wrong; empty when every example behaves.
    public func failures(of rule: Rule) -> [String] {
        var context = context
        if let time = overrideTime ?? rule.examples.at {
            context.now = time
        }
        var auditor = Auditor(rules: [rule], products: products, context: context)
        let decoder = ContainerDecoder(passwords: passwords)
        var failures: [String] = []
        let examples = rule.examples.triggers.map { ($0, true) } + rule.examples.passes.map { ($0, false) }
        for (example, shouldFire) in examples {
            let bytes: [UInt8]
            let name: String
            switch example.source {
            case .file(let path):
                guard case .bytes(let read) = FileReader.load(path: path, limit: Limits.exampleFile) else {
                    failures.append("example \(path) cannot be read")
                    continue
                }
                (bytes, name) = (read, path)
            case .pem(let text):
                (bytes, name) = (Array(text.utf8), "inline.pem")
            }
            var decoded = decoder.decode(bytes, name: name)
            if example.presented {
                for index in decoded.certificates.indices {
                    decoded.certificates[index].container = .presented
                }
            }
            decoded.handshake = example.handshake
            decoded.privateKeyCheck = example.privateKey.map { (0, $0) }
            auditor.trustStore = nil
            if let path = example.trustStore {
                do {
                    auditor.trustStore = try TrustStore.load(path)
                } catch {
                    failures.append("example \(example): \(error)")
                    continue
                }
            }
            auditor.revocations = example.crl.map { path in
                RevocationIndex.load(files: [(path, true)], maxFileSize: Limits.exampleFile, decoder: decoder)
            }
            if let problems = auditor.revocations?.problems, !problems.isEmpty {
                failures.append("example \(example): \(problems.joined(separator: "; "))")
                continue
            }
            let report = auditor.audit(decoded, path: name)
            guard report.problems.isEmpty, let certificate = report.certificates.first else {
                failures.append("example \(example) holds no readable certificate, request or CRL \(report.problems)")
                continue
            }
            let finding = certificate.findings.first { $0.ruleId == rule.id }
            if (finding != nil) != shouldFire {
                failures.append(shouldFire ? "did not fire on \(example)" : "fired on \(example), which must pass")
            } else if let finding, let words = example.message, !finding.message.contains(words) {
                failures.append("fired on \(example), but its message lacks '\(words)': \(finding.message)")
            }
        }
        return failures
    }
}
