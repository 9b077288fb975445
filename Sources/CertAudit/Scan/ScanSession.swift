/// One `certaudit scan` from prepared settings to exit status: applies the baseline and waivers, opens
/// the main output and every extra report, streams each input's result to all of them, records the run
/// in the history file (pruning it), and closes everything — discarding half-written reports when an
/// output cannot be opened. The command line only fills it in.
public struct ScanSession {
    /// A report to write: its format, and its file (nil: standard output).
    public struct Output: Sendable, Equatable {
        public var format: ReportFormat
        public var path: String?

        public init(format: ReportFormat, path: String?) {
            self.format = format
            self.path = path
        }
    }

    public var pipeline: AuditPipeline
    public var inputs: [ScanInput]
    public var rules: [Rule]
    public var referenceTime: UnixTime
    public var failOn: Severity?
    /// The main report (nil: none, as for `certaudit serve`, which keeps its reports in memory).
    public var main: Output? = Output(format: .text, path: nil)
    public var reports: [Output] = []
    /// Reports the caller opened itself (on an in-memory `OutputChannel`, say), fed like the others.
    public var extraWriters: [ReportWriter] = []
    /// Text report: also certificates without findings and skipped inputs.
    public var verbose = false
    /// Colour the text report when standard output is a terminal (and NO_COLOR is not set).
    public var colorAllowed = true
    public var baselinePath: String?
    public var waivers: [Waiver] = []
    /// The configuration file applied, named in every report.
    public var configurationPath: String?
    /// The host the reports name (JSON `host`): this machine's name unless set (`scan --host-name`).
    public var hostName: String? = ProcessEnvironment.hostName
    /// SQLite history file to record the run in, and how many runs it keeps.
    public var historyPath: String?
    public var keepRuns: Int?

    public init(pipeline: AuditPipeline, inputs: [ScanInput], rules: [Rule], referenceTime: UnixTime, failOn: Severity?) {
        self.pipeline = pipeline
        self.inputs = inputs
        self.rules = rules
        self.referenceTime = referenceTime
        self.failOn = failOn
    }

    /// A setting that cannot be used (an unreadable baseline, an output that cannot be created, a history
    /// file that is not certaudit's): exit status 2.
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// What the run found, and the exit status it earns (`ExitStatus`). `failures` are outputs that
    /// could not be finished (the disk filled, the history could not be written): then the status is 2.
    public struct Outcome: Sendable {
        public var summary: ScanSummary
        public var status: ExitStatus
        public var failures: [String]
    }

    public func run() throws(Failure) -> Outcome {
        var pipeline = pipeline
        var baseline: Baseline?
        if let baselinePath {
            do {
                baseline = try Baseline(contentsOf: baselinePath)
            } catch {
                throw Failure(description: error.description)
            }
        }
        if baseline != nil || !waivers.isEmpty {
            pipeline.policy = FindingPolicy(baseline: baseline, waivers: waivers, now: referenceTime, inputs: inputs)
        }
        var store: HistoryStore?
        if let historyPath {
            do {
                store = try HistoryStore(path: historyPath)
            } catch {
                throw Failure(description: error.description)
            }
        }
        let (channels, opened) = try ScanSession.openOutputs(
            main: main, reports: reports, settings: ReportFormat.Settings(verbose: verbose, color: false, failOn: failOn),
            colorAllowed: colorAllowed)
        let writers = opened + extraWriters
        let header = ScanHeader(
            toolVersion: CertAuditVersion.current, inputs: inputs, profiles: Array(Set(rules.filter { !$0.raisedByPolicy }.map(\.profile))).sorted(),
            referenceTime: referenceTime, failOn: failOn, rules: rules, baseline: baseline, configuration: configurationPath,
            host: hostName)
        writers.forEach { $0.begin(header) }
        var recorder = HistoryRecorder()
        let summary = pipeline.run(inputs, renderers: writers.map(\.renderer)) { result, rendered in
            for (writer, bytes) in zip(writers, rendered) {
                writer.write(result, rendered: bytes)
            }
            if store != nil {
                recorder.add(result)
            }
        }
        writers.forEach { $0.finish(summary) }
        var failures = channels.compactMap { $0.close() }
        if let store {
            do {
                try store.record(
                    startedAt: referenceTime, roots: header.roots, profiles: header.profiles, summary: summary,
                    certificates: recorder.certificates, findings: recorder.findings)
                if let keepRuns {
                    try store.prune(keepRuns: keepRuns)
                }
            } catch {
                failures.append("\(error)")
            }
        }
        let status = failures.isEmpty ? ExitStatus.of(summary, failOn: failOn) : .usage
        return Outcome(summary: summary, status: status, failures: failures)
    }

    /// The main output, then every extra report; on a failure, whatever was opened is discarded. The
    /// main output is coloured when `colorAllowed`, it is a terminal and NO_COLOR is unset.
    static func openOutputs(
        main: Output?, reports: [Output], settings: ReportFormat.Settings, colorAllowed: Bool
    ) throws(Failure) -> ([OutputChannel], [ReportWriter]) {
        var channels: [OutputChannel] = []
        var writers: [ReportWriter] = []
        do throws(OutputChannel.OpenError) {
            for (position, output) in ((main.map { [$0] } ?? []) + reports).enumerated() {
                let channel = try output.path.map { (path) throws(OutputChannel.OpenError) in try OutputChannel.file(path) } ?? .standardOutput()
                var channelSettings = settings
                if position == 0, main != nil {
                    channelSettings.color = colorAllowed && channel.isTerminal && ProcessEnvironment.value("NO_COLOR") == nil
                }
                channels.append(channel)
                writers.append(output.format.writer(to: channel, settings: channelSettings))
            }
        } catch {
            channels.forEach { $0.discard() }
            throw Failure(description: error.description)
        }
        return (channels, writers)
    }
}
