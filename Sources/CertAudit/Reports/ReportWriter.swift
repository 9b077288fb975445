/// What every report knows before the first file: the run's settings and the rules in force.
public struct ScanHeader: Sendable {
    public var toolVersion: String
    public var inputs: [ScanInput]
    /// The inputs as named: paths, `-`, `tls://host:port`; in a fleet report, `host:input` for each host's.
    public var roots: [String] {
        fleet.map { hosts in hosts.flatMap { host in host.roots.map { "\(host.name):\($0)" } } } ?? inputs.map(\.description)
    }
    public var profiles: [String]
    public var referenceTime: UnixTime
    public var failOn: Severity?
    public var rules: [Rule]
    /// The `--baseline` in use, to report entries that no longer occur.
    public var baseline: Baseline?
    /// The configuration file that was applied (found in the scanned folder, or `--config`); nil for none.
    public var configuration: String?
    /// The machine the scan ran on (the JSON report's `host`, which `certaudit merge` groups by).
    public var host: String?
    /// A fleet report (`certaudit merge`): the scans it joins, one per host, in the order given.
    public var fleet: [FleetHost]?

    public init(
        toolVersion: String, inputs: [ScanInput], profiles: [String], referenceTime: UnixTime, failOn: Severity?, rules: [Rule],
        baseline: Baseline? = nil, configuration: String? = nil, host: String? = nil, fleet: [FleetHost]? = nil
    ) {
        self.toolVersion = toolVersion
        self.inputs = inputs
        self.profiles = profiles
        self.referenceTime = referenceTime
        self.failOn = failOn
        self.rules = rules
        self.baseline = baseline
        self.configuration = configuration
        self.host = host
        self.fleet = fleet
    }

    /// Baseline entries the scan did not meet again (fixed, or the certificate is gone).
    public func staleBaselineEntries(_ summary: ScanSummary) -> [Baseline.Entry] {
        guard let baseline else { return [] }
        return baseline.entries.keys.sorted().filter { !summary.baselineMatches.contains($0) }.map { baseline.entries[$0]! }
    }
}

/// One host's scan in a fleet report: what its JSON report said about the run.
public struct FleetHost: Sendable, Hashable {
    public var name: String
    public var toolVersion: String
    public var referenceTime: UnixTime
    public var roots: [String]
    public var profiles: [String]
    public var configuration: String?
    /// Roots that name a file rather than a folder (SARIF locates paths under a root's folder).
    public var fileRoots: Set<String>

    public init(
        name: String, toolVersion: String, referenceTime: UnixTime, roots: [String], profiles: [String], configuration: String? = nil,
        fileRoots: Set<String> = []
    ) {
        self.name = name
        self.toolVersion = toolVersion
        self.referenceTime = referenceTime
        self.roots = roots
        self.profiles = profiles
        self.configuration = configuration
        self.fileRoots = fileRoots
    }
}

/// A report format. Each file's part is rendered by `renderer` on the scan's worker threads (so it may
/// only read values captured when it was made); `write` then receives every file's report and its
/// rendered bytes in walk order, on one thread; `finish` closes the report with the summary.
public protocol ReportWriter: AnyObject {
    func begin(_ header: ScanHeader)
    var renderer: @Sendable (InputResult) -> [UInt8] { get }
    func write(_ report: InputResult, rendered: [UInt8])
    func finish(_ summary: ScanSummary)
}
