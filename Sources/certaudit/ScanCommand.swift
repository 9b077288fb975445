import ArgumentParser
import CertAudit

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read certificates from files, folders or standard input and judge them.",
        discussion: """
            Exit status: 0 no finding at or above --fail-on; 1 such findings; 2 usage, rule file or
            configuration error; 3 some input could not be read (findings are still reported; 3 wins over 1).
            Findings in --baseline or waived in the configuration are reported but do not count.
            PKCS#12 passwords: --password-file (one per line) or CERTAUDIT_PFX_PASSWORD; the empty password
            is always tried first. Passwords are never accepted on the command line.
            """
    )

    @OptionGroup var options: ScanOptions

    @Option(help: "Lowest severity that makes the exit status 1: error, warning, notice, info or never (default error).")
    var failOn: String?

    @Option(help: "Report format on standard output (or --output): text or json.")
    var format: String = "text"

    @Option(help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Option(name: .customLong("report"), help: "Also write FORMAT:FILE (repeatable): sarif, junit, csv, markdown, html, prometheus, json, text.")
    var reports: [String] = []

    @Option(help: "Findings recorded in this baseline (certaudit baseline create) do not count.")
    var baseline: String?

    @Option(help: "Record this run in an SQLite history file (for certaudit report).")
    var history: String?

    @Option(help: "With --history: keep only the newest N runs.")
    var keepRuns: Int?

    @Flag(name: .shortAndLong, help: "Text report: also list certificates without findings and skipped files.")
    var verbose = false

    func run() throws {
        let prepared = try options.prepare()
        let failText = failOn ?? prepared.configuration?.failOn ?? "error"
        let failThreshold: Severity?
        if failText == "never" {
            failThreshold = nil
        } else if let severity = Severity(rawValue: failText) {
            failThreshold = severity
        } else {
            throw UsageFailure("--fail-on takes error, warning, notice, info or never (got '\(failText)')")
        }
        guard let mainFormat = ReportFormat(rawValue: format), mainFormat == .text || mainFormat == .json else {
            throw UsageFailure("--format takes text or json (got '\(format)'); use --report FORMAT:FILE for the others")
        }
        if let keepRuns {
            guard history != nil else { throw UsageFailure("--keep-runs goes with --history") }
            try NumericLimits.check(keepRuns, NumericLimits.keepRuns, "--keep-runs")
        }

        var scanner = prepared.scanner
        var loadedBaseline: Baseline?
        if let path = baseline ?? prepared.configuration?.baseline {
            do {
                loadedBaseline = try Baseline(contentsOf: path)
            } catch {
                throw UsageFailure("\(error)")
            }
        }
        let waivers = prepared.configuration?.waivers ?? []
        if loadedBaseline != nil || !waivers.isEmpty {
            scanner.policy = FindingPolicy(baseline: loadedBaseline, waivers: waivers, now: prepared.now, inputs: options.input.inputs)
        }
        var store: HistoryStore?
        if let history {
            do {
                store = try HistoryStore(path: history)
            } catch {
                throw UsageFailure(error.description)
            }
        }

        // Outputs: the main one, then every --report FORMAT:FILE.
        var channels: [OutputChannel] = []
        var writers: [ReportWriter] = []
        let settings = ReportFormat.Settings(verbose: verbose, color: false, failOn: failThreshold)
        do {
            let main = try output.map { try OutputChannel.file($0) } ?? .standardOutput()
            var mainSettings = settings
            mainSettings.color = main.isTerminal && ProcessEnvironment.environment["NO_COLOR"] == nil
            channels.append(main)
            writers.append(mainFormat.writer(to: main, settings: mainSettings))
            for request in reports {
                guard let colon = request.firstIndex(of: ":"), let kind = ReportFormat(rawValue: String(request[..<colon])),
                    request.index(after: colon) < request.endIndex
                else {
                    throw UsageFailure(
                        "--report takes FORMAT:FILE with FORMAT one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(request)')")
                }
                let channel = try OutputChannel.file(String(request[request.index(after: colon)...]))
                channels.append(channel)
                writers.append(kind.writer(to: channel, settings: settings))
            }
        } catch let failure as OutputChannel.OpenError {
            channels.forEach { $0.discard() }
            throw UsageFailure(failure.description)
        } catch {
            channels.forEach { $0.discard() }
            throw error
        }

        let header = ScanHeader(
            toolVersion: CertAuditVersion.current, inputs: options.input.inputs,
            profiles: Array(Set(prepared.rules.map(\.profile))).sorted(), referenceTime: prepared.now,
            failOn: failThreshold, rules: prepared.rules, baseline: loadedBaseline,
            configuration: prepared.configurationPath)
        writers.forEach { $0.begin(header) }
        var recorder = HistoryRecorder()
        let summary = scanner.run(options.input.inputs, renderers: writers.map(\.renderer)) { report, rendered in
            for (writer, bytes) in zip(writers, rendered) {
                writer.write(report, rendered: bytes)
            }
            if store != nil {
                recorder.add(report)
            }
        }
        writers.forEach { $0.finish(summary) }
        var failures = channels.compactMap { $0.close() }
        if let store {
            do {
                try store.record(
                    startedAt: prepared.now, roots: options.input.inputs.map(\.description), profiles: header.profiles, summary: summary,
                    certificates: recorder.certificates, findings: recorder.findings)
                if let keepRuns {
                    try store.prune(keepRuns: keepRuns)
                }
            } catch {
                failures.append("\(error)")
            }
        }
        if !failures.isEmpty {
            failures.forEach(printError)
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let status = ExitStatus.of(summary, failOn: failThreshold)
        if status != ExitStatus.clean {
            throw ExitCode(status.rawValue)
        }
    }
}

enum ByteSize {
    /// Bytes, or nil for text that is not a size or does not fit an Int.
    static func parse(_ text: String) -> Int? {
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        guard let last = text.uppercased().last else { return nil }
        if let multiplier = multipliers[last] {
            guard let count = Int(text.dropLast()), count >= 0 else { return nil }
            let (bytes, overflow) = count.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : bytes
        }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
