import Foundation
import Testing
@testable import CertAudit

/// The `certaudit scan` contract: exit statuses, JSON schema, output file, standard input.
@Suite struct ScanCommandTests {
    let binary = Fixtures.executable
    let at = ["--at", "2026-12-01"]

    func scan(_ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(binary, ["scan"] + at + arguments, stdin: stdin, environment: environment)
    }

    @Test func cleanCertificateExitsZero() {
        let result = scan([Fixtures.samples + "/tls/good-ec-p256.crt", "--profile", "browser"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("1 files, 1 certificates: 0 error"))
    }

    @Test func brokenKeyUsageExitsOne() {
        let result = scan([Fixtures.samples + "/veeam/veeam-one-10a.crt"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("browser.ku-lacks-digital-signature"))
        #expect(result.stdout.contains("ERR_SSL_KEY_USAGE_INCOMPATIBLE"))
    }

    @Test func failOnThresholds() {
        let file = Fixtures.samples + "/veeam/veeam-one-11.crt"  // a vendor warning, no error
        #expect(scan([file]).status == 0)
        #expect(scan([file, "--fail-on", "warning"]).status == 1)
        #expect(scan([Fixtures.samples + "/veeam/veeam-one-10a.crt", "--fail-on", "never"]).status == 0)
    }

    @Test func unreadableInputExitsThree() {
        let result = scan([Fixtures.samples + "/bad/truncated.pem", Fixtures.samples + "/veeam/veeam-one-10a.crt"])
        #expect(result.status == 3)
        #expect(result.stdout.contains("truncated"))
        #expect(result.stdout.contains("browser.ku-lacks-digital-signature"), "findings are still reported")
    }

    @Test(arguments: [
        ["--profile", "chrome"], ["--fail-on", "fatal"], ["--format", "xml"], ["--disable", "browser.nope"],
        ["--password", "secret"], ["--at", "yesterday"],
    ])
    func usageErrorsExitTwo(_ arguments: [String]) {
        let result = scan([Fixtures.samples + "/tls/good-rsa.crt"] + arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(!result.stderr.isEmpty)
    }

    @Test func badRuleFolderExitsTwoWithFileAndLine() {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("profile: x\ntitle: x\nrules:\n  - id: x.a\n    title: a\n    severity: error\n    citation: c\n    message: m\n    check: { keyUsage: { has: signing } }\n", to: folder + "/x.yaml")
        let result = scan([Fixtures.samples + "/tls/good-rsa.crt", "--rules", folder])
        #expect(result.status == 2)
        #expect(result.stderr.contains(folder + "/x.yaml:9:"))
        #expect(result.stderr.contains("unknown KeyUsage bit 'signing'"))
    }

    @Test func jsonReportSchema() throws {
        let folder = Fixtures.temporaryDirectory()
        let output = folder + "/report.json"
        let result = scan([
            Fixtures.samples + "/veeam", Fixtures.samples + "/bad/truncated.pem", "--format", "json", "--output", output,
            "--password-file", Fixtures.samples + "/passwords.txt",
        ])
        #expect(result.status == 3)
        #expect(result.stdout.isEmpty)
        let data = try #require(FileManager.default.contents(atPath: output))
        let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(json["schemaVersion"] as? Int == 1)
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(certificates.count == 7)
        let vone = try #require(certificates.first { ($0["path"] as? String)?.hasSuffix("veeam-one-10a.crt") == true })
        #expect(vone["index"] as? Int == 0)
        #expect((vone["sha256"] as? String)?.count == 64)
        #expect(vone["subject"] as? String == "CN=vone01.corp.example.com")
        #expect(vone["notAfter"] as? String == "2036-01-12T00:00:00Z")
        #expect(vone["keyUsage"] as? [String] == ["keyEncipherment", "dataEncipherment"])
        let findings = try #require(vone["findings"] as? [[String: Any]])
        let first = try #require(findings.first)
        #expect(first["ruleId"] as? String == "browser.ku-lacks-digital-signature")
        #expect(first["profile"] as? String == "browser")
        #expect(first["severity"] as? String == "error")
        #expect((first["message"] as? String)?.isEmpty == false)
        let vbem = try #require(certificates.first { ($0["path"] as? String)?.hasSuffix("vbem-11.crt") == true })
        #expect(vbem["keyUsage"] is NSNull, "absent KeyUsage is null")
        let errors = try #require(json["errors"] as? [[String: Any]])
        #expect(errors.count == 1)
        #expect((errors.first?["path"] as? String)?.hasSuffix("truncated.pem") == true)
        #expect(errors.first?["message"] is String)
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["certificates"] as? Int == 7)
        // No temporary file is left next to the report.
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.json"])
    }

    @Test func standardInputAndEnvironmentPassword() throws {
        let pem = try #require(FileManager.default.contents(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt"))
        let result = scan(["-"], stdin: pem)
        #expect(result.status == 1)
        #expect(result.stdout.contains("-\n"))
        let pfx = scan([Fixtures.samples + "/veeam/veeam-one-11a.pfx"], environment: ["CERTAUDIT_PFX_PASSWORD": "certaudit-sample"])
        #expect(pfx.status == 0, "\(pfx.stdout)")
    }

    @Test func unwritableOutputIsAUsageError() {
        let result = scan([Fixtures.samples + "/tls/good-rsa.crt", "--output", "/nonexistent-dir/report.txt"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("/nonexistent-dir/report.txt"))
    }

    @Test func rulesTestRunsUsersExamples() {
        let folder = Fixtures.temporaryDirectory()
        let rule = """
            profile: acme
            title: ACME
            rules:
              - id: acme.needs-ds
                title: needs digitalSignature
                severity: error
                citation: ACME policy
                message: "KeyUsage {keyUsage}"
                check: { keyUsage: { lacks: digitalSignature } }
                examples:
                  triggers: [\(Fixtures.samples)/veeam/veeam-one-10a.crt]
                  passes: [\(Fixtures.samples)/veeam/vbem-10a.cer]

            """
        Fixtures.write(rule, to: folder + "/acme.yaml")
        let result = Fixtures.run(binary, ["rules", "test", "--no-builtin-rules", "--rules", folder])
        #expect(result.status == 1)
        #expect(result.stdout.contains("FAILED       acme.needs-ds"))
        #expect(result.stdout.contains("fired on \(Fixtures.samples)/veeam/vbem-10a.cer, which must pass"))
        let builtin = Fixtures.run(binary, ["rules", "test", "--at", "2026-12-01", "--password-file", Fixtures.samples + "/passwords.txt"])
        #expect(builtin.status == 0, "\(builtin.stdout)")
    }

    @Test func rulesListAndExplain() {
        let list = Fixtures.run(binary, ["rules", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("browser (default)"))
        #expect(list.stdout.contains("cabf.ku-non-repudiation"))
        let explain = Fixtures.run(binary, ["rules", "explain", "browser.ku-lacks-digital-signature"])
        #expect(explain.status == 0)
        #expect(explain.stdout.contains("keyUsage: { lacks: digitalSignature }"))
        #expect(explain.stdout.contains("severity: error"))
        #expect(Fixtures.run(binary, ["rules", "explain", "nope"]).status == 2)
    }

    /// SIGTERM while the scan waits on a server that never answers: the process dies of the signal, the
    /// report, the extra report and the facts cache being written under temporary names are removed,
    /// and the previous report is left as it was.
    @Test func sigtermMidScanLeavesNoTemporaryFiles() throws {
        let (silent, port) = try TLSEndpointTests.silentServer()
        defer { Fixtures.stop(silent) }
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("the previous report\n", to: folder + "/report.txt")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.executable)
        process.arguments = [
            "scan", "--timeout", "30", "--cache", folder + "/facts.cache", "--output", folder + "/report.txt",
            "--report", "json:" + folder + "/report.json", Fixtures.samples + "/tls", "tls://127.0.0.1:\(port)",
        ]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        // Wait until the scan has opened its outputs.
        var temporary: [String] = []
        for _ in 0..<50 where temporary.count < 3 {
            usleep(100_000)
            temporary = try FileManager.default.contentsOfDirectory(atPath: folder).filter { $0.contains(".tmp-") }
        }
        #expect(temporary.count == 3, "\(temporary)")
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(process.terminationReason == .uncaughtSignal && process.terminationStatus == SIGTERM)
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder) == ["report.txt"])
        #expect(try String(contentsOfFile: folder + "/report.txt", encoding: .utf8) == "the previous report\n")
    }
}
