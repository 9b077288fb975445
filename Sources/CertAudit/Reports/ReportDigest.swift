/// Bounded aggregates for the summary formats (Markdown, HTML, Prometheus): counts by rule and
/// severity, the first findings, expiring certificates and unreadable inputs — never every certificate.
struct ReportDigest {
    struct Row {
        var path: String
        var index: Int
        var subject: String
        var sha256: String
        var notAfter: UnixTime
        var finding: Finding?
    }

    var limit: Int
    var byRule: [String: (severity: Severity, title: String, count: Int)] = [:]
    var findings: [Row] = []
    var omittedFindings = 0
    var expiring: [Row] = []
    var unreadable: [(path: String, message: String)] = []
    /// Certificates by months until expiry: expired, <7d, <30d, <60d, <90d, <1y, later.
    var expiryBuckets = [Int](repeating: 0, count: 7)
    static let bucketNames = ["expired", "< 7 days", "< 30 days", "< 60 days", "< 90 days", "< 1 year", "later"]

    mutating func add(_ report: InputResult, now: UnixTime) {
        for certificate in report.certificates {
            let facts = certificate.facts
            let days = Validity.floorDays(facts.notAfter.seconds - now.seconds)
            let base = Row(
                path: report.displayPath, index: certificate.index, subject: ReportDigest.name(of: certificate), sha256: facts.sha256,
                notAfter: facts.notAfter, finding: nil)
            // Expiry is a certificate's: a request has none, a CRL's nextUpdate has rules of its own.
            if facts.document == .certificate {
                let bucket = days < 0 ? 0 : days < 7 ? 1 : days < 30 ? 2 : days < 60 ? 3 : days < 90 ? 4 : days < 365 ? 5 : 6
                expiryBuckets[bucket] += 1
                if days < Limits.digestExpiryHorizonDays, expiring.count < limit {
                    expiring.append(base)
                }
            }
            for finding in certificate.findings where finding.suppression == nil {
                let current = byRule[finding.ruleId]
                byRule[finding.ruleId] = (finding.severity, finding.title, (current?.count ?? 0) + 1)
                if findings.count < limit {
                    var row = base
                    row.finding = finding
                    findings.append(row)
                } else {
                    omittedFindings += 1
                }
            }
        }
        for problem in report.countingProblems where unreadable.count < limit {
            unreadable.append((report.displayPath, problem.withCode))
        }
    }

    /// How a summary row names a document: a certificate by its subject, "CSR subject", "CRL of issuer".
    static func name(of certificate: AuditedCertificate) -> String {
        switch certificate.document {
        case .certificate: certificate.facts.subject.rfc4514
        case .csr: "CSR " + certificate.facts.subject.rfc4514
        case .crl: "CRL of " + certificate.facts.issuer.rfc4514
        }
    }

    /// Rules by severity (worst first), then count.
    var rulesInOrder: [(id: String, severity: Severity, title: String, count: Int)] {
        byRule.map { ($0.key, $0.value.severity, $0.value.title, $0.value.count) }
            .sorted { ($0.severity, $0.count, $1.id) > ($1.severity, $1.count, $0.id) }
    }
}
