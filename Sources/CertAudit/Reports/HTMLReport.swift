/// One self-contained HTML file (no network assets): summary by severity and rule, certificates by
/// time to expiry as a bar chart, and a findings table that sorts by any column and filters as you type.
/// Rows stream as the scan runs; the summary is written last and shown first (flex `order`).
public final class HTMLReport: ReportWriter {
    private let output: OutputChannel
    private var digest = ReportDigest(limit: 25)
    private var header: ScanHeader?

    public init(output: OutputChannel) {
        self.output = output
    }

    static let style = """
        body{font:14px system-ui,sans-serif;margin:0;color:#222}main{display:flex;flex-direction:column;padding:1rem 2rem}
        #summary{order:-1}h1{font-size:1.4rem}table{border-collapse:collapse;width:100%}th,td{border-bottom:1px solid #ddd;
        padding:.3rem .5rem;text-align:left;vertical-align:top}th{cursor:pointer;background:#f4f4f4;position:sticky;top:0}
        .error{color:#b00020;font-weight:600}.warning{color:#a15c00}.notice{color:#00639a}.info{color:#666}
        .counts span{display:inline-block;margin-right:1.5rem;font-size:1.1rem}.bar{fill:#4a7bd0}.bar.expired{fill:#b00020}
        #filter{margin:.5rem 0;padding:.3rem;width:20rem}tr.suppressed td{opacity:.5}
        """

    static let script = """
        document.querySelectorAll('#findings th').forEach((th,i)=>th.addEventListener('click',()=>{
        const body=document.querySelector('#findings tbody');const rows=[...body.rows];const asc=th.dataset.asc!=='1';
        rows.sort((a,b)=>a.cells[i].textContent.localeCompare(b.cells[i].textContent,undefined,{numeric:true})*(asc?1:-1));
        th.dataset.asc=asc?'1':'0';rows.forEach(r=>body.appendChild(r));}));
        document.getElementById('filter').addEventListener('input',e=>{const q=e.target.value.toLowerCase();
        document.querySelectorAll('#findings tbody tr').forEach(r=>{r.style.display=r.textContent.toLowerCase().includes(q)?'':'none';});});
        """

    public func begin(_ header: ScanHeader) {
        self.header = header
        output.write("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>certaudit report</title>")
        output.write("<style>\(HTMLReport.style)</style></head><body><main>\n")
        output.write("<section id=\"table\"><h2>Findings</h2><input id=\"filter\" placeholder=\"Filter findings…\" aria-label=\"Filter findings\">\n")
        output.write("<table id=\"findings\"><thead><tr><th>severity</th><th>rule</th><th>file</th><th>certificate</th><th>expires</th><th>message</th></tr></thead><tbody>\n")
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        { report in
            var html = ""
            for certificate in report.certificates {
                for finding in certificate.findings {
                    let severity = finding.severity.rawValue
                    html += "<tr class=\"\(finding.suppression == nil ? "" : "suppressed")\"><td class=\"\(severity)\">\(severity)"
                    html += finding.suppression.map { " (\(Markup.xml($0.kind)))" } ?? ""
                    html += "</td><td>\(Markup.xml(finding.ruleId))</td><td>\(Markup.xml(report.displayPath))</td>"
                    html += "<td>#\(certificate.index) \(Markup.xml(ReportDigest.name(of: certificate)))</td>"
                    // A certificate's notAfter, a CRL's nextUpdate; a request has none.
                    let until =
                        switch certificate.document {
                        case .certificate: certificate.facts.notAfter.isoDate
                        case .crl: certificate.facts.revocationList?.nextUpdate?.isoDate ?? "–"
                        case .csr: "–"
                        }
                    html += "<td>\(until)</td><td>\(Markup.xml(finding.message))</td></tr>\n"
                }
            }
            for problem in report.problems {
                html += "<tr\(problem.suppression == nil ? "" : " class=\"suppressed\"")><td class=\"error\">unreadable"
                html += problem.suppression.map { " (\(Markup.xml($0.kind)))" } ?? ""
                html += "</td><td>\(Markup.xml(problem.code.rawValue))</td><td>\(Markup.xml(report.displayPath))</td><td></td><td></td>"
                html += "<td>\(Markup.xml(problem.description))</td></tr>\n"
            }
            return Array(html.utf8)
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        output.write(bytes: rendered)
        digest.add(report, now: header?.referenceTime ?? UnixTime.now())
    }

