import Foundation
import Testing
@testable import CertAudit

/// Vendor guidance judges only certificates a product history recognises (installer shape or
/// friendlyName), or every certificate once the user says the host runs the vendor's product.
@Suite struct VendorScopeTests {
    static let nonRepudiation = "vendor.ku-lacks-non-repudiation"

    func vendorFindings(_ report: InputResult) -> [String] {
        report.certificates.flatMap { $0.findings.map(\.ruleId) }.filter { $0.hasPrefix("vendor.") }
    }

    @Test func aCertificateNoVendorMadeGetsNoVendorFinding() throws {
        for sample in ["tls/good-rsa.crt", "tls/good-ec-p256.crt", "tls/ec-key-encipherment.crt", "bundle/chain.p7b"] {
            #expect(vendorFindings(Fixtures.report(for: Fixtures.samples + "/" + sample)).isEmpty, "\(sample)")
        }
        // The installer shape still brings it in.
        let veeam = Fixtures.report(for: Fixtures.samples + "/veeam/veeam-one-11.crt")
        let finding = try #require(veeam.certificates.first?.findings.first { $0.ruleId == Self.nonRepudiation })
        #expect(finding.message.contains("Veeam (installer shape)"), "\(finding.message)")
    }

    @Test func aFriendlyNameNamingAProductBringsItIn() throws {
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Fixtures.samples + "/tls/good-rsa.crt")))
        let facts = try LenientCertificateParser.parse(
            try #require(ContainerDecoder().decode(bytes, name: "good-rsa.crt").certificates.first).der)
        let auditor = Fixtures.auditor(profiles: ["vendor"])
        #expect(auditor.audit(facts, container: .pkcs12, friendlyName: "Backup server web").findings.isEmpty)
        let named = auditor.audit(facts, container: .pkcs12, friendlyName: "Veeam ONE web certificate")
        #expect(named.vendorScope == [VendorScope(vendor: "Veeam", basis: .friendlyName)])
        let finding = try #require(named.findings.first { $0.ruleId == Self.nonRepudiation })
        #expect(finding.message.contains("Veeam (friendlyName)"))
    }

    @Test func vendorFlagAppliesTheGuidanceToEveryCertificate() throws {
        let plain = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(!plain.stdout.contains(Self.nonRepudiation))
        let declared = Fixtures.run(
            Fixtures.executable, ["scan", "--format", "json", "--vendor", "veeam", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(declared.stdout.contains(Self.nonRepudiation), "\(declared.stdout)")
        #expect(declared.stdout.contains("Veeam (declared with --vendor)"))
        #expect(declared.status == 0, "a warning does not fail the default gate")

        let unknown = Fixtures.run(Fixtures.executable, ["scan", "--vendor", "acme", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("unknown vendor 'acme'; known: veeam"), "\(unknown.stderr)")
    }

    @Test func configurationDeclaresTheVendorToo() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/web.crt")
        Fixtures.write("vendor: [veeam]\n", to: folder + "/.certaudit.yaml")
        let result = Fixtures.run(Fixtures.executable, ["scan", folder])
        #expect(result.stdout.contains(Self.nonRepudiation), "\(result.stdout)")
        Fixtures.write("vendor: [vemm]\n", to: folder + "/.certaudit.yaml")
        let wrong = Fixtures.run(Fixtures.executable, ["scan", folder])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("unknown vendor 'vemm'"), "\(wrong.stderr)")
    }

    @Test func defaultScanOfTheSamplesWarnsOnlyOnVendorCertificates() throws {
        let (reports, _) = Fixtures.scan([Fixtures.samples], profiles: [])
        var warned: [String] = []
        for report in reports {
            for certificate in report.certificates where certificate.findings.contains(where: { $0.ruleId == Self.nonRepudiation }) {
                warned.append(String(report.path.dropFirst(Fixtures.samples.count + 1)))
            }
        }
        // Before vendor scoping, 27 certificates warned here; now only the Veeam installer defaults that lack it.
        #expect(warned.sorted() == ["veeam/vbem-10a.cer", "veeam/veeam-one-10a.crt", "veeam/veeam-one-11.crt", "veeam/vspc-5.pfx"])
    }

    @Test func rulesListSaysWhatVendorRulesApplyTo() {
        let list = Fixtures.run(Fixtures.executable, ["rules", "list"])
        #expect(list.status == 0)
        #expect(list.stdout.contains("applies to: certificates that a product history"), "\(list.stdout)")
        #expect(list.stdout.contains("products: Veeam (--vendor veeam)"))
    }

    @Test func aFileLevelAppliesNeedsItsScopeInWords() throws {
        let folder = Fixtures.temporaryDirectory()
        let path = folder + "/acme.yaml"
        let rules = """
            rules:
              - id: acme.example
                title: Example
                severity: error
                citation: ACME policy 1.2
                check: { keyUsage: { lacks: digitalSignature } }
                message: KeyUsage {keyUsage}

            """
        Fixtures.write("profile: acme\ntitle: ACME\napplies: { vendor.inScope: true }\n" + rules, to: path)
        #expect(throws: RuleLoadError.self) { _ = try RuleCatalog.load(paths: [path]) }
        Fixtures.write("profile: acme\ntitle: ACME\napplies: { vendor.inScope: true }\nscope: ACME products\n" + rules, to: path)
        let catalog = try RuleCatalog.load(paths: [path, Fixtures.rules + "/products"])
        let rule = try #require(catalog.rule(id: "acme.example"))
        let auditor = Auditor(rules: [rule], products: catalog.products, context: EvaluationContext(now: Fixtures.referenceTime))
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt")))
        #expect(auditor.audit(bytes: bytes, path: "a", decoder: ContainerDecoder()).certificates[0].findings.count == 1)
        let other = [UInt8](try #require(FileManager.default.contents(atPath: Fixtures.samples + "/tls/ec-p384-ku-no-ds.crt")))
        #expect(auditor.audit(bytes: other, path: "b", decoder: ContainerDecoder()).certificates[0].findings.isEmpty, "file-level applies holds")
    }
}
