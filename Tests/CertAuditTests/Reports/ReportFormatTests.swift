import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif
@testable import CertAudit

/// Every --report format, parsed back with an independent reader (JSONSerialization, XMLParser, a
/// line-by-line exposition-format check) and compared with the JSON report of the same scan.
@Suite struct ReportFormatTests {
    struct Scan {
        var folder: String
        var status: Int32
        var json: [String: Any]

        func file(_ name: String) -> String { folder + "/" + name }
        func text(_ name: String) -> String {
            String(decoding: FileManager.default.contents(atPath: file(name)) ?? Data(), as: UTF8.self)
        }
        var summary: [String: Any] { json["summary"] as! [String: Any] }
        var findings: [String: Int] { summary["findings"] as! [String: Int] }
    }

    nonisolated(unsafe) static let scan: Scan = {
        let folder = Fixtures.temporaryDirectory()
        let result = Fixtures.run(
            Fixtures.executable,
            [
                "scan", "--at", "2026-12-01", "--password-file", Fixtures.samples + "/passwords.txt", "--format", "json",
                "--output", folder + "/report.json", "--report", "sarif:" + folder + "/report.sarif",
                "--report", "junit:" + folder + "/junit.xml", "--report", "csv:" + folder + "/report.csv",
                "--report", "markdown:" + folder + "/report.md", "--report", "html:" + folder + "/report.html",
                "--report", "prometheus:" + folder + "/certaudit.prom", Fixtures.samples,
            ])
        let data = FileManager.default.contents(atPath: folder + "/report.json")!
        return Scan(folder: folder, status: result.status, json: try! JSONSerialization.jsonObject(with: data) as! [String: Any])
    }()

