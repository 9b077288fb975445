import Foundation
import Testing
@testable import CertAudit

/// FindingPolicy marks findings and input problems as waived or baselined (they stay in the report), and
/// an expired waiver hides nothing and is reported itself. Everything it does not match stays untouched.
@Suite struct FindingPolicyTests {
    static let cnOnly = Fixtures.samples + "/tls/cn-only.crt"
    static let veeam = Fixtures.samples + "/veeam/veeam-one-10a.crt"
    static let target = "cabf.cn-not-in-san"
    let now = Fixtures.referenceTime
    let day: Int64 = 86_400

    func audited(_ path: String) throws -> InputResult {
        let report = Fixtures.report(for: path)
        try #require(report.certificates.count == 1 && report.certificates[0].findings.count >= 2)
        try #require(report.certificates[0].findings.allSatisfy { $0.suppression == nil })
        return report
    }

    func policy(_ waivers: [Waiver], baseline: Baseline? = nil, roots: [String] = []) -> FindingPolicy {
        FindingPolicy(baseline: baseline, waivers: waivers, now: now, inputs: roots.map { ScanInput.path($0) })
    }

    func waiver(_ rule: String, fingerprint: String? = nil, glob: String? = nil, expires: UnixTime? = nil) -> Waiver {
        Waiver(ruleId: rule, fingerprint: fingerprint, pathGlob: glob, reason: "accepted by ops", expires: expires)
    }

    /// Suppression of each finding, by rule id.
    func suppressions(_ report: InputResult) -> [String: Suppression?] {
        Dictionary(report.certificates[0].findings.map { ($0.ruleId, $0.suppression) }, uniquingKeysWith: { a, _ in a })
    }

    @Test func waiverByFingerprintNormalisesColonsAndCase() throws {
        var report = try audited(Self.cnOnly)
        let original = report.certificates[0].findings
        let sha256 = report.certificates[0].facts.sha256
        try #require(sha256.count == 64 && sha256 == sha256.lowercased())
        let pairs = stride(from: 0, to: 64, by: 2).map { offset in
            String(sha256.dropFirst(offset).prefix(2)).uppercased()
        }
        let colons = pairs.joined(separator: ":")
        #expect(waiver(Self.target, fingerprint: colons).fingerprint == sha256)

        policy([waiver(Self.target, fingerprint: colons)]).apply(to: &report)
        for (rule, suppression) in suppressions(report) {
            #expect(suppression == (rule == Self.target ? Suppression.waiver(reason: "accepted by ops") : nil), "\(rule)")
        }
        #expect(report.certificates[0].findings.count == original.count)

        // Another certificate's fingerprint does not match.
        var other = try audited(Self.cnOnly)
        let otherSha = Fixtures.report(for: Self.veeam).certificates[0].facts.sha256
        policy([waiver(Self.target, fingerprint: otherSha)]).apply(to: &other)
        #expect(other.certificates[0].findings == original)
    }

    @Test func waiverByPathGlobRelativeToAnInputFolder() throws {
        func waived(_ glob: String, roots: [String]) throws -> Bool {
            var report = try audited(Self.veeam)
            policy([waiver("cabf.validity-too-long", glob: glob)], roots: roots).apply(to: &report)
            let marks = suppressions(report)
            #expect(marks.filter { $0.value != nil }.keys.allSatisfy { $0 == "cabf.validity-too-long" })
            return marks["cabf.validity-too-long"]! != nil
        }
        #expect(try waived("veeam/*.crt", roots: [Fixtures.samples]))
        #expect(try waived("veeam/*.crt", roots: [Fixtures.samples + "/"]))
        #expect(try waived("veeam/*.crt", roots: ["/elsewhere", Fixtures.samples]))
        #expect(try !waived("veeam/*.crt", roots: []), "without its input folder the path is absolute")
        #expect(try !waived("veeam/*.crt", roots: [Fixtures.samples + "/veeam"]))
        #expect(try waived("*.crt", roots: [Fixtures.samples + "/veeam"]))
        #expect(try waived("veeam-one-*.crt", roots: [Self.veeam]), "a file input matches by its name")
        #expect(try waived("*/veeam/veeam-one-10a.crt", roots: []), "the full path matches too")
        #expect(try !waived("tls/*.crt", roots: [Fixtures.samples]))
    }

