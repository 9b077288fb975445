/// What every report knows before the first file: the run's settings and the rules in force.
public struct ScanHeader: Sendable {
    public var toolVersion: String
    public var roots: [String]
    public var profiles: [String]
    public var referenceTime: UnixTime
    public var failOn: Severity?
    public var rules: [Rule]

    public init(toolVersion: String, roots: [String], profiles: [String], referenceTime: UnixTime, failOn: Severity?, rules: [Rule]) {
        self.toolVersion = toolVersion
        self.roots = roots
        self.profiles = profiles
        self.referenceTime = referenceTime
        self.failOn = failOn
        self.rules = rules
    }
}

/// A report format: receives file results in order as the scan produces them, then the summary.
public protocol ReportWriter: AnyObject {
    func begin(_ header: ScanHeader)
    func write(_ report: FileReport)
    func finish(_ summary: ScanSummary)
}
