import Foundation
import Testing
@testable import CertAudit

/// `ScanSession`, the library type behind `certaudit scan`: outputs, history and exit status.
@Suite struct ScanSessionTests {
    func session(_ inputs: [ScanInput], failOn: Severity? = .error) -> ScanSession {
        let auditor = Fixtures.auditor(profiles: ["browser"])
        let pipeline = AuditPipeline(
            walker: InputWalker(options: WalkOptions()), decoder: ContainerDecoder(passwords: Fixtures.passwords), auditor: auditor)
        return ScanSession(
            pipeline: pipeline, inputs: inputs, rules: auditor.rules, referenceTime: Fixtures.referenceTime, failOn: failOn)
    }

    @Test func writesEveryOutputAndEarnsTheExitStatus() throws {
        let folder = Fixtures.temporaryDirectory()
        var session = session([.path(Fixtures.samples + "/veeam/veeam-one-10a.crt"), .path(Fixtures.samples + "/tls/good-rsa.crt")])
        session.main = .init(format: .json, path: folder + "/main.json")
        session.reports = [.init(format: .sarif, path: folder + "/r.sarif"), .init(format: .junit, path: folder + "/j.xml")]
        let outcome = try session.run()
        #expect(outcome.status == .findings)
        #expect(outcome.failures.isEmpty)
        #expect(outcome.summary.files == 2)
        for name in ["main.json", "r.sarif", "j.xml"] {
            #expect(FileManager.default.fileExists(atPath: folder + "/" + name), "\(name)")
        }
        var lenient = self.session([.path(Fixtures.samples + "/veeam/veeam-one-10a.crt")], failOn: nil)
        lenient.main = .init(format: .text, path: folder + "/never.txt")
        #expect(try lenient.run().status == .clean, "--fail-on never")
    }

    @Test func anOutputThatCannotBeOpenedLeavesNoHalfWrittenReport() throws {
        let folder = Fixtures.temporaryDirectory()
        var session = session([.path(Fixtures.samples + "/tls/good-rsa.crt")])
        session.main = .init(format: .json, path: folder + "/main.json")
        session.reports = [.init(format: .sarif, path: folder + "/missing-folder/r.sarif")]
        #expect(throws: ScanSession.Failure.self) { try session.run() }
        #expect(!FileManager.default.fileExists(atPath: folder + "/main.json"))
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: folder)
        #expect(leftovers.isEmpty, "\(leftovers)")
    }

    @Test func recordsTheRunInTheHistoryAndPrunesIt() throws {
        let folder = Fixtures.temporaryDirectory()
        var session = session([.path(Fixtures.samples + "/veeam")])
        session.main = .init(format: .text, path: folder + "/out.txt")
        session.historyPath = folder + "/history.sqlite"
        session.keepRuns = 2
        for _ in 0..<3 {
            _ = try session.run()
        }
        let runs = try HistoryStore(path: folder + "/history.sqlite").runs()
        #expect(runs.count == 2)
        #expect(runs.allSatisfy { $0.certificates > 0 })
    }

    @Test func anUnreadableBaselineIsAFailure() {
        var session = session([.path(Fixtures.samples + "/tls/good-rsa.crt")])
        session.baselinePath = Fixtures.samples + "/tls/good-rsa.crt"
        #expect(throws: ScanSession.Failure.self) { try session.run() }
    }
}
