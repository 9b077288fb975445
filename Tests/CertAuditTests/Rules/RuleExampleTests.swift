import Foundation
import Testing
@testable import CertAudit

/// Every rule carries sample files it must fire on and files it must not; run them all.
@Suite struct RuleExampleTests {
    static let ruleIds = Fixtures.catalog.rules.filter { !$0.raisedByPolicy }.map(\.id)

    @Test(arguments: ruleIds)
    func ruleFiresOnItsTriggersAndNotOnItsPasses(_ id: String) throws {
        let rule = try #require(Fixtures.catalog.rule(id: id))
        #expect(!rule.examples.triggers.isEmpty, "\(id) has no triggering example")
        #expect(!rule.examples.passes.isEmpty, "\(id) has no passing example")
        let runner = RuleExampleRunner(
            products: Fixtures.catalog.products, context: EvaluationContext(now: Fixtures.referenceTime),
            passwords: Fixtures.passwords)
        let failures = runner.failures(of: rule)
        #expect(failures.isEmpty, "\(id): \(failures)")
    }

    @Test func aWrongExampleIsCaught() throws {
        // The runner must be able to fail: swap a rule's triggers and passes.
        let rule = try #require(Fixtures.catalog.rule(id: "browser.ku-lacks-digital-signature"))
        let swapped = Rule(
            id: rule.id, title: rule.title, severity: rule.severity, profile: rule.profile, citations: rule.citations,
            applies: rule.applies, check: rule.check, message: rule.message, remediation: rule.remediation,
            examples: RuleExamples(triggers: rule.examples.passes, passes: rule.examples.triggers),
            sourceText: rule.sourceText, file: rule.file, line: rule.line, documents: rule.documents)
        let runner = RuleExampleRunner(
            products: Fixtures.catalog.products, context: EvaluationContext(now: Fixtures.referenceTime),
            passwords: Fixtures.passwords)
        #expect(runner.failures(of: swapped).count == rule.examples.triggers.count + rule.examples.passes.count)
    }

    @Test func builtinProfilesAndDefaults() {
        #expect(Set(Fixtures.catalog.profiles.map(\.name)) == ["browser", "vendor", "files", "crl", "rfc5280", "cabf", "certaudit"])
        #expect(Set(Fixtures.catalog.defaultProfileNames) == ["browser", "vendor", "files", "crl", "certaudit"])
        #expect(Fixtures.catalog.rules.filter(\.raisedByPolicy).map(\.id) == ["certaudit.waiver-expired"])
        #expect(Fixtures.catalog.products.map(\.vendor) == ["Veeam"])
    }
}