    @Test func relativePathIsCutAtAFolderBoundary() {
        #expect(RelativePath.of("/srv/certs/a/b.crt", roots: ["/srv/certs"]) == "a/b.crt")
        #expect(RelativePath.of("/srv/certs/a/b.crt", roots: ["/srv/certs/"]) == "a/b.crt")
        #expect(RelativePath.of("/srv/certs2/b.crt", roots: ["/srv/certs"]) == "/srv/certs2/b.crt")
        #expect(RelativePath.of("/srv/certs/b.crt", roots: ["/srv/certs/b.crt"]) == "b.crt")
        #expect(RelativePath.of("b.crt", roots: ["b.crt"]) == "b.crt")
        #expect(RelativePath.of("/x/y.crt", roots: ["/other", "/x"]) == "y.crt")
    }

    @Test func expiredWaiverCountsAgainAndIsReported() throws {
        var report = try audited(Self.cnOnly)
        let before = report.certificates[0].findings
        let expires = UnixTime(seconds: now.seconds - 2 * day)
        policy([waiver(Self.target, expires: expires)]).apply(to: &report)
        let findings = report.certificates[0].findings
        #expect(findings.count == before.count + 1)
        #expect(Array(findings.prefix(before.count)) == before, "the original findings count, unchanged")
        let added = try #require(findings.last)
        #expect(added.ruleId == "certaudit.waiver-expired" && added.ruleId == PolicyRules.waiverExpired.id)
        #expect(added.severity == .warning && added.suppression == nil)
        #expect(added.message.contains(Self.target) && added.message.contains("accepted by ops"))
        #expect(added.message.contains("expired on \(expires.isoDate)"))

        // Expiring exactly now is not expired yet; a waiver without a date never expires.
        for date in [now, nil] {
            var current = try audited(Self.cnOnly)
            policy([waiver(Self.target, expires: date)]).apply(to: &current)
            #expect(current.certificates[0].findings.count == before.count)
            #expect(suppressions(current)[Self.target]! == .waiver(reason: "accepted by ops"))
        }
    }

    /// A configuration that keeps the old, expired waiver and adds a renewed one below it: the renewed one
    /// wins, whatever the order.
    @Test func aRenewedWaiverWinsOverTheExpiredOneItRenews() throws {
        let expired = waiver(Self.target, expires: UnixTime(seconds: now.seconds - 30 * day))
        let renewed = Waiver(
            ruleId: Self.target, fingerprint: nil, pathGlob: nil, reason: "renewed until the upgrade",
            expires: UnixTime(seconds: now.seconds + 30 * day))
        for order in [[expired, renewed], [renewed, expired]] {
            var report = try audited(Self.cnOnly)
            let before = report.certificates[0].findings.count
            policy(order).apply(to: &report)
            #expect(suppressions(report)[Self.target]! == .waiver(reason: "renewed until the upgrade"))
            #expect(report.certificates[0].findings.count == before, "no waiver-expired finding while one is in force")
        }
    }

    @Test func baselineSuppressesOnlyItsEntries() throws {
        var baseline = Baseline()
        baseline.add(try audited(Self.cnOnly))
        var report = try audited(Self.cnOnly)
        var unrelated = try audited(Self.veeam)
        let unrelatedBefore = unrelated.certificates[0].findings
        policy([], baseline: baseline).apply(to: &report)
        policy([], baseline: baseline).apply(to: &unrelated)
        #expect(report.certificates[0].findings.allSatisfy { $0.suppression == .baseline })
        #expect(unrelated.certificates[0].findings == unrelatedBefore)

        // One entry only: the other findings of the same certificate still count.
        baseline.entries = baseline.entries.filter { $0.key.ruleId == Self.target }
        var partly = try audited(Self.cnOnly)
        policy([], baseline: baseline).apply(to: &partly)
        for (rule, suppression) in suppressions(partly) {
            #expect(suppression == (rule == Self.target ? Suppression.baseline : nil), "\(rule)")
        }

        // A live waiver wins over the baseline; an expired one leaves the baseline in charge.
        var both = try audited(Self.cnOnly)
        policy([waiver(Self.target)], baseline: baseline).apply(to: &both)
        #expect(suppressions(both)[Self.target]! == .waiver(reason: "accepted by ops"))
        var expired = try audited(Self.cnOnly)
        policy([waiver(Self.target, expires: UnixTime(seconds: now.seconds - day))], baseline: baseline).apply(to: &expired)
        #expect(suppressions(expired)[Self.target]! == .baseline)
        #expect(expired.certificates[0].findings.filter { $0.ruleId == "certaudit.waiver-expired" }.count == 1)
    }

