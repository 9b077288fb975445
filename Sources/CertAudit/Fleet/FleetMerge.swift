#if canImport(Glibc)
    import Glibc
#endif

/// `certaudit merge`: per-host JSON reports joined into one fleet report, written in any format by the
/// same report writers as a scan. Each host's verdicts stand as its report gives them (its profiles,
/// waivers and baseline were applied where it ran); nothing is judged again. A report that cannot be read
/// is an unreadable input of the fleet report, with its code, and the merge goes on.
public struct FleetMerge {
    public var reports: [String]
    public var main: ScanSession.Output? = .init(format: .text, path: nil)
    public var outputs: [ScanSession.Output] = []
    public var failOn: Severity?
    public var verbose = false
    public var colorAllowed = true
    /// The largest report read (`--max-report-size`).
    public var maxReportSize = 1 << 30

    public init(reports: [String], failOn: Severity?) {
        self.reports = reports
        self.failOn = failOn
    }

    /// What the reports hold, in the order given: their runs and results, and one result with a problem
    /// for each report that could not be read.
    struct Loaded {
        var runs: [JSONReportReader.HostRun] = []
        var results: [InputResult] = []
        var unreadable: [InputResult] = []

        mutating func add(_ bytes: [UInt8], path: String) {
            do {
                let contents = try JSONReportReader.read(bytes, fallbackHost: FleetMerge.hostName(fromReportPath: path))
                runs += contents.runs
                results += contents.results
            } catch {
                unreadable.append(InputResult(path: path, problem: InputProblem(error.code, error.description)))
            }
        }
    }

    func load() -> Loaded {
        var loaded = Loaded()
        for path in reports {
            let bytes: [UInt8]
            switch FileReader.load(path: path, limit: maxReportSize) {
            case .bytes(let read):
                bytes = read
            case .tooLarge(let size):
                loaded.unreadable.append(
                    InputResult(
                        path: path,
                        problem: InputProblem(.reportTooLarge, "is \(size) bytes, more than --max-report-size (\(maxReportSize) bytes); not merged")))
                continue
            case .failed(let problem):
                loaded.unreadable.append(InputResult(path: path, problem: problem))
                continue
            }
            loaded.add(bytes, path: path)
        }
        return loaded
    }

    static func monotonicSeconds() -> Double {
        var clock = timespec()
        clock_gettime(CLOCK_MONOTONIC, &clock)
        return Double(clock.tv_sec) + Double(clock.tv_nsec) / 1e9
    }

    /// `reports/web01.json` → `web01`.
    static func hostName(fromReportPath path: String) -> String {
        var name = path.split(separator: "/").last.map(String.init) ?? path
        if name.hasSuffix(".json") {
            name.removeLast(5)
        }
        return name
    }

    /// Rule descriptors for the reports that list rules (SARIF): one per rule id met, from its first finding.
    static func rules(of results: [InputResult]) -> [Rule] {
        var seen = Set<String>()
        var rules: [Rule] = []
        for finding in results.lazy.flatMap(\.certificates).flatMap(\.findings) where seen.insert(finding.ruleId).inserted {
            let url = finding.citation.hasPrefix("https://") || finding.citation.hasPrefix("http://") ? finding.citation : nil
            rules.append(
                Rule(
                    id: finding.ruleId, title: finding.title, severity: finding.severity, profile: finding.profile,
                    citations: [Citation(title: finding.citation, url: url)], applies: .always, check: .always,
                    message: (try? MessageTemplate.compile("").get())!, remediation: finding.remediation, examples: RuleExamples(),
                    sourceText: "", file: "(merged report)", line: nil, raisedByPolicy: true))
        }
        return rules.sorted { $0.id < $1.id }
    }

    public func run() throws(ScanSession.Failure) -> ScanSession.Outcome {
        let started = FleetMerge.monotonicSeconds()
        let loaded = load()
        let (channels, writers) = try ScanSession.openOutputs(
            main: main, reports: outputs, settings: ReportFormat.Settings(verbose: verbose, color: false, failOn: failOn),
            colorAllowed: colorAllowed)
        let summary = FleetMerge.write(loaded, to: writers, failOn: failOn, started: started)
        let closeFailures = channels.compactMap { $0.close() }
        let status = closeFailures.isEmpty ? ExitStatus.of(summary, failOn: failOn) : .usage
        return ScanSession.Outcome(summary: summary, status: status, failures: closeFailures)
    }

    /// The fleet report of what was loaded, through every writer; its summary.
    static func write(_ loaded: Loaded, to writers: [ReportWriter], failOn: Severity?, started: Double) -> ScanSummary {
        let hosts = loaded.runs.map(\.host)
        var profiles: [String] = []
        var seenProfiles = Set<String>()
        for profile in hosts.lazy.flatMap(\.profiles) where seenProfiles.insert(profile).inserted {
            profiles.append(profile)
        }
        // The configuration each host applied, for the reports that name it.
        let configurations = hosts.compactMap { host in host.configuration.map { "\(host.name): \($0)" } }
        // Roots that name a file: a result's path is the root itself.
        var fleet = hosts
        let paths = Dictionary(grouping: loaded.results, by: { $0.host ?? "" }).mapValues { Set($0.map(\.path)) }
        for position in fleet.indices {
            fleet[position].fileRoots = Set(fleet[position].roots.filter { paths[fleet[position].name]?.contains($0) ?? false })
        }
        let header = ScanHeader(
            toolVersion: CertAuditVersion.current, inputs: [], profiles: profiles,
            referenceTime: hosts.map(\.referenceTime).max() ?? UnixTime.now(), failOn: failOn, rules: FleetMerge.rules(of: loaded.results),
            configuration: configurations.isEmpty ? nil : configurations.joined(separator: "; "), fleet: fleet)
        writers.forEach { $0.begin(header) }
        var summary = ScanSummary()
        let renderers = writers.map(\.renderer)
        for result in loaded.results + loaded.unreadable {
            for (writer, render) in zip(writers, renderers) {
                writer.write(result, rendered: render(result))
            }
            summary.add(result)
        }
        // Files, rule applications and CRLs as each host counted them (its report lists only the files
        // with something to say, and rule counts only as totals).
        // Each count is bounded when read; their sums saturate (any number of reports may be given).
        func sum(_ left: Int, _ right: Int) -> Int {
            let (total, overflow) = left.addingReportingOverflow(right)
            return overflow ? Int.max : total
        }
        var applications: [String: Int] = [:]
        summary.files = loaded.unreadable.count
        for run in loaded.runs {
            summary.files = sum(summary.files, run.files)
            summary.withHost(run.host.name) { $0.files = sum($0.files, run.files) }
            applications.merge(run.ruleApplications, uniquingKeysWith: sum)
            summary.crlSources += run.crlSources
        }
        let failures = summary.ruleFailures
        summary.ruleApplications = applications
        summary.ruleFailures = failures
        summary.elapsedSeconds = FleetMerge.monotonicSeconds() - started
        writers.forEach { $0.finish(summary) }
        return summary
    }
}
