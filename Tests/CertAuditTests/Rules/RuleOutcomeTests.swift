import Foundation
import Testing
@testable import CertAudit

/// Rule outcomes as zlint has them: not applicable, passed, failed. Reports count, per rule, the
/// certificates it applied to and failed on; effective/ineffective dates make a rule not applicable to
/// certificates issued outside them (compared with notBefore).
@Suite struct RuleOutcomeTests {
    static let pack = """
        profile: test
        title: Outcome test pack
        summary: Rules whose applicability is easy to count.
        default: false
        rules:
          - id: test.ec-without-ku
            title: EC key without KeyUsage
            severity: warning
            citation: [{ title: test }]
            applies: { key.algorithm: ec }
            check: { keyUsage.present: false }
            message: EC key without KeyUsage
          - id: test.issued-2026-to-2029
            title: Issued from 2026 until 2029
            severity: notice
            citation: [{ title: test }]
            effective: 2026-01-01
            ineffective: 2030-01-01
            check: { version: 3 }
            message: issued between 2026 and 2029

        """

    func scan() throws -> [String: Any] {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(Self.pack, to: folder + "/test.yaml")
        let result = Fixtures.run(
            Fixtures.executable,
            ["scan", "--at", "2026-12-01", "--no-builtin-rules", "--rules", folder, "--profile", "test", "--format", "json", Fixtures.samples + "/tls"])
        #expect(result.status == 0, "\(result.stderr)")
        return try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
    }

    @Test func reportsCountApplicationsAndFailuresPerRule() throws {
        let json = try scan()
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        let rules = try #require((json["summary"] as? [String: Any])?["rules"] as? [[String: Any]])
        func outcome(_ id: String) -> (applied: Int, failed: Int)? {
            rules.first { $0["id"] as? String == id }.map { ($0["applied"] as! Int, $0["failed"] as! Int) }
        }
        func fired(_ id: String) -> Int {
            certificates.filter { ($0["findings"] as! [[String: Any]]).contains { $0["ruleId"] as? String == id } }.count
        }
        let ec = certificates.filter { ($0["key"] as? [String: Any])?["algorithm"] as? String == "ec" }
        let ecOutcome = try #require(outcome("test.ec-without-ku"))
        #expect(ecOutcome.applied == ec.count && ec.count > 0, "applies to EC keys only")
        #expect(ecOutcome.failed == fired("test.ec-without-ku"))
        #expect(ecOutcome.failed == ec.filter { $0["keyUsage"] is NSNull }.count)

        // notBefore in [2026-01-01, 2030-01-01): expired.crt (2018) and not-yet-valid.crt (2040) are outside.
        let inRange = certificates.filter {
            let notBefore = $0["notBefore"] as! String
            return notBefore >= "2026-01-01" && notBefore < "2030-01-01"
        }
        let dated = try #require(outcome("test.issued-2026-to-2029"))
        #expect(dated.applied == inRange.count && inRange.count < certificates.count)
        #expect(dated.failed == fired("test.issued-2026-to-2029"))
        for name in ["expired.crt", "not-yet-valid.crt"] {
            let certificate = try #require(certificates.first { ($0["path"] as! String).hasSuffix("/" + name) })
            #expect((certificate["findings"] as! [[String: Any]]).isEmpty, "\(name) was issued outside the rule's dates")
        }
    }