    func problems(_ path: String = "/srv/certs/legacy.pfx") -> InputResult {
        var report = InputResult(path: path, problem: InputProblem(.pkcs12WrongPassword, "no password candidate opens it"))
        report.add(InputProblem(.derTrailingData, location: "after certificate 1", "bytes after the last certificate"))
        return report
    }

    @Test func problemWaiversMatchCodeAndPath() throws {
        let real = Fixtures.report(for: Fixtures.samples + "/bad/wrong-password.pfx")
        #expect(real.problems.map(\.code) == [.pkcs12WrongPassword])
        let live = UnixTime(seconds: now.seconds + 30 * day)
        let sample = problems()
        func apply(_ waivers: [Waiver], to report: InputResult? = nil, roots: [String] = ["/srv/certs"]) -> InputResult {
            var report = report ?? sample
            policy(waivers, roots: roots).apply(to: &report)
            return report
        }
        for glob in ["*.pfx", "legacy.pfx", "/srv/certs/*"] {
            let waived = apply([Waiver(problem: .pkcs12WrongPassword, pathGlob: glob, reason: "vendor has it", expires: live)])
            #expect(waived.problems.map(\.suppression) == [.waiver(reason: "vendor has it"), nil], "\(glob)")
            #expect(waived.countingProblems.map(\.code) == [.derTrailingData])
        }
        let relative = [Waiver(problem: .pkcs12WrongPassword, pathGlob: "bad/*.pfx", reason: "r", expires: nil)]
        #expect(apply(relative, to: real, roots: [Fixtures.samples]).problems.map(\.suppression) == [.waiver(reason: "r")])
        #expect(apply(relative, to: real).countingProblems.count == 1, "relative to /srv/certs it is not under bad/")
        #expect(apply([Waiver(problem: .pkcs12WrongPassword, pathGlob: "other/*.pfx", reason: "r", expires: live)]).countingProblems.count == 2)
        #expect(apply([Waiver(problem: .pkcs12Unreadable, pathGlob: "*", reason: "r", expires: live)]).countingProblems.count == 2)
        // A finding waiver with the same name is not a problem waiver.
        #expect(apply([waiver("pkcs12.wrong-password", glob: "*")]).countingProblems.count == 2)

        let expired = apply([Waiver(problem: .pkcs12WrongPassword, pathGlob: "*.pfx", reason: "vendor has it", expires: UnixTime(seconds: now.seconds - day))])
        #expect(expired.countingProblems.count == 2)
        #expect(expired.problems[0].message == "no password candidate opens it (its waiver, \"vendor has it\", expired on \(UnixTime(seconds: now.seconds - day).isoDate); it counts again)")
        #expect(expired.problems[1].message == "bytes after the last certificate")
    }

    @Test func baselineProblemsMatchCodeAndExactPath() {
        var baseline = Baseline()
        baseline.problems = [Baseline.ProblemKey(code: "pkcs12.wrong-password", path: "/srv/certs/legacy.pfx")]
        var report = problems()
        policy([], baseline: baseline).apply(to: &report)
        #expect(report.problems.map(\.suppression) == [.baseline, nil])
        var elsewhere = problems("/srv/certs/other.pfx")
        policy([], baseline: baseline).apply(to: &elsewhere)
        #expect(elsewhere.countingProblems.count == 2)

        var recorded = Baseline()
        recorded.add(problems())
        #expect(recorded.problems == [
            Baseline.ProblemKey(code: "pkcs12.wrong-password", path: "/srv/certs/legacy.pfx"),
            Baseline.ProblemKey(code: "der.trailing-data", path: "/srv/certs/legacy.pfx"),
        ])
    }

    @Test func unrelatedWaiversAndBaselinesTouchNothing() throws {
        var baseline = Baseline()
        baseline.problems = [Baseline.ProblemKey(code: "pkcs12.wrong-password", path: "/elsewhere.pfx")]
        let unrelated = policy([waiver("no.such-rule"), waiver(Self.target, glob: "nowhere/*")], baseline: baseline)
        #expect(!unrelated.isEmpty && policy([]).isEmpty)
        var report = try audited(Self.cnOnly)
        let before = report.certificates[0].findings
        unrelated.apply(to: &report)
        #expect(report.certificates[0].findings == before)
        var problemReport = problems()
        unrelated.apply(to: &problemReport)
        #expect(problemReport.problems == problems().problems)
    }
}
