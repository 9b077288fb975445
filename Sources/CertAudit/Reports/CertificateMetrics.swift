import Prometheus

/// The Prometheus metrics of one scan (or one probe): `certaudit serve` exposes them on `/metrics` and
/// `/probe`, `scan --report prometheus:FILE` writes them for node_exporter's textfile collector.
///
/// Series per certificate (and per CSR or CRL for `info`): `certaudit_certificate_info`,
/// `_not_after_timestamp_seconds`, `_browser_compatible`, plus one `certaudit_finding` per finding
/// that counts. Labels hold no key material, and their number per certificate is fixed, so
/// cardinality grows only with certificates and findings (README, "certaudit serve").
///
/// The per-certificate families are written here, a line per series appended as each input is
/// judged: swift-prometheus's registry copies a family's whole dictionary on every new label set,
/// which is quadratic in the series of a 100,000-certificate scan. The registry writes the small,
/// fixed families (totals by rule and severity, the scan's own series), and `serve` its health
/// and probe series.
public struct CertificateMetrics: Sendable {
    /// Where a series' certificate came from: a file path, or an endpoint probed (`tls://host:port`).
    public enum Place: Sendable {
        case path
        case target
    }

    private let place: Place
    private var info: [UInt8] = []
    private var notAfter: [UInt8] = []
    private var browser: [UInt8] = []
    private var finding: [UInt8] = []
    private var findingTotals: [String: (severity: Severity, count: Int)] = [:]

    public init(place: Place = .path) {
        self.place = place
    }

    /// No error of the browser profile counts against the certificate (not waived, not in the
    /// baseline): Chrome/Edge accept it.
    public static func browserCompatible(_ certificate: AuditedCertificate) -> Bool {
        !certificate.findings.contains { $0.profile == "browser" && $0.severity == .error && $0.suppression == nil }
    }

    /// `keyEncipherment,dataEncipherment`, `none` for an empty extension, `absent` without one.
    public static func keyUsageLabel(_ facts: CertificateFacts) -> String {
        guard let keyUsage = facts.keyUsage else { return "absent" }
        let names = keyUsage.bits.names
        return names.isEmpty ? "none" : names.joined(separator: ",")
    }

    /// A label value as the text format wants it: `\`, `"` and newline escaped; other control
    /// characters (which subjects and paths may hold) replaced by U+FFFD.
    static func escape(_ text: String, into out: inout [UInt8]) {
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\\"): out += [UInt8(ascii: "\\"), UInt8(ascii: "\\")]
            case UInt8(ascii: "\""): out += [UInt8(ascii: "\\"), UInt8(ascii: "\"")]
            case UInt8(ascii: "\n"): out += [UInt8(ascii: "\\"), UInt8(ascii: "n")]
            case 0..<0x20, 0x7F: out += [0xEF, 0xBF, 0xBD]
            default: out.append(byte)
            }
        }
    }

    private static func sample(_ name: String, _ labels: [(String, String)], _ value: String, into out: inout [UInt8]) {
        out += name.utf8
        out.append(UInt8(ascii: "{"))
        for (position, (label, text)) in labels.enumerated() {
            if position > 0 { out.append(UInt8(ascii: ",")) }
            out += label.utf8
            out += [UInt8(ascii: "="), UInt8(ascii: "\"")]
            escape(text, into: &out)
            out.append(UInt8(ascii: "\""))
        }
        out.append(UInt8(ascii: "}"))
        out.append(UInt8(ascii: " "))
        out += value.utf8
        out.append(UInt8(ascii: "\n"))
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
            let described = identity + [
                ("document", facts.document.rawValue), ("subject_cn", subjectCN), ("issuer_cn", facts.issuer.commonNames.first ?? ""),
                ("role", certificate.role.rawValue), ("key_type", facts.publicKey.algorithm.rawValue),
                ("key_bits", facts.publicKey.bits > 0 ? String(facts.publicKey.bits) : ""), ("curve", facts.publicKey.curve ?? ""),
                ("key_usage", Self.keyUsageLabel(facts)),
            ]
            Self.sample("certaudit_certificate_info", described, "1", into: &info)
            for item in certificate.findings where item.suppression == nil {
                let labels = [("rule", item.ruleId), ("severity", item.severity.rawValue), ("profile", item.profile)] + identity
                Self.sample("certaudit_finding", labels, "1", into: &finding)
                let current = findingTotals[item.ruleId]
                findingTotals[item.ruleId] = (item.severity, (current?.count ?? 0) + 1)
            }
            // Requests have no validity, and a CRL's nextUpdate is judged by the crl rules.
            guard certificate.document == .certificate else { continue }
            let named = identity + [("subject_cn", subjectCN)]
            Self.sample("certaudit_certificate_not_after_timestamp_seconds", named, String(facts.notAfter.seconds), into: &notAfter)
            Self.sample("certaudit_certificate_browser_compatible", named, Self.browserCompatible(certificate) ? "1" : "0", into: &browser)
        }
    }

    /// The whole exposition: the per-certificate families, then the scan's totals, by rule and
    /// severity, its certificates, unreadable inputs, time and duration.
    public func exposition(_ summary: ScanSummary, at time: UnixTime) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(info.count + notAfter.count + browser.count + finding.count + 4096)
        for (name, help, lines) in [
            ("certaudit_certificate_info", Help.info, info), ("certaudit_certificate_not_after_timestamp_seconds", Help.notAfter, notAfter),
            ("certaudit_certificate_browser_compatible", Help.browser, browser), ("certaudit_finding", Help.finding, finding),
        ] where !lines.isEmpty {
            out += "# HELP \(name) \(help)\n# TYPE \(name) gauge\n".utf8
            out += lines
        }
        let registry = PrometheusCollectorRegistry()
        for (rule, value) in findingTotals.sorted(by: { $0.key < $1.key }) {
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
        registry.emit(into: &out)
        return out
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
