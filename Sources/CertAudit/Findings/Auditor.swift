/// Applies a selection of rules and the product histories to parsed certificates.
public struct Auditor: Sendable {
    public var rules: [Rule]
    public var products: [ProductCatalog]
    public var context: EvaluationContext

    public init(rules: [Rule], products: [ProductCatalog], context: EvaluationContext) {
        self.rules = rules
        self.products = products
        self.context = context
    }

    public func audit(_ facts: CertificateFacts, container: ContainerKind, friendlyName: String?) -> (
        products: [ProductMatch], findings: [Finding]
    ) {
        var input = EvaluationInput(facts: facts, container: container, friendlyName: friendlyName, context: context)
        for catalog in products {
            input.products += catalog.matches(input)
        }
        var findings: [Finding] = []
        for rule in rules where rule.fires(on: input) {
            findings.append(
                Finding(
                    ruleId: rule.id, profile: rule.profile, severity: rule.severity, title: rule.title,
                    message: rule.message.render(input), remediation: rule.remediation,
                    citation: rule.citations.first.map { $0.url ?? $0.title } ?? ""))
        }
        findings.sort { ($0.severity, $1.ruleId) > ($1.severity, $0.ruleId) }
        return (input.products, findings)
    }

    /// Reads, decodes, parses and audits one file's bytes.
    public func audit(bytes: [UInt8], path: String, decoder: ContainerDecoder) -> FileReport {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        return audit(decoder.decode(bytes, name: name), path: path)
    }

    /// Parses and audits what an input held.
    public func audit(_ decoded: DecodedInput, path: String) -> FileReport {
        var report = FileReport(path: path)
        report.problems = decoded.problems
        report.skipReason = decoded.skipReason
        for extracted in decoded.certificates {
            do {
                let facts = try LenientCertificateParser.parse(extracted.der)
                let verdict = audit(facts, container: extracted.container, friendlyName: extracted.friendlyName)
                report.certificates.append(
                    AuditedCertificate(
                        index: report.certificates.count, container: extracted.container, location: extracted.location,
                        friendlyName: extracted.friendlyName, facts: facts, products: verdict.products,
                        findings: verdict.findings))
            } catch {
                report.problems.append("\(extracted.location): \(error)")
            }
        }
        return report
    }
}
