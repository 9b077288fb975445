import Foundation

/// CSV (RFC 4180), one row per finding; a certificate without findings gets one row with empty finding
/// columns, an unreadable input one row with its error. The last column says what the row's document
/// is (certificate, csr, crl; empty for an error): a CRL's `subject` cell holds its issuer and its
/// `notAfter` its nextUpdate; a request has no notAfter.
public final class CSVReport: ReportWriter {
    private let output: OutputChannel
    /// A fleet report (certaudit merge) starts each row with the host.
    private var fleet = false

    public init(output: OutputChannel) {
        self.output = output
    }

    static let columns = [
        "path", "index", "sha256", "subject", "notAfter", "keyUsage", "ruleId", "profile", "severity", "suppressed",
        "message", "document",
    ]

    /// RFC 4180 quoting, and a cell that a spreadsheet would run as a formula (starting with = + - @,
    /// or a tab or carriage return, OWASP's list) gets a leading apostrophe: text, not a formula.
    static func field(_ text: String) -> String {
        var value = text
        if let first = value.utf8.first, [0x3d, 0x2b, 0x2d, 0x40, 0x09, 0x0d].contains(first) {
            value = "'" + value
        }
        guard value.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return value }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    public func begin(_ header: ScanHeader) {
        fleet = header.fleet != nil
        output.write(((fleet ? ["host"] : []) + CSVReport.columns).joined(separator: ",") + "\r\n")
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        let fleet = fleet
        return { report in
            var text = ""
            let host = fleet ? [report.host ?? ""] : []
            func row(_ values: [String]) {
                text += (host + values).map(CSVReport.field).joined(separator: ",") + "\r\n"
            }
            for certificate in report.certificates {
                let facts = certificate.facts
                let keyUsage = facts.keyUsage.map { $0.bits.names.joined(separator: " ") } ?? "absent"
                let name = facts.document == .crl ? facts.issuer.rfc4514 : facts.subject.rfc4514
                let notAfter =
                    switch facts.document {
                    case .certificate: facts.notAfter.iso8601
                    case .csr: ""
                    case .crl: facts.revocationList?.nextUpdate?.iso8601 ?? ""
                    }
                let base = [report.path, String(certificate.index), facts.sha256, name, notAfter, keyUsage]
                let document = facts.document.rawValue
                if certificate.findings.isEmpty {
                    row(base + ["", "", "", "", "", document])
                }
                for finding in certificate.findings {
                    row(
                        base + [
                            finding.ruleId, finding.profile, finding.severity.rawValue, finding.suppression?.kind ?? "", finding.message,
                            document,
                        ])
                }
            }
            for problem in report.problems {
                row([report.path, "", "", "", "", "", problem.code.rawValue, "", "error", problem.suppression?.kind ?? "", problem.description, ""])
            }
            return Array(text.utf8)
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        output.write(bytes: rendered)
    }

    public func finish(_ summary: ScanSummary) {}
}
