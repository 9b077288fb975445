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

    /// An input problem is waived by its code and a path glob, or accepted in a baseline by code and path:
    /// it stays in the report, marked, and no longer makes the exit status 3.
    @Test func inputProblemsAreWaivedAndBaselinedByCode() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/bad/wrong-password.pfx", toPath: folder + "/legacy.pfx")
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/good.crt")
        #expect(scan(["--no-config", folder]).status == 3)

        func configuration(expires: String, code: String = "pkcs12.wrong-password") -> String {
            "waivers:\n  - problem: \(code)\n    path: \"*.pfx\"\n    reason: password with the vendor\n    expires: \(expires)\n"
        }
        Fixtures.write(configuration(expires: "2027-01-31"), to: folder + "/.certaudit.yaml")
        let waived = scan(["--format", "json", folder])
        #expect(waived.status == 0, "\(waived.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(waived.stdout.utf8)) as? [String: Any])
        let error = try #require((json["errors"] as? [[String: Any]])?.first)
        #expect(error["code"] as? String == "pkcs12.wrong-password")
        #expect(error["suppressed"] as? String == "waiver")
        #expect((json["summary"] as? [String: Any])?["unreadable"] as? Int == 0)
        #expect(scan([folder]).stdout.contains("[pkcs12.wrong-password] (waiver)"))

        Fixtures.write(configuration(expires: "2026-11-01"), to: folder + "/.certaudit.yaml")
        let expired = scan([folder])
        #expect(expired.status == 3)
        #expect(expired.stdout.contains("expired on 2026-11-01"), "\(expired.stdout)")

        Fixtures.write(configuration(expires: "2027-01-31", code: "pkcs12.wrong-pasword"), to: folder + "/.certaudit.yaml")
        let typo = scan([folder])
        #expect(typo.status == 2)
        #expect(typo.stderr.contains("unknown problem code 'pkcs12.wrong-pasword'"), "\(typo.stderr)")

        try FileManager.default.removeItem(atPath: folder + "/.certaudit.yaml")
        let baseline = Fixtures.temporaryDirectory() + "/baseline.json"
        let created = Fixtures.run(binary, ["baseline", "create", "--at", "2026-12-01", "--output", baseline, folder])
        #expect(created.status == 0, "\(created.stderr)")
        #expect(created.stdout.contains("1 input problems"), "\(created.stdout)")
        let accepted = scan(["--baseline", baseline, "--format", "json", folder])
        #expect(accepted.status == 0, "\(accepted.stdout)")
        #expect(accepted.stdout.contains("\"suppressed\":\"baseline\""))
        // A new problem elsewhere still counts.
        Fixtures.write("-----BEGIN CERTIFICATE-----\nMIIB\n", to: folder + "/cut.pem")
        #expect(scan(["--baseline", baseline, folder]).status == 3)
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
