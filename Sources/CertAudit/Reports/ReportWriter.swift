/// What every report knows before the first file: the run's settings and the rules in force.
public struct ScanHeader: Sendable {
    public var toolVersion: String
    public var inputs: [ScanInput]
    /// The inputs as named: paths, `-`, `tls://host:port`.
    public var roots: [String] { inputs.map(\.description) }
    public var profiles: [String]
    public var referenceTime: UnixTime
    public var failOn: Severity?
    public var rules: [Rule]
    /// The `--baseline` in use, to report entries that no longer occur.
    public var baseline: Baseline?
    /// The configuration file that was applied (found in the scanned folder, or `--config`); nil for none.
    public var configuration: String?

    public init(
        toolVersion: String, inputs: [ScanInput], profiles: [String], referenceTime: UnixTime, failOn: Severity?, rules: [Rule],
        baseline: Baseline? = nil, configuration: String? = nil
    ) {
        self.toolVersion = toolVersion
        self.inputs = inputs
        self.profiles = profiles
        self.referenceTime = referenceTime
        self.failOn = failOn
        self.rules = rules
        self.baseline = baseline
        self.configuration = configuration
    }

    /// Baseline entries the scan did not meet again (fixed, or the certificate is gone).
    public func staleBaselineEntries(_ summary: ScanSummary) -> [Baseline.Entry] {
        guard let baseline else { return [] }
        return baseline.entries.keys.sorted().filter { !summary.baselineMatches.contains($0) }.map { baseline.entries[$0]! }
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
