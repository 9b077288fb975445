import Foundation
import Testing
@testable import CertAudit

/// Baselines and waivers decide what fails a CI run; a bad configuration is a usage error.
@Suite struct BaselineAndConfigurationTests {
    let binary = Fixtures.executable

    func scan(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(binary, ["scan", "--at", "2026-12-01"] + arguments)
    }

    @Test func baselineHidesKnownFindingsAndNamesOnlyTheNewOne() throws {
        let folder = Fixtures.temporaryDirectory()
        let certs = folder + "/certs"
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        for name in ["veeam-one-10a.crt", "vbem-10a.cer"] {
            try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/" + name, toPath: certs + "/" + name)
        }
        #expect(scan([certs]).status == 1)
        let baseline = folder + "/baseline.json"
        let created = Fixtures.run(binary, ["baseline", "create", "--at", "2026-12-01", "--output", baseline, certs])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(scan(["--baseline", baseline, certs]).status == 0)

        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/cn-only.crt", toPath: certs + "/new.crt")
        let withNew = scan(["--baseline", baseline, "--format", "json", certs])
        #expect(withNew.status == 1)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(withNew.stdout.utf8)) as? [String: Any])
        let unsuppressed = (json["certificates"] as! [[String: Any]]).flatMap { certificate in
            (certificate["findings"] as! [[String: Any]]).filter { $0["suppressed"] is NSNull && $0["severity"] as? String == "error" }
                .map { _ in certificate["path"] as! String }
        }
        #expect(Set(unsuppressed) == [certs + "/new.crt"])

        // Fixing a baselined certificate makes its entries stale, and the report says so.
        try FileManager.default.removeItem(atPath: certs + "/vbem-10a.cer")
        let stale = scan(["--baseline", baseline, certs + "/veeam-one-10a.crt"])
        #expect(stale.status == 0)
        #expect(stale.stdout.contains("baseline entries no longer occur"))
        #expect(stale.stdout.contains("vbem-10a.cer"))
    }

    @Test func configurationWaiversAndExpiredWaivers() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: folder + "/site.crt")
        let waiver = """
            profiles: [browser]
            waivers:
              - rule: browser.ku-lacks-digital-signature
                path: "*.crt"
                reason: replaced by the console upgrade next week
                expires: 2027-01-31

            """
        Fixtures.write(waiver, to: folder + "/.certaudit.yaml")
        let waived = scan([folder])
        #expect(waived.status == 0, "\(waived.stdout)")
        #expect(waived.stdout.contains("suppressed: replaced by the console upgrade next week"))
        #expect(!waived.stdout.contains("vendor."), "profiles come from the configuration")

        let expired = Fixtures.run(binary, ["scan", "--at", "2027-02-15", folder])
        #expect(expired.status == 1)
        #expect(expired.stdout.contains("certaudit.waiver-expired"))
        #expect(expired.stdout.contains("browser.ku-lacks-digital-signature\n"), "no longer suppressed")

        // A flag overrides the file.
        let override = scan(["--profile", "vendor", folder])
        #expect(override.stdout.contains("vendor.installer-default-incompatible"))
    }

    @Test(arguments: [
        ("failOn: sometimes\n", "failOn is error, warning"),
        ("colour: red\n", "unknown field 'colour'"),
        ("waivers:\n  - rule: browser.expired\n    reason: x\n", "needs 'fingerprint' or 'path'"),
        ("waivers:\n  - rule: browser.expired\n    path: '*'\n    reason: x\n    expires: soon\n", "expires is a date"),
    ])
    func invalidConfigurationIsAUsageErrorNamingTheKey(_ text: String, _ message: String) {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(text, to: folder + "/.certaudit.yaml")
        let result = scan([folder])
        #expect(result.status == 2)
        #expect(result.stderr.contains(message), "\(result.stderr)")
        #expect(result.stderr.contains(".certaudit.yaml:"))
    }
}
