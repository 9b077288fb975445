/// The nightly digest of a `HistoryDiff` as Markdown, HTML or JSON.
public enum HistoryReport {
    public enum Format: String, CaseIterable, Sendable {
        case markdown, html, json
    }

    static func daysLeft(_ row: HistoryStore.CertificateRow, now: UnixTime) -> Int {
        Int(Validity.floorDays(row.notAfter.seconds - now.seconds))
    }

    static func window(_ days: Int) -> String {
        days < 0 ? "expired" : days < 7 ? "7 days" : days < 30 ? "30 days" : "\(Limits.digestExpiryHorizonDays) days"
    }

    public static func render(_ diff: HistoryDiff, format: Format) -> String {
        switch format {
        case .markdown: markdown(diff)
        case .html: html(diff)
        case .json: json(diff)
        }
    }

    static func comparedWith(_ diff: HistoryDiff) -> String {
        diff.previous.map { "run \($0.id) of \($0.startedAt.iso8601)" } ?? "no earlier run"
    }

    static func markdown(_ diff: HistoryDiff) -> String {
        var text = "## certaudit nightly: run \(diff.latest.id) of \(diff.latest.startedAt.iso8601)\n\n"
        text += "Compared with \(comparedWith(diff)). \(diff.latest.certificates) certificates, \(diff.latest.unreadable) unreadable inputs.\n\n"
        text += "| new findings | new errors | resolved | appeared | disappeared | replaced | expiring ≤ \(Limits.digestExpiryHorizonDays) days |\n"
        text += "|---:|---:|---:|---:|---:|---:|---:|\n"
        text += "| \(diff.newFindings.count) | \(diff.newErrors) | \(diff.resolvedFindings.count) | \(diff.appeared.count) "
        text += "| \(diff.disappeared.count) | \(diff.replaced.count) | \(diff.expiring.count) |\n\n"
        func findings(_ title: String, _ rows: [HistoryStore.FindingRow]) {
            guard !rows.isEmpty else { return }
            text += "### \(title)\n\n"
            for row in rows {
                text += "- **\(row.severity.rawValue)** `\(row.ruleId)` `\(row.path.replacingPipes())` — \(row.message.replacingPipes())\n"
            }
            text += "\n"
        }
        func certificates(_ title: String, _ rows: [HistoryStore.CertificateRow]) {
            guard !rows.isEmpty else { return }
            text += "### \(title)\n\n"
            for row in rows {
                text += "- `\(row.path.replacingPipes())` #\(row.index) \(row.subject.replacingPipes()) (until \(row.notAfter.isoDate))\n"
            }
            text += "\n"
        }
        findings("New findings", diff.newFindings)
        findings("Resolved findings", diff.resolvedFindings)
        certificates("Certificates that appeared", diff.appeared)
        certificates("Certificates that disappeared", diff.disappeared)
        if !diff.replaced.isEmpty {
            text += "### Certificates replaced\n\n"
            for pair in diff.replaced {
                text += "- `\(pair.new.path.replacingPipes())` #\(pair.new.index): \(pair.old.sha256.prefix(16))… → \(pair.new.sha256.prefix(16))…"
                text += " (until \(pair.old.notAfter.isoDate) → \(pair.new.notAfter.isoDate))\n"
            }
            text += "\n"
        }
        if !diff.expiring.isEmpty {
            text += "### Expiring\n\n| window | expires | days | file | certificate |\n|---|---|---:|---|---|\n"
            for row in diff.expiring {
                let days = daysLeft(row, now: diff.now)
                text += "| \(window(days)) | \(row.notAfter.isoDate) | \(days) | `\(row.path.replacingPipes())` | #\(row.index) \(row.subject.replacingPipes()) |\n"
            }
            text += "\n"
        }
        return text
    }

