import Foundation
import Testing
@testable import CertAudit

/// Semantics of the condition language on real sample certificates.
@Suite struct ConditionLanguageTests {
    func evaluate(_ yaml: String, on sample: String, now: UnixTime = Fixtures.referenceTime) throws -> Bool {
        let folder = Fixtures.temporaryDirectory()
        let text = """
            profile: t
            title: t
            rules:
              - id: t.rule
                title: t
                severity: info
                citation: test
                message: m
                check: \(yaml)

            """
        Fixtures.write(text, to: folder + "/t.yaml")
        let rule = try #require(try RuleCatalog.load(paths: [folder]).rule(id: "t.rule"))
        let report = Fixtures.report(for: Fixtures.samples + "/" + sample)
        let certificate = try #require(report.certificates.first)
        let input = EvaluationInput(
            facts: certificate.facts, container: certificate.container, friendlyName: certificate.friendlyName,
            context: EvaluationContext(now: now))
        return rule.fires(on: input)
    }

    @Test func keyUsageOperatorsAreFalseWhenTheExtensionIsAbsent() throws {
        #expect(try !evaluate("{ keyUsage: { lacks: digitalSignature } }", on: "veeam/vbem-11.crt"))
        #expect(try !evaluate("{ keyUsage: { has: digitalSignature } }", on: "veeam/vbem-11.crt"))
        #expect(try evaluate("{ keyUsage.present: false }", on: "veeam/vbem-11.crt"))
        #expect(try evaluate("{ keyUsage: { lacks: digitalSignature } }", on: "veeam/veeam-one-10a.crt"))
    }

    @Test func keyUsageSetOperators() throws {
        let sample = "veeam/veeam-one-10a.crt"
        #expect(try evaluate("{ keyUsage: [keyEncipherment, dataEncipherment] }", on: sample))
        #expect(try evaluate("{ keyUsage: { eq: [dataEncipherment, keyEncipherment] } }", on: sample))
        #expect(try !evaluate("{ keyUsage: { eq: [keyEncipherment] } }", on: sample))
        #expect(try evaluate("{ keyUsage: { has: [keyEncipherment, dataEncipherment] } }", on: sample))
        #expect(try evaluate("{ keyUsage: { hasAny: [digitalSignature, dataEncipherment] } }", on: sample))
        #expect(try !evaluate("{ keyUsage: { empty: true } }", on: sample))
        #expect(try evaluate("{ keyUsage: { empty: true } }", on: "tls/ku-empty.crt"))
        // contentCommitment is X.509's later name for nonRepudiation.
        #expect(try evaluate("{ keyUsage: { has: contentCommitment } }", on: "veeam/vspc-6.crt"))
    }

    @Test func combinatorsAndComparisons() throws {
        let sample = "tls/rsa-1024.crt"
        #expect(try evaluate("{ all: [ { key.algorithm: rsa }, { key.bits: { lt: 2048 } } ] }", on: sample))
        #expect(try !evaluate("{ all: [ { key.algorithm: rsa }, { key.bits: { ge: 2048 } } ] }", on: sample))
        #expect(try evaluate("{ any: [ { key.algorithm: ec }, { key.bits: { eq: 1024 } } ] }", on: sample))
        #expect(try evaluate("{ not: { key.algorithm: { in: [ec, dsa] } } }", on: sample))
        #expect(try evaluate("{ key.bits: { gt: 1000, le: 1024 } }", on: sample))
        #expect(try evaluate("{ subject.cn: { matches: '^rsa1024\\.' } }", on: sample))
        #expect(try evaluate("{ eku: { has: serverAuth } }", on: sample))
        #expect(try evaluate("{ eku: { lacks: 1.3.6.1.5.5.7.3.3 } }", on: sample))
    }

    @Test func datesAndParametersUseTheReferenceTime() throws {
        let sample = "tls/expiring-soon.crt"
        #expect(try evaluate("{ validity.daysLeft: { lt: $expiryDays } }", on: sample))
        #expect(try evaluate("{ validity.daysLeft: 14 }", on: sample))
        let later = UnixTime(iso8601: "2027-01-01")!
        #expect(try evaluate("{ validity.expired: true }", on: sample, now: later))
        #expect(try evaluate("{ validity.notAfter: { lt: 2027-01-01 } }", on: sample))
        #expect(try evaluate("{ validity.notAfter: { gt: $now } }", on: sample))
    }
}