    @Test func sarifHasTheRequiredStructure() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.scan.file("report.sarif")))
        let sarif = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(sarif["version"] as? String == "2.1.0")
        #expect((sarif["$schema"] as? String)?.contains("sarif-2.1.0") == true)
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let driver = try #require((run["tool"] as? [String: Any])?["driver"] as? [String: Any])
        #expect(driver["name"] as? String == "certaudit")
        let rules = try #require(driver["rules"] as? [[String: Any]])
        let ids = rules.compactMap { $0["id"] as? String }
        #expect(ids.contains("browser.ku-lacks-digital-signature"))
        for rule in rules {
            #expect(rule["shortDescription"] as? [String: Any] != nil)
            #expect(rule["fullDescription"] as? [String: Any] != nil)
            #expect((rule["help"] as? [String: Any])?["text"] is String)
            #expect(["error", "warning", "note"].contains((rule["defaultConfiguration"] as? [String: Any])?["level"] as? String ?? ""))
        }
        let results = try #require(run["results"] as? [[String: Any]])
        let findingCount = Self.scan.findings.values.reduce(0, +)
        #expect(results.count == findingCount)
        let bases = try #require(run["originalUriBaseIds"] as? [String: [String: String]])
        for result in results {
            let ruleId = try #require(result["ruleId"] as? String)
            #expect(ids[try #require(result["ruleIndex"] as? Int)] == ruleId)
            #expect(["error", "warning", "note"].contains(result["level"] as? String ?? ""))
            #expect((result["message"] as? [String: Any])?["text"] is String)
            let location = try #require((result["locations"] as? [[String: Any]])?.first)
            let artifact = try #require((location["physicalLocation"] as? [String: Any])?["artifactLocation"] as? [String: Any])
            let uri = try #require(artifact["uri"] as? String)
            #expect(!uri.hasPrefix("/"), "relative to the scan root")
            #expect(bases[try #require(artifact["uriBaseId"] as? String)]?["uri"]?.hasPrefix("file:///") == true)
            #expect((location["logicalLocations"] as? [[String: Any]])?.first?["fullyQualifiedName"] is String)
            let fingerprint = try #require((result["partialFingerprints"] as? [String: String])?["certaudit/v1"])
            #expect(fingerprint.hasPrefix(ruleId + ":"))
        }
        let notifications = (run["invocations"] as? [[String: Any]])?.first?["toolExecutionNotifications"] as? [[String: Any]]
        #expect(notifications?.count == (Self.scan.json["errors"] as? [Any])?.count)
        // Each notification names its problem code, which the driver describes.
        let codes = (Self.scan.json["errors"] as! [[String: Any]]).map { $0["code"] as! String }
        #expect(notifications?.map { ($0["descriptor"] as? [String: Any])?["id"] as? String ?? "" } == codes)
        let described = Set(((run["tool"] as? [String: Any])?["driver"] as? [String: Any])?["notifications"].flatMap { $0 as? [[String: Any]] }?.compactMap { $0["id"] as? String } ?? [])
        #expect(Set(codes).isSubset(of: described) && !codes.isEmpty)
    }

    @Test func sarifPassesTheOfficialSchema() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Fixtures.sarifKit), "run scripts/install-system-deps (installs sarif-kit)")
        let checked = Fixtures.run(Fixtures.sarifKit, ["validate", Self.scan.file("report.sarif")])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
    }

    final class JUnitCounter: NSObject, XMLParserDelegate {
        var suites: [[String: String]] = []
        var testcases = 0
        var failures = 0
        var errors = 0
        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
            switch name {
            case "testsuites", "testsuite": suites.append(attributes)
            case "testcase": testcases += 1
            case "failure": failures += 1
            case "error": errors += 1
            default: break
            }
        }
    }

    @Test func junitParsesWithTheExpectedCounts() throws {
        let data = try #require(FileManager.default.contents(atPath: Self.scan.file("junit.xml")))
        let parser = XMLParser(data: data)
        let counter = JUnitCounter()
        parser.delegate = counter
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        // One testcase per document (certificates, requests, CRLs) and per unreadable input.
        let documents = ["certificates", "requests", "crls"].map { Self.scan.summary[$0] as! Int }.reduce(0, +)
        let unreadable = (Self.scan.json["errors"] as! [Any]).count
        #expect(counter.testcases == documents + unreadable)
        #expect(counter.failures == Self.scan.findings["error"]!, "failures are the findings at or above --fail-on error")
        #expect(counter.errors == unreadable)
        for suite in counter.suites {
            #expect(Int(suite["tests"] ?? "") == counter.testcases)
            #expect(Int(suite["failures"] ?? "") == counter.failures)
            #expect(Int(suite["errors"] ?? "") == counter.errors)
        }
    }

    @Test func prometheusFollowsTheExpositionFormat() throws {
        let lines = Self.scan.text("certaudit.prom").split(separator: "\n", omittingEmptySubsequences: false).dropLast()
        let sample = try Regex(#"^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{([a-zA-Z_][a-zA-Z0-9_]*="([^"\\]|\\.)*",?)*\})? -?[0-9.e+]+$"#)
        var typed: [String: String] = [:]
        var finished = Set<String>()
        var current: String?
        var notAfter = 0
        for line in lines {
            if line.hasPrefix("# HELP ") { continue }
            if line.hasPrefix("# TYPE ") {
                let parts = line.split(separator: " ")
                #expect(parts.count == 4 && ["gauge", "counter"].contains(String(parts[3])), "\(line)")
                typed[String(parts[2])] = String(parts[3])
                continue
            }
            let match = try #require(try sample.wholeMatch(in: String(line)), "not an exposition sample: \(line)")
            let name = String(line.prefix { $0 != "{" && $0 != " " })
            _ = match
            #expect(typed[name] != nil, "\(name) has no TYPE line before its samples")
            if current != name {
                #expect(!finished.contains(name), "samples of \(name) are not contiguous")
                if let current { finished.insert(current) }
                current = name
            }
            #expect(!line.contains("PRIVATE") && !line.contains("BEGIN"), "no key material in labels")
            if name == "certaudit_certificate_not_after_timestamp_seconds" { notAfter += 1 }
        }
        #expect(notAfter == Self.scan.summary["certificates"] as? Int)
        let text = Self.scan.text("certaudit.prom")
        // Values as swift-prometheus writes them (Doubles).
        #expect(text.contains("certaudit_unreadable_inputs \(Double(Self.scan.summary["unreadable"] as! Int))\n"))
        #expect(text.contains("certaudit_findings_by_severity{severity=\"error\"} \(Double(Self.scan.findings["error"]!))\n"))
        #expect(text.contains("certaudit_findings{rule=\"browser.ku-lacks-digital-signature\",severity=\"error\"}"))
    }

    @Test func htmlIsSelfContainedAndShowsTheSummary() throws {
        let html = Self.scan.text("report.html")
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(!html.contains("http://") && !html.contains("src=\"http") && !html.contains("<link"), "no network assets")
        for severity in ["error", "warning", "notice", "info"] {
            #expect(html.contains("id=\"count-\(severity)\">\(Self.scan.findings[severity]!) \(severity)</span>"))
        }
        #expect(html.contains("<svg"))
        #expect(html.contains("id=\"filter\""))
        #expect(html.components(separatedBy: "<tr class=").count - 1 == Self.scan.findings.values.reduce(0, +))
        // Rendered headless where Debian's Chromium is installed (not on a bare CI machine).
        for browser in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: browser) {
            let shot = Self.scan.file("report.png")
            _ = Fixtures.run(browser, ["--headless", "--no-sandbox", "--screenshot=" + shot, "--window-size=1200,900", "file://" + Self.scan.file("report.html")])
            #expect(FileManager.default.fileExists(atPath: shot))
        }
    }

    @Test func csvHasOneRowPerFindingAndCertificate() throws {
        let rows = Self.scan.text("report.csv").components(separatedBy: "\r\n").dropLast()
        #expect(rows.first == CSVReport.columns.joined(separator: ","))
        let certificates = Self.scan.json["certificates"] as! [[String: Any]]
        let expected = certificates.map { max(($0["findings"] as! [Any]).count, 1) }.reduce(0, +)
            + (Self.scan.json["errors"] as! [Any]).count
        #expect(rows.count - 1 == expected)
    }

    @Test func markdownSummarisesForAPullRequest() {
        let text = Self.scan.text("report.md")
        #expect(text.hasPrefix("## certaudit: \(Self.scan.summary["certificates"] as! Int) certificates"))
        #expect(text.contains("| \(Self.scan.findings["error"]!) | \(Self.scan.findings["warning"]!) |"))
        #expect(text.contains("### Findings by rule"))
        #expect(text.contains("`browser.ku-lacks-digital-signature`"))
        #expect(text.contains("### Unreadable inputs"))
    }
}
