/// The human report: files with findings or errors (all files with `verbose`), then a summary line.
/// Colour only when writing to a terminal and NO_COLOR is unset.
public final class TextReport: ReportWriter {
    private let output: OutputChannel
    private let verbose: Bool
    private let color: Bool

    public init(output: OutputChannel, verbose: Bool, color: Bool) {
        self.output = output
        self.verbose = verbose
        self.color = color
    }

    private static func paint(_ text: String, _ code: String, color: Bool) -> String {
        color ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text
    }

    private static func label(_ severity: Severity, color: Bool) -> String {
        let padded = severity.rawValue.padding(to: 8)
        switch severity {
        case .error: return paint(padded, "1;31", color: color)
        case .warning: return paint(padded, "33", color: color)
        case .notice: return paint(padded, "36", color: color)
        case .info: return paint(padded, "2", color: color)
        }
    }

    private var header: ScanHeader?

    public func begin(_ header: ScanHeader) {
        self.header = header
        // A configuration file found in a scanned folder can waive findings or change the gate: always say
        // which one was applied.
        if let configuration = header.configuration {
            output.write("configuration: \(TerminalText.escape(configuration)) (applied)\n")
        }
        if verbose {
            output.write("certaudit \(header.toolVersion) · profiles: \(header.profiles.joined(separator: ", ")) · as of \(header.referenceTime.iso8601)\n\n")
        } else if header.configuration != nil {
            output.write("\n")
        }
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        let verbose = verbose
        let color = color
        return { report in Array(TextReport.render(report, verbose: verbose, color: color).utf8) }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        output.write(bytes: rendered)
    }

    static func render(_ report: InputResult, verbose: Bool, color: Bool) -> String {
        var text = ""
        let interesting = !report.problems.isEmpty || report.certificates.contains { !$0.findings.isEmpty }
        guard interesting || (verbose && (!report.certificates.isEmpty || report.skipReason != nil)) else { return "" }
        // Every piece of text from the input is escaped: see TerminalText.
        let escape = TerminalText.escape
        text += paint(escape(report.displayPath), "1", color: color)
        if let handshake = report.certificates.first?.presentation?.handshake {
            // What the server negotiated with Chrome's offer, and which key exchanges it takes alone.
            var accepts: [String] = []
            if handshake.acceptsTLS13 == true { accepts.append("TLS 1.3") }
            if handshake.acceptsECDHE == true { accepts.append("TLS 1.2 ECDHE") }
            if handshake.acceptsRSAKeyExchange == true { accepts.append("TLS 1.2 plain RSA") }
            text += " · " + escape(handshake.chromeCompatible ? handshake.summary : "refuses Chrome's offer; answered " + handshake.summary)
            text += accepts.isEmpty ? "" : " · accepts " + accepts.joined(separator: ", ")
        }
        text += "\n"
        for problem in report.problems {
            let suppressed = problem.suppression.map { " (\($0.kind))" } ?? ""
            text += ("  " + paint("unreadable", "1;35", color: color) + "  \(escape(problem.withCode))\(suppressed)\n")
        }
        if report.certificates.isEmpty, let reason = report.skipReason, report.problems.isEmpty {
            text += ("  skipped: \(escape(reason))\n")
        }
        for certificate in report.certificates where verbose || !certificate.findings.isEmpty {
            let facts = certificate.facts
            let keyUsage = facts.keyUsage.map { "{" + $0.bits.names.joined(separator: ", ") + "}" } ?? "absent"
            let subject = facts.subject.rfc4514.isEmpty ? "(empty subject)" : escape(facts.subject.rfc4514)
            var line: String
            switch facts.document {
            case .certificate:
                line = "  #\(certificate.index) \(subject) · \(escape(facts.publicKey.displayName)) · until \(facts.notAfter.isoDate) · KeyUsage \(keyUsage)"
            case .csr:
                line = "  #\(certificate.index) CSR \(subject) · \(escape(facts.publicKey.displayName)) · KeyUsage \(keyUsage)"
            case .crl:
                let list = facts.revocationList
                line = "  #\(certificate.index) CRL of \(escape(facts.issuer.rfc4514)) · thisUpdate \(facts.notBefore.isoDate)"
                line += " · nextUpdate " + (list?.nextUpdate.map(\.isoDate) ?? "none")
                line += " · \(list?.revokedCount ?? 0) revoked"
            }
            if let name = certificate.friendlyName {
                line += " · \"\(escape(name))\""
            }
            text += (line + "\n")
            if certificate.findings.isEmpty {
                text += ("     " + paint("ok", "32", color: color) + "\n")
            }
            for finding in certificate.findings {
                let hidden = finding.suppression.map { " (suppressed: \(escape($0.justification)))" } ?? ""
                text += ("     \(label(finding.severity, color: color)) \(escape(finding.ruleId))\(hidden)\n")
                text += ("              \(escape(finding.message))\n")
            }
        }
        text += ("\n")
        return text
    }

    /// "2 error, 1 warning, 0 notice, 0 info".
    static func counts(_ findings: [Severity: Int]) -> String {
        Severity.allCases.reversed().map { "\(findings[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
    }

    public func finish(_ summary: ScanSummary) {
        var line = "\(summary.files) files, \(summary.documentCounts): \(TextReport.counts(summary.findings))"
        line += "; \(summary.unreadable) unreadable, \(summary.skipped) skipped"
        if summary.suppressed > 0 {
            line += "; \(summary.suppressed) suppressed by baseline or waivers"
        }
        if summary.cacheUsed {
            line += "; facts cache: \(summary.cacheReused) files reused, \(summary.cacheRead) read"
        }
        output.write(line + "\n")
        // A fleet report (certaudit merge): each host's share.
        for host in summary.hosts {
            var hostLine = "  \(TerminalText.escape(host.host)): \(host.files) files, \(host.documents) documents: \(TextReport.counts(host.findings))"
            hostLine += "; \(host.unreadable) unreadable"
            if host.suppressed > 0 {
                hostLine += "; \(host.suppressed) suppressed"
            }
            output.write(hostLine + "\n")
        }
        if verbose {
            // zlint-style outcomes: each rule's applications and failures (not applicable elsewhere).
            for id in summary.ruleApplications.keys.sorted() {
                let applied = summary.ruleApplications[id] ?? 0
                let failed = summary.ruleFailures[id] ?? 0
                output.write("  \(TerminalText.escape(id).padding(to: 44)) applied to \(applied), failed on \(failed)\n")
            }
        }
        if let header {
            let stale = header.staleBaselineEntries(summary)
            if !stale.isEmpty {
                output.write("\(stale.count) baseline entries no longer occur (fixed or gone):\n")
                for entry in stale {
                    output.write("  \(TerminalText.escape(entry.key.ruleId)) \(entry.key.sha256) \(TerminalText.escape(entry.path))\n")
                }
            }
        }
    }
}

extension String {
    func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
