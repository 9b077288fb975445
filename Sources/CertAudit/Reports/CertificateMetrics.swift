import Prometheus

/// The Prometheus metrics of one scan (or one probe), built in a swift-prometheus registry, which does
/// the text format: escaping, families, HELP and TYPE lines. `certaudit serve` exposes them on
/// `/metrics` and `/probe`. Series per certificate (or CSR/CRL for `info`): `certaudit_certificate_info`,
/// `_not_after_timestamp_seconds`, `_browser_compatible`, plus one `certaudit_finding` per finding that
/// counts; totals by rule and by severity; the scan's own counts. Labels hold no key material, and
/// their number per certificate is fixed (see README, "certaudit serve"), so cardinality grows only
/// with certificates and findings.
public struct CertificateMetrics: Sendable {
    /// Where a series' certificate came from: a file path, or an endpoint probed (`tls://host:port`).
    public enum Place: Sendable {
        case path
        case target
    }

    public let registry = PrometheusCollectorRegistry()
    private let place: Place
    private var findingTotals: [String: (severity: Severity, count: Int)] = [:]

    public init(place: Place = .path) {
        self.place = place
    }

    /// The findings that make Chrome/Edge refuse the certificate, or a finding any browser treats
    /// as fatal: an error of the browser profile that counts (not waived, not in the baseline).
    public static func browserCompatible(_ certificate: AuditedCertificate) -> Bool {
        !certificate.findings.contains { $0.profile == "browser" && $0.severity == .error && $0.suppression == nil }
    }

    /// `keyEncipherment,dataEncipherment`, `none` for an empty extension, `absent` without one.
    public static func keyUsageLabel(_ facts: CertificateFacts) -> String {
        guard let keyUsage = facts.keyUsage else { return "absent" }
        let names = keyUsage.bits.names
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }

    /// Adds every certificate of one input (file or endpoint) and its findings.
    public mutating func add(_ result: InputResult) {
        let placeLabel = place == .target ? "target" : "path"
        for certificate in result.certificates {
            let facts = certificate.facts
            let identity: [(String, String)] = [
                ("sha256", facts.sha256), (placeLabel, result.path), ("index", String(certificate.index)),
            ]
            let subjectCN = facts.subject.commonNames.first ?? ""
            var info = identity
            info += [
                ("document", facts.document.rawValue), ("subject_cn", subjectCN), ("issuer_cn", facts.issuer.commonNames.first ?? ""),
                ("role", certificate.role.rawValue), ("key_type", facts.publicKey.algorithm.rawValue),
                ("key_bits", facts.publicKey.bits > 0 ? String(facts.publicKey.bits) : ""), ("curve", facts.publicKey.curve ?? ""), ("key_usage", Self.keyUsageLabel(facts)),
            ]
            registry.makeGauge(name: "certaudit_certificate_info", labels: info, help: Help.info).set(to: 1)
            for finding in certificate.findings where finding.suppression == nil {
                let labels = [("rule", finding.ruleId), ("severity", finding.severity.rawValue), ("profile", finding.profile)] + identity
                registry.makeGauge(name: "certaudit_finding", labels: labels, help: Help.finding).set(to: 1)
                let current = findingTotals[finding.ruleId]
                findingTotals[finding.ruleId] = (finding.severity, (current?.count ?? 0) + 1)
            }
            // Requests have no validity, and a CRL's nextUpdate is judged by the crl rules.
            guard certificate.document == .certificate else { continue }
            let named = identity + [("subject_cn", subjectCN)]
            registry.makeGauge(name: "certaudit_certificate_not_after_timestamp_seconds", labels: named, help: Help.notAfter)
                .set(Int64(facts.notAfter.seconds))
            registry.makeGauge(name: "certaudit_certificate_browser_compatible", labels: named, help: Help.browser)
                .set(to: Self.browserCompatible(certificate) ? 1 : 0)
        }
    }

    /// The scan's totals: findings by rule and by severity, certificates, unreadable inputs, time.
    public func finish(_ summary: ScanSummary, at time: UnixTime) {
        for (rule, value) in findingTotals {
            registry.makeGauge(name: "certaudit_findings", labels: [("rule", rule), ("severity", value.severity.rawValue)], help: Help.findings)
                .set(Int64(value.count))
        }
        for severity in Severity.allCases {
            registry.makeGauge(name: "certaudit_findings_by_severity", labels: [("severity", severity.rawValue)], help: Help.bySeverity)
                .set(Int64(summary.findings[severity] ?? 0))
        }
        registry.makeGauge(name: "certaudit_certificates", help: Help.certificates).set(Int64(summary.certificates))
        registry.makeGauge(name: "certaudit_unreadable_inputs", help: Help.unreadable).set(Int64(summary.unreadable))
        registry.makeGauge(name: "certaudit_scan_timestamp_seconds", help: Help.timestamp).set(Int64(time.seconds))
        registry.makeGauge(name: "certaudit_scan_duration_seconds", help: Help.duration).set(summary.elapsedSeconds)
    }

    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }

    enum Help {
        static let info = "A certificate (or CSR or CRL) read: its identity, key and KeyUsage as labels; always 1."
        static let finding = "A finding that counts (not waived, not in the baseline); always 1."
        static let notAfter = "End of a certificate's validity (Unix time)."
        static let browser = "1 when no error of the browser profile counts against the certificate (Chrome/Edge accept it), else 0."
        static let findings = "Findings that count, by rule and severity."
        static let bySeverity = "Findings that count, by severity."
        static let certificates = "Certificates read in the last scan."
        static let unreadable = "Inputs that could not be read in the last scan."
        static let timestamp = "When the last scan ran (Unix time)."
        static let duration = "How long the last scan took."
    }
}
