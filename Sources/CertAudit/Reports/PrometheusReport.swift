/// Prometheus text exposition for node_exporter's textfile collector: each certificate's notAfter
/// (labels: fingerprint, path, subject CN — no key material), finding counts by rule and severity, the
/// scan's time and duration, and the number of unreadable inputs.
public final class PrometheusReport: ReportWriter {
    private let output: OutputChannel
    private var counts: [String: (severity: Severity, count: Int)] = [:]
    private var header: ScanHeader?

    public init(output: OutputChannel) {
        self.output = output
    }

    static func label(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.append(character)
            }
        }
        return out
    }

    public func begin(_ header: ScanHeader) {
        self.header = header
        output.write("# HELP certaudit_certificate_not_after_timestamp_seconds End of a certificate's validity (Unix time).\n")
        output.write("# TYPE certaudit_certificate_not_after_timestamp_seconds gauge\n")
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        { report in
            var text = ""
            // Requests have no validity; a CRL's nextUpdate is judged by the crl rules.
            for certificate in report.certificates where certificate.document == .certificate {
                let facts = certificate.facts
                text += "certaudit_certificate_not_after_timestamp_seconds{sha256=\"\(facts.sha256)\",path=\"\(PrometheusReport.label(report.path))\","
                text += "index=\"\(certificate.index)\",subject_cn=\"\(PrometheusReport.label(facts.subject.commonNames.first ?? ""))\"} \(facts.notAfter.seconds)\n"
            }
            return Array(text.utf8)
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        output.write(bytes: rendered)
        for certificate in report.certificates {
            for finding in certificate.findings where finding.suppression == nil {
                let current = counts[finding.ruleId]
                counts[finding.ruleId] = (finding.severity, (current?.count ?? 0) + 1)
            }
        }
    }

    public func finish(_ summary: ScanSummary) {
        var text = "# HELP certaudit_findings Findings that count (not suppressed), by rule and severity.\n"
        text += "# TYPE certaudit_findings gauge\n"
        for (rule, value) in counts.sorted(by: { $0.key < $1.key }) {
            text += "certaudit_findings{rule=\"\(PrometheusReport.label(rule))\",severity=\"\(value.severity.rawValue)\"} \(value.count)\n"
        }
        text += "# HELP certaudit_findings_by_severity Findings that count, by severity.\n# TYPE certaudit_findings_by_severity gauge\n"
        for severity in Severity.allCases.reversed() {
            text += "certaudit_findings_by_severity{severity=\"\(severity.rawValue)\"} \(summary.findings[severity] ?? 0)\n"
        }
        text += "# HELP certaudit_certificates Certificates read in the last scan.\n# TYPE certaudit_certificates gauge\n"
        text += "certaudit_certificates \(summary.certificates)\n"
        text += "# HELP certaudit_unreadable_inputs Inputs that could not be read in the last scan.\n# TYPE certaudit_unreadable_inputs gauge\n"
        text += "certaudit_unreadable_inputs \(summary.unreadable)\n"
        text += "# HELP certaudit_scan_timestamp_seconds When the last scan ran (Unix time).\n# TYPE certaudit_scan_timestamp_seconds gauge\n"
        text += "certaudit_scan_timestamp_seconds \((header?.referenceTime ?? UnixTime.now()).seconds)\n"
        text += "# HELP certaudit_scan_duration_seconds How long the last scan took.\n# TYPE certaudit_scan_duration_seconds gauge\n"
        text += "certaudit_scan_duration_seconds \((summary.elapsedSeconds * 1000).rounded() / 1000)\n"
        output.write(text)
    }
}
