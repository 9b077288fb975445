import Foundation
import Testing
@testable import CertAudit

/// Every rule carries sample files it must fire on and files it must not; run them all.
@Suite struct RuleExampleTests {
    static let ruleIds = Fixtures.catalog.rules.map(\.id)

    @Test(arguments: ruleIds)
    func ruleFiresOnItsTriggersAndNotOnItsPasses(_ id: String) throws {
        let rule = try #require(Fixtures.catalog.rule(id: id))
        #expect(!rule.examples.triggers.isEmpty, "\(id) has no triggering example")
        #expect(!rule.examples.passes.isEmpty, "\(id) has no passing example")
        let auditor = Fixtures.auditor(rules: [rule])
        for path in rule.examples.triggers + rule.examples.passes {
            let bytes = try #require(FileManager.default.contents(atPath: path), "\(id): example \(path) missing")
            let report = auditor.audit(bytes: [UInt8](bytes), path: path, decoder: ContainerDecoder(passwords: Fixtures.passwords))
            #expect(report.problems.isEmpty, "\(id): \(path): \(report.problems)")
            let fired = report.certificates.first?.findings.contains { $0.ruleId == id } ?? false
            let shouldFire = rule.examples.triggers.contains(path)
            #expect(fired == shouldFire, "\(id) \(shouldFire ? "did not fire on" : "fired on") \(path)")
        }
    }

    @Test func builtinProfilesAndDefaults() {
        #expect(Set(Fixtures.catalog.profiles.map(\.name)) == ["browser", "vendor", "rfc5280", "cabf"])
        #expect(Set(Fixtures.catalog.defaultProfileNames) == ["browser", "vendor"])
        #expect(Fixtures.catalog.products.map(\.vendor) == ["Veeam"])
    }
}
