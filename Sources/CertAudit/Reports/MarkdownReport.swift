/// A Markdown summary fit for a pull-request comment or a mail: counts, findings by rule, the first
/// findings, certificates expiring within `Limits.digestExpiryHorizonDays`, unreadable inputs (each list bounded).
public final class MarkdownReport: ReportWriter {
    private let output: OutputChannel
    private var digest = ReportDigest(limit: 50)
    private var header: ScanHeader?

    public init(output: OutputChannel) {
        self.output = output
    }

    static func cell(_ text: String) -> String {
        TerminalText.escape(text.replacingPipes())
    }

    /// A table cell as a code span: a backtick inside would end the span early, so it becomes ʼ.
    static func code(_ text: String) -> String {
        "`" + String(cell(text).map { $0 == "`" ? "ʼ" : $0 }) + "`"
    }

    public func begin(_ header: ScanHeader) {
        self.header = header
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        { _ in [] }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        digest.add(report, now: header?.referenceTime ?? UnixTime.now())
    }

    public func finish(_ summary: ScanSummary) {
        var text = "## certaudit: \(summary.documentCounts) in \(summary.files) files\n\n"
        let errors = summary.findings[.error] ?? 0
        text += errors > 0 ? "**\(errors) error(s)** — these fail the check.\n\n" : "No errors.\n\n"
        text += "| error | warning | notice | info | suppressed | unreadable | skipped |\n|---:|---:|---:|---:|---:|---:|---:|\n"
        text += "| \(summary.findings[.error] ?? 0) | \(summary.findings[.warning] ?? 0) | \(summary.findings[.notice] ?? 0) "
        text += "| \(summary.findings[.info] ?? 0) | \(summary.suppressed) | \(summary.unreadable) | \(summary.skipped) |\n\n"
        if let header {
            text += "Profiles: \(header.profiles.joined(separator: ", ")) · as of \(header.referenceTime.iso8601)\n\n"
            if let configuration = header.configuration {
                text += "Configuration applied: \(MarkdownReport.code(configuration))\n\n"
            }
        }
        if !summary.hosts.isEmpty {
            // A fleet report (certaudit merge): each host's share.
            text += "### By host\n\n| host | files | documents | error | warning | notice | info | suppressed | unreadable |\n"
            text += "|---|---:|---:|---:|---:|---:|---:|---:|---:|\n"
            for host in summary.hosts {
                text += "| \(MarkdownReport.code(host.host)) | \(host.files) | \(host.documents) | \(host.findings[.error] ?? 0) "
                text += "| \(host.findings[.warning] ?? 0) | \(host.findings[.notice] ?? 0) | \(host.findings[.info] ?? 0) "
                text += "| \(host.suppressed) | \(host.unreadable) |\n"
            }
            text += "\n"
        }
        if !digest.byRule.isEmpty {
            text += "### Findings by rule\n\n| severity | rule | findings | certificates failed / applied to |\n|---|---|---:|---:|\n"
            for rule in digest.rulesInOrder {
                let outcome = "\(summary.ruleFailures[rule.id] ?? 0) / \(summary.ruleApplications[rule.id] ?? 0)"
                text += "| \(rule.severity.rawValue) | \(MarkdownReport.code(rule.id)) \(MarkdownReport.cell(rule.title)) | \(rule.count) | \(outcome) |\n"
            }
            text += "\n### Findings\n\n| severity | file | certificate | rule | message |\n|---|---|---|---|---|\n"
            for row in digest.findings {
                guard let finding = row.finding else { continue }
                text += "| \(finding.severity.rawValue) | \(MarkdownReport.code(row.path)) | #\(row.index) \(MarkdownReport.cell(row.subject)) "
                text += "| \(MarkdownReport.code(finding.ruleId)) | \(MarkdownReport.cell(finding.message)) |\n"
            }
            if digest.omittedFindings > 0 {
                text += "\n… and \(digest.omittedFindings) more findings (see the full report).\n"
            }
            text += "\n"
        }
        if !digest.expiring.isEmpty {
            text += "### Expiring within \(Limits.digestExpiryHorizonDays) days\n\n| expires | file | certificate |\n|---|---|---|\n"
            for row in digest.expiring.sorted(by: { $0.notAfter < $1.notAfter }) {
                text += "| \(row.notAfter.isoDate) | \(MarkdownReport.code(row.path)) | #\(row.index) \(MarkdownReport.cell(row.subject)) |\n"
            }
            text += "\n"
        }
        if !digest.unreadable.isEmpty {
            text += "### Unreadable inputs\n\n"
            for item in digest.unreadable {
                text += "- \(MarkdownReport.code(item.path)): \(MarkdownReport.cell(item.message))\n"
            }
            text += "\n"
        }
        output.write(text)
    }
}

extension String {
    /// Markdown table cells: pipes escaped, line breaks flattened.
    func replacingPipes() -> String {
        var out = ""
        for character in self {
            switch character {
            case "|": out += "\\|"
            case "\n", "\r": out += " "
            default: out.append(character)
            }
        }
        return out
    }
}
