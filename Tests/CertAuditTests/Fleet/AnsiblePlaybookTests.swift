import Foundation
import Testing

@testable import CertAudit

/// contrib/ansible/certaudit-fleet.yml run by ansible-core (PyPI) against an inventory of fake hosts on
/// this machine (local connection): each scans its own folder with the built certaudit, the controller
/// fetches the reports and merges them.
@Suite struct AnsiblePlaybookTests {
    typealias JSON = [String: Any]
    static let ansible = Fixtures.repositoryRoot + "/.build-tools/venv/bin/ansible-playbook"
    static let playbook = Fixtures.repositoryRoot + "/contrib/ansible/certaudit-fleet.yml"

    /// host1: a KeyUsage-broken certificate; host2: a good one; host3: an expired one and a truncated PEM.
    static func fleet(extraHosts: String = "", allVars: String = "") -> (folder: String, inventory: String) {
        let folder = Fixtures.temporaryDirectory()
        let files = [
            "host1": ["tls/ec-p384-ku-no-ds.crt"], "host2": ["tls/good-rsa.crt"], "host3": ["tls/expired.crt", "bad/truncated.pem"],
        ]
        for (host, samples) in files {
            MergeTests.copy(samples, to: folder + "/" + host)
        }
        let inventory = folder + "/inventory.ini"
        Fixtures.write(
            """
            [fleet]
            host1 certaudit_paths='["\(folder)/host1"]'
            host2 certaudit_paths='["\(folder)/host2"]'
            host3 certaudit_paths='["\(folder)/host3"]'
            \(extraHosts)
            [all:vars]
            ansible_connection=local
            ansible_python_interpreter=\(Fixtures.repositoryRoot)/.build-tools/venv/bin/python3
            certaudit_binary=\(Fixtures.executable)
            certaudit_controller_binary=\(Fixtures.executable)
            certaudit_report_dir=\(folder)/reports
            \(allVars.replacingOccurrences(of: "FOLDER", with: folder))

            """, to: inventory)
        return (folder, inventory)
    }

    static func play(_ folder: String, _ inventory: String, _ extra: [String] = []) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(
            ansible, ["-i", inventory, playbook] + extra,
            environment: [
                "ANSIBLE_NOCOLOR": "1", "ANSIBLE_HOME": folder + "/.ansible", "ANSIBLE_LOCAL_TEMP": folder + "/.ansible/tmp",
                "ANSIBLE_REMOTE_TEMP": folder + "/.ansible/remote", "TMPDIR": folder + "/tmp", "ANSIBLE_CONFIG": folder + "/none.cfg",
            ])
    }

    @Test func thePlaybookScansEachHostAndMergesTheirReports() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.ansible), "run scripts/install-system-deps (installs ansible-core)")
        // [all:vars] values reach the play as strings: lists given there are JSON.
        let (folder, inventory) = Self.fleet(
            allVars: #"certaudit_scan_args=["--profile", "browser"]"# + "\n"
                + #"certaudit_fleet_reports=["html:FOLDER/reports/fleet.html", "markdown:FOLDER/reports/fleet.md", "sarif:FOLDER/reports/fleet.sarif"]"#)
        try FileManager.default.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
        let run = Self.play(folder, inventory)
        #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("3 hosts merged into \(folder)/reports/fleet.json"))
        // Each host's report names it, and the fleet report joins all three.
        var certificates = 0
        for host in ["host1", "host2", "host3"] {
            let report = try MergeTests.json(folder + "/reports/\(host).json")
            #expect(report["host"] as? String == host)
            certificates += (report["certificates"] as? [Any])?.count ?? 0
        }
        let fleet = try MergeTests.json(folder + "/reports/fleet.json")
        #expect((fleet["hosts"] as? [JSON])?.compactMap { $0["host"] as? String }.sorted() == ["host1", "host2", "host3"])
        #expect((fleet["hosts"] as? [JSON])?.allSatisfy { $0["profiles"] as? [String] == ["browser"] } == true)
        let merged = try #require(fleet["certificates"] as? [JSON])
        #expect(merged.count == certificates && certificates == 3)
        #expect(merged.contains { $0["host"] as? String == "host1" && $0["path"] as? String == folder + "/host1/ec-p384-ku-no-ds.crt" })
        let totals = try #require((fleet["summary"] as? JSON)?["hosts"] as? [JSON])
        #expect(totals.first { $0["host"] as? String == "host3" }?["unreadable"] as? Int == 1)
        #expect(MergeTests.text(folder + "/reports/fleet.html").contains("<h2>By host</h2>"))
        #expect(MergeTests.text(folder + "/reports/fleet.md").contains("| `host2` | 1 | 1 | 0 |"))
        if FileManager.default.isExecutableFile(atPath: Fixtures.sarifKit) {
            let checked = Fixtures.run(Fixtures.sarifKit, ["validate", folder + "/reports/fleet.sarif"])
            #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")
        }
        // The hosts' private report folders are gone.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/tmp").filter { $0.hasSuffix(".certaudit") }
        #expect(left.isEmpty, "\(left)")
    }

    /// A host whose scan is a usage error fails alone; the others are merged. Asked to, the play fails on
    /// the fleet report's findings.
    @Test func aFailingHostIsLeftOutAndFindingsCanFailThePlay() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.ansible), "run scripts/install-system-deps (installs ansible-core)")
        let (folder, inventory) = Self.fleet(extraHosts: "host4 certaudit_paths='[\"/nonexistent\"]' certaudit_scan_args='[\"--profile\", \"no-such-profile\"]'")
        try FileManager.default.createDirectory(atPath: folder + "/tmp", withIntermediateDirectories: true)
        let run = Self.play(folder, inventory, ["-e", "certaudit_fail_on_findings=true"])
        #expect(run.status == 2, "\(run.stdout)\(run.stderr)")
        #expect(run.stdout.contains("fatal: [host4]"))
        #expect(run.stdout.contains("3 hosts merged"))
        #expect(run.stdout.contains("certaudit merge exited 3: see \(folder)/reports/fleet.json"))
        let fleet = try MergeTests.json(folder + "/reports/fleet.json")
        #expect((fleet["hosts"] as? [JSON])?.count == 3)
        #expect(!FileManager.default.fileExists(atPath: folder + "/reports/host4.json"))
        // The failed host's private folder is removed too.
        let left = try FileManager.default.contentsOfDirectory(atPath: folder + "/tmp").filter { $0.hasSuffix(".certaudit") }
        #expect(left.isEmpty, "\(left)")
    }
}
