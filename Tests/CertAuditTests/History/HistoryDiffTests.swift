import Foundation
import Testing
@testable import CertAudit

/// HistoryDiff.compute over runs recorded straight into a HistoryStore: which earlier run each `Since`
/// picks, and exactly which findings and certificates count as new, resolved, appeared, gone or replaced.
@Suite struct HistoryDiffTests {
    typealias Cert = HistoryStore.CertificateRow
    typealias Row = HistoryStore.FindingRow
    static let day: Int64 = 86_400
    let now = Fixtures.referenceTime

    func at(_ days: Int64) -> UnixTime { UnixTime(seconds: now.seconds + days * Self.day) }

    func cert(_ path: String, _ sha256: String, index: Int = 0, expiresIn days: Int64 = 365) -> Cert {
        Cert(path: "/certs/" + path, index: index, sha256: sha256, subject: "CN=" + path, notAfter: at(days))
    }

    func finding(_ path: String, _ sha256: String, _ rule: String, _ severity: Severity = .error, suppressed: Bool = false) -> Row {
        Row(path: "/certs/" + path, sha256: sha256, ruleId: rule, severity: severity, message: rule + " fired", suppressed: suppressed)
    }

    @discardableResult
    func record(_ store: HistoryStore, at time: UnixTime, _ certificates: [Cert], _ findings: [Row]) throws -> Int64 {
        var summary = ScanSummary()
        summary.certificates = certificates.count
        return try store.record(
            startedAt: time, roots: ["/certs"], profiles: ["all"], summary: summary, certificates: certificates, findings: findings)
    }

    /// Run A (10 days ago), B (5 days ago), C (now). B → C holds one change of every kind.
    func threeRuns(in folder: String) throws -> (store: HistoryStore, ids: [Int64]) {
        let store = try HistoryStore(path: folder + "/history.sqlite")
        let a = try record(store, at: at(-10), [cert("old.crt", "a0")], [finding("old.crt", "a0", "r.old")])
        let b = try record(
            store, at: at(-5), [cert("keep.crt", "k1"), cert("swap.crt", "s1", expiresIn: 10), cert("gone.crt", "g1")],
            [
                finding("keep.crt", "k1", "r.fixed"), finding("keep.crt", "k1", "r.stays", .warning),
                finding("keep.crt", "k1", "r.waived-later"), finding("keep.crt", "k1", "r.waiver-expired", suppressed: true),
                finding("swap.crt", "s1", "r.swap", .warning),
            ])
        let c = try record(
            store, at: now,
            [
                cert("keep.crt", "k1"), cert("keep.crt", "k2", index: 1, expiresIn: 59), cert("swap.crt", "s2", expiresIn: 400),
                cert("new.crt", "n1", expiresIn: -1), cert("edge.crt", "e1", expiresIn: 60),
            ],
            [
                finding("keep.crt", "k1", "r.stays", .warning), finding("keep.crt", "k1", "r.waived-later", suppressed: true),
                finding("keep.crt", "k1", "r.waiver-expired"), finding("new.crt", "n1", "r.new-error"),
                finding("new.crt", "n1", "r.new-warning", .warning), finding("swap.crt", "s2", "r.swap", .warning),
            ])
        return (store, [a, b, c])
    }

    func keys(_ rows: [Row]) -> Set<String> { Set(rows.map { "\($0.path.dropFirst(7)) \($0.sha256) \($0.ruleId)" }) }
    func slots(_ rows: [Cert]) -> Set<String> { Set(rows.map { "\($0.path.dropFirst(7))#\($0.index)" }) }

    @Test func lastComparesWithTheRunBeforeAndListsEveryKindOfChange() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (store, ids) = try threeRuns(in: folder)
        let diff = try HistoryDiff.compute(store: store, since: .last, now: now)
        #expect(diff.latest.id == ids[2] && diff.previous?.id == ids[1])
        #expect(diff.latest.certificates == 5 && diff.latest.startedAt == now)