    static func html(_ diff: HistoryDiff) -> String {
        var html = "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>certaudit nightly</title>"
        html += "<style>\(HTMLReport.style)</style></head><body><main><section id=\"summary\">"
        html += "<h1>certaudit nightly: run \(diff.latest.id) of \(diff.latest.startedAt.iso8601)</h1>"
        html += "<p>Compared with \(Markup.xml(comparedWith(diff))).</p><p class=\"counts\">"
        html += "<span id=\"new-findings\">\(diff.newFindings.count) new findings</span>"
        html += "<span class=\"error\" id=\"new-errors\">\(diff.newErrors) new errors</span>"
        html += "<span id=\"resolved\">\(diff.resolvedFindings.count) resolved</span>"
        html += "<span id=\"expiring\">\(diff.expiring.count) expiring ≤ \(Limits.digestExpiryHorizonDays) days</span></p></section>"
        func table(_ title: String, _ header: [String], _ rows: [[String]]) {
            guard !rows.isEmpty else { return }
            html += "<section><h2>\(title)</h2><table><thead><tr>" + header.map { "<th>\($0)</th>" }.joined() + "</tr></thead><tbody>"
            for row in rows {
                html += "<tr>" + row.map { "<td>\(Markup.xml($0))</td>" }.joined() + "</tr>"
            }
            html += "</tbody></table></section>"
        }
        let findingHeader = ["severity", "rule", "file", "message"]
        table("New findings", findingHeader, diff.newFindings.map { [$0.severity.rawValue, $0.ruleId, $0.path, $0.message] })
        table("Resolved findings", findingHeader, diff.resolvedFindings.map { [$0.severity.rawValue, $0.ruleId, $0.path, $0.message] })
        let certificateHeader = ["file", "certificate", "expires"]
        table("Appeared", certificateHeader, diff.appeared.map { [$0.path, "#\($0.index) \($0.subject)", $0.notAfter.isoDate] })
        table("Disappeared", certificateHeader, diff.disappeared.map { [$0.path, "#\($0.index) \($0.subject)", $0.notAfter.isoDate] })
        table("Replaced", ["file", "old", "new"], diff.replaced.map { [$0.new.path, String($0.old.sha256.prefix(16)), String($0.new.sha256.prefix(16))] })
        table("Expiring", ["window", "expires", "file", "certificate"], diff.expiring.map {
            [window(daysLeft($0, now: diff.now)), $0.notAfter.isoDate, $0.path, "#\($0.index) \($0.subject)"]
        })
        return html + "</main></body></html>\n"
    }

    static func json(_ diff: HistoryDiff) -> String {
        var json = JSONWriter()
        func run(_ run: HistoryStore.Run) {
            json.beginObject()
            json.field("id", Int(run.id))
            json.field("startedAt", run.startedAt.iso8601)
            json.field("certificates", run.certificates)
            json.endObject()
        }
        func findings(_ rows: [HistoryStore.FindingRow]) {
            json.beginArray()
            for row in rows {
                json.beginObject()
                json.field("path", row.path)
                json.field("sha256", row.sha256)
                json.field("ruleId", row.ruleId)
                json.field("severity", row.severity.rawValue)
                json.field("message", row.message)
                json.endObject()
            }
            json.endArray()
        }
        func certificates(_ rows: [HistoryStore.CertificateRow]) {
            json.beginArray()
            for row in rows {
                json.beginObject()
                json.field("path", row.path)
                json.field("index", row.index)
                json.field("sha256", row.sha256)
                json.field("subject", row.subject)
                json.field("notAfter", row.notAfter.iso8601)
                json.field("daysLeft", daysLeft(row, now: diff.now))
                json.endObject()
            }
            json.endArray()
        }
        json.beginObject()
        json.key("latest")
        run(diff.latest)
        json.key("previous")
        if let previous = diff.previous { run(previous) } else { json.null() }
        json.key("newFindings")
        findings(diff.newFindings)
        json.key("resolvedFindings")
        findings(diff.resolvedFindings)
        json.key("appeared")
        certificates(diff.appeared)
        json.key("disappeared")
        certificates(diff.disappeared)
        json.key("replaced")
        json.beginArray()
        for pair in diff.replaced {
            json.beginObject()
            json.field("path", pair.new.path)
            json.field("index", pair.new.index)
            json.field("oldSha256", pair.old.sha256)
            json.field("newSha256", pair.new.sha256)
            json.endObject()
        }
        json.endArray()
        json.key("expiring")
        certificates(diff.expiring)
        json.field("newErrors", diff.newErrors)
        json.endObject()
        return String(decoding: json.take(), as: UTF8.self) + "\n"
    }
}