    static func chart(_ buckets: [Int]) -> String {
        let maximum = max(buckets.max() ?? 1, 1)
        let width = 640, barHeight = 22
        var svg = "<svg role=\"img\" aria-label=\"Certificates by time to expiry\" width=\"\(width)\" height=\"\(buckets.count * (barHeight + 6))\">"
        for (index, count) in buckets.enumerated() {
            let y = index * (barHeight + 6)
            let length = count * (width - 260) / maximum
            let expired = index == 0 ? " expired" : ""
            svg += "<text x=\"0\" y=\"\(y + 16)\">\(ReportDigest.bucketNames[index])</text>"
            svg += "<rect class=\"bar\(expired)\" x=\"110\" y=\"\(y)\" width=\"\(length)\" height=\"\(barHeight)\"></rect>"
            svg += "<text x=\"\(116 + length)\" y=\"\(y + 16)\">\(count)</text>"
        }
        return svg + "</svg>"
    }

    public func finish(_ summary: ScanSummary) {
        var html = "</tbody></table></section>\n<section id=\"summary\"><h1>certaudit report</h1>"
        if let header {
            html += "<p>\(summary.documentCounts) in \(summary.files) files · profiles \(Markup.xml(header.profiles.joined(separator: ", ")))"
            html += " · as of \(header.referenceTime.iso8601)</p>"
            if let configuration = header.configuration {
                html += "<p>Configuration applied: <code>\(Markup.xml(configuration))</code></p>"
            }
        }
        html += "<p class=\"counts\">"
        for severity in Severity.allCases.reversed() {
            html += "<span class=\"\(severity.rawValue)\" id=\"count-\(severity.rawValue)\">\(summary.findings[severity] ?? 0) \(severity.rawValue)</span>"
        }
        html += "<span id=\"count-suppressed\">\(summary.suppressed) suppressed</span>"
        html += "<span id=\"count-unreadable\">\(summary.unreadable) unreadable</span></p>"
        html += "<h2>By rule</h2><table><thead><tr><th>severity</th><th>rule</th><th>title</th><th>count</th></tr></thead><tbody>"
        for rule in digest.rulesInOrder {
            html += "<tr><td class=\"\(rule.severity.rawValue)\">\(rule.severity.rawValue)</td><td>\(Markup.xml(rule.id))</td>"
            html += "<td>\(Markup.xml(rule.title))</td><td>\(rule.count)</td></tr>"
        }
        html += "</tbody></table>"
        if !summary.hosts.isEmpty {
            // A fleet report (certaudit merge): each host's share.
            html += "<h2>By host</h2><table id=\"hosts\"><thead><tr><th>host</th><th>files</th><th>documents</th>"
            html += Severity.allCases.reversed().map { "<th>\($0.rawValue)</th>" }.joined()
            html += "<th>suppressed</th><th>unreadable</th></tr></thead><tbody>"
            for host in summary.hosts {
                html += "<tr><td>\(Markup.xml(host.host))</td><td>\(host.files)</td><td>\(host.documents)</td>"
                html += Severity.allCases.reversed().map { "<td>\(host.findings[$0] ?? 0)</td>" }.joined()
                html += "<td>\(host.suppressed)</td><td>\(host.unreadable)</td></tr>"
            }
            html += "</tbody></table>"
        }
        html += "<h2>Time to expiry</h2>" + HTMLReport.chart(digest.expiryBuckets) + "</section>\n"
        html += "</main><script>\(HTMLReport.script)</script></body></html>\n"
        output.write(html)
    }
}