        // A finding is keyed by (path, certificate, rule): a replaced certificate's finding is new, and one
        // whose waiver expired (suppressed before, counting now) is new as well.
        #expect(keys(diff.newFindings) == ["keep.crt k1 r.waiver-expired", "new.crt n1 r.new-error", "new.crt n1 r.new-warning", "swap.crt s2 r.swap"])
        #expect(diff.newErrors == 2)
        #expect(keys(diff.resolvedFindings) == ["keep.crt k1 r.fixed", "keep.crt k1 r.waived-later", "swap.crt s1 r.swap"])
        #expect(slots(diff.appeared) == ["keep.crt#1", "new.crt#0", "edge.crt#0"])
        #expect(slots(diff.disappeared) == ["gone.crt#0"])
        #expect(diff.replaced.count == 1)
        #expect(diff.replaced.first.map { [$0.old.sha256, $0.new.sha256, $0.new.path] } == ["s1", "s2", "/certs/swap.crt"])
        // Expiring: the latest run's certificates with less than 60 days left (expired ones included),
        // soonest first; exactly 60 days is outside, and the replaced certificate's old date is not used.
        #expect(Limits.digestExpiryHorizonDays == 60)
        #expect(diff.expiring.map(\.sha256) == ["n1", "k2"])
    }

    @Test func daysAndDatePickTheLastRunOldEnoughElseTheFirst() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let (store, ids) = try threeRuns(in: folder)
        let cases: [(HistoryDiff.Since, Int64)] = [
            (.days(1), ids[1]), (.days(5), ids[1]), (.days(6), ids[0]), (.days(10), ids[0]), (.days(30), ids[0]),
            (.date(at(-5)), ids[1]), (.date(at(-6)), ids[0]), (.date(at(-20)), ids[0]), (.date(at(1)), ids[1]),
        ]
        for (since, expected) in cases {
            let diff = try HistoryDiff.compute(store: store, since: since, now: now)
            #expect(diff.previous?.id == expected, "\(since)")
            #expect(diff.latest.id == ids[2])
        }
        // Against run A everything in C is new: nothing shares a slot with old.crt.
        let diff = try HistoryDiff.compute(store: store, since: .days(7), now: now)
        #expect(slots(diff.appeared).count == 5 && slots(diff.disappeared) == ["old.crt#0"] && diff.replaced.isEmpty)
        #expect(keys(diff.resolvedFindings) == ["old.crt a0 r.old"])
        #expect(diff.newFindings.count == 5, "every counting finding of C")
    }

    @Test func sinceParsesItsThreeForms() {
        #expect(HistoryDiff.Since("last") == .last)
        #expect(HistoryDiff.Since("7d") == .days(7))
        #expect(HistoryDiff.Since("36500d") == .days(36_500))
        #expect(HistoryDiff.Since("0d") == nil && HistoryDiff.Since("36501d") == nil && HistoryDiff.Since("-3d") == nil)
        #expect(HistoryDiff.Since("2026-11-01") == .date(UnixTime(seconds: now.seconds - 30 * Self.day)))
        #expect(HistoryDiff.Since("yesterday") == nil)
    }

    @Test func noRunIsAnErrorAndOneRunHasNothingToCompareWith() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try HistoryStore(path: folder + "/history.sqlite")
        let failure = #expect(throws: HistoryDiff.Failure.self) {
            _ = try HistoryDiff.compute(store: store, since: .last, now: now)
        }
        #expect(failure?.description.contains("holds no runs yet") == true)

        let only = try record(
            store, at: now, [cert("a.crt", "a1", expiresIn: 3), cert("b.crt", "b1")],
            [finding("a.crt", "a1", "r.one"), finding("a.crt", "a1", "r.hidden", suppressed: true)])
        for since in [HistoryDiff.Since.last, .days(1), .date(now)] {
            let diff = try HistoryDiff.compute(store: store, since: since, now: now)
            #expect(diff.latest.id == only && diff.previous == nil)
            #expect(diff.appeared.isEmpty && diff.disappeared.isEmpty && diff.replaced.isEmpty && diff.resolvedFindings.isEmpty)
            #expect(keys(diff.newFindings) == ["a.crt a1 r.one"], "with no earlier run every counting finding is new")
            #expect(diff.expiring.map(\.sha256) == ["a1"])
        }
    }

    /// Real sample certificates through HistoryRecorder: a console certificate replaced by a fixed one at
    /// the same path, an expiring one added, an unchanged one.
    @Test func samplesRecordedRunToRun() throws {
        let folder = Fixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let store = try HistoryStore(path: folder + "/history.sqlite")
        func run(at time: UnixTime, _ files: [(sample: String, as: String)]) throws {
            var recorder = HistoryRecorder()
            for file in files {
                var report = Fixtures.report(for: Fixtures.samples + "/" + file.sample)
                try #require(report.certificates.count == 1, "\(file.sample)")
                report.path = "/certs/" + file.as
                recorder.add(report)
            }
            try record(store, at: time, recorder.certificates, recorder.findings)
        }
        try run(at: at(-30), [("veeam/veeam-one-10a.crt", "console.crt"), ("tls/good-rsa.crt", "web.crt")])
        try run(at: now, [("veeam/veeam-one-11a.pfx", "console.crt"), ("tls/good-rsa.crt", "web.crt"), ("tls/expiring-soon.crt", "expiring.crt")])
        let diff = try HistoryDiff.compute(store: store, since: .last, now: now)
        #expect(diff.replaced.map(\.new.path) == ["/certs/console.crt"])
        #expect(slots(diff.appeared) == ["expiring.crt#0"] && diff.disappeared.isEmpty)
        #expect(diff.expiring.map(\.path) == ["/certs/expiring.crt"])
        let newRules = Set(diff.newFindings.map(\.ruleId))
        #expect(newRules.contains("browser.expiring-soon") && !newRules.contains("browser.ku-lacks-digital-signature"))
        #expect(diff.resolvedFindings.contains { $0.ruleId == "browser.ku-lacks-digital-signature" && $0.path == "/certs/console.crt" })
        #expect(!(diff.newFindings + diff.resolvedFindings).contains { $0.path == "/certs/web.crt" }, "unchanged certificate")
    }
}