    @Test func ruleOutcomeDistinguishesNotApplicableFromPassed() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(Self.pack, to: folder + "/test.yaml")
        let catalog = try RuleCatalog.load(paths: [folder])
        let rule = try #require(catalog.rule(id: "test.ec-without-ku"))
        func input(_ sample: String) throws -> EvaluationInput {
            let certificate = try #require(Fixtures.report(for: Fixtures.samples + "/tls/" + sample).certificates.first)
            return EvaluationInput(
                facts: certificate.facts, container: .pem, friendlyName: nil, context: EvaluationContext(now: Fixtures.referenceTime),
                presentation: nil)
        }
        #expect(rule.outcome(on: try input("good-rsa.crt")) == .notApplicable)
        #expect(rule.outcome(on: try input("good-ec-p256.crt")) == .passed)
    }

    @Test func datesAreCheckedWhenTheRuleFileLoads() {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(
            Self.pack.replacingOccurrences(of: "ineffective: 2030-01-01", with: "ineffective: 2025-01-01"), to: folder + "/test.yaml")
        #expect(throws: RuleLoadError.self) { try RuleCatalog.load(paths: [folder]) }
        Fixtures.write(Self.pack.replacingOccurrences(of: "effective: 2026-01-01", with: "effective: soon"), to: folder + "/test.yaml")
        #expect(throws: RuleLoadError.self) { try RuleCatalog.load(paths: [folder]) }
    }

    /// certaudit.waiver-expired is a catalog rule: explained like the others, in every selection, never
    /// evaluated on a certificate.
    @Test func theWaiverExpiredRuleIsInTheCatalog() throws {
        let explained = Fixtures.run(Fixtures.executable, ["rules", "explain", "certaudit.waiver-expired"])
        #expect(explained.status == 0, "\(explained.stderr)")
        #expect(explained.stdout.contains("severity: warning"))
        #expect(explained.stdout.contains("configuration waivers"))
        let selected = try Fixtures.catalog.selecting(profiles: ["cabf"], disabling: [])
        #expect(selected.contains { $0.id == "certaudit.waiver-expired" })
        let report = Fixtures.report(for: Fixtures.samples + "/tls/good-rsa.crt")
        #expect(report.certificates[0].findings.allSatisfy { $0.ruleId != "certaudit.waiver-expired" })
    }
}

/// Rule examples as a rule pack carries them: files inside the pack, inline PEM, words the message must
/// contain, and the time the examples hold at (so `rules test` needs no --at).
@Suite struct RuleExampleFormsTests {
    static func pack(message: String, at: String = "2026-12-01") -> String {
        let pem = try! String(contentsOfFile: Fixtures.samples + "/veeam/veeam-one-10a.crt", encoding: .utf8)
            .split(separator: "\n").map { "            " + $0 }.joined(separator: "\n")
        return """
            profile: mine
            title: My pack
            at: \(at)
            rules:
              - id: mine.expiring
                title: Expires within 30 days
                severity: warning
                citation: [{ title: test }]
                check: { validity.daysLeft: { lt: 30 } }
                message: expires in {validity.daysLeft} days
                examples:
                  triggers:
                    - { file: examples/expiring.crt, message: "\(message)" }
                  passes:
                    - pem: |
            \(pem)

            """
    }

    func runTest(_ pack: String, extra: [String] = []) throws -> (status: Int32, stdout: String, stderr: String) {
        let folder = Fixtures.temporaryDirectory() + "/pack"
        try FileManager.default.createDirectory(atPath: folder + "/examples", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/expiring-soon.crt", toPath: folder + "/examples/expiring.crt")
        Fixtures.write(pack, to: folder + "/mine.yaml")
        return Fixtures.run(Fixtures.executable, ["rules", "test", "--no-builtin-rules", "--rules", folder] + extra)
    }

    @Test func aPackWithItsOwnFilesInlinePEMAndAPinnedTimePasses() throws {
        let result = try runTest(Self.pack(message: "expires in 14 days"))
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("ok           mine.expiring (2 examples)"), "\(result.stdout)")
    }

    @Test func aWrongMessageOrTimeFails() throws {
        let wrongWords = try runTest(Self.pack(message: "expires tomorrow"))
        #expect(wrongWords.status == 1)
        #expect(wrongWords.stdout.contains("its message lacks 'expires tomorrow'"), "\(wrongWords.stdout)")
        // --at overrides the pinned time: a year later the certificate has expired long ago... and still
        // fires (daysLeft < 30), but the inline certificate, valid for ten years, still passes.
        let later = try runTest(Self.pack(message: "expires in 14 days"), extra: ["--at", "2027-06-01"])
        #expect(later.status == 1, "the message names other days then: \(later.stdout)")
        let unpinned = try runTest(Self.pack(message: "expires in", at: "2040-01-01"))
        #expect(unpinned.status == 1, "in 2040 the ten-year certificate expires within 30 days too: \(unpinned.stdout)")
    }

    @Test func builtInExamplesNeedNoReferenceTime() {
        let result = Fixtures.run(Fixtures.executable, ["rules", "test", "--password-file", Fixtures.samples + "/passwords.txt"])
        #expect(result.status == 0, "\(result.stdout)")
    }
}
