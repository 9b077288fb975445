import CertAudit
import Prometheus

/// What one scan of the exporter needs, as `certaudit scan` would run it (the same pipeline, rules,
/// baseline and waivers), without its outputs: each run keeps its reports in memory.
public struct ScanRecipe: Sendable {
    public var pipeline: AuditPipeline
    public var inputs: [ScanInput]
    public var rules: [Rule]
    public var failOn: Severity?
    public var baselinePath: String?
    public var waivers: [Waiver]
    public var configurationPath: String?
    /// `--at`: every scan judges at this time; nil: at the time it runs (expiry moves on).
    public var fixedTime: UnixTime?

    public init(
        pipeline: AuditPipeline, inputs: [ScanInput], rules: [Rule], failOn: Severity?, baselinePath: String?, waivers: [Waiver],
        configurationPath: String?, fixedTime: UnixTime?
    ) {
        self.pipeline = pipeline
        self.inputs = inputs
        self.rules = rules
        self.failOn = failOn
        self.baselinePath = baselinePath
        self.waivers = waivers
        self.configurationPath = configurationPath
        self.fixedTime = fixedTime
    }

    /// The result of one run: its metrics (text exposition), its HTML report, and its counts.
    public struct Result: Sendable {
        public var metrics: [UInt8]
        public var html: [UInt8]
        public var certificates: Int
        public var unreadable: Int
        public var elapsedSeconds: Double
        public var completedAt: UnixTime
        /// Why the run could not be done or finished (an unreadable baseline, say); empty when it was.
        public var failures: [String]
    }

    /// Runs the scan over `inputs` (default: the recipe's), labelling certificates by `place`.
    public func run(inputs override: [ScanInput]? = nil, place: CertificateMetrics.Place = .path, endpointTimeoutMilliseconds: Int? = nil)
        -> Result
    {
        let now = fixedTime ?? UnixTime.now()
        var pipeline = pipeline
        pipeline.auditor.context.now = now
        if let endpointTimeoutMilliseconds {
            pipeline.endpointTimeoutMilliseconds = endpointTimeoutMilliseconds
        }
        if override != nil {
            pipeline.cachePath = nil  // a probe: the cache belongs to the scans of the paths
        }
        var session = ScanSession(pipeline: pipeline, inputs: override ?? inputs, rules: rules, referenceTime: now, failOn: failOn)
        session.main = nil
        session.baselinePath = baselinePath
        session.waivers = waivers
        session.configurationPath = configurationPath
        let metrics = OutputChannel.memory()
        let html = OutputChannel.memory()
        session.extraWriters = [PrometheusReport(output: metrics, place: place), HTMLReport(output: html)]
        do {
            let outcome = try session.run()
            return Result(
                metrics: metrics.contents(), html: html.contents(), certificates: outcome.summary.certificates,
                unreadable: outcome.summary.unreadable, elapsedSeconds: outcome.summary.elapsedSeconds, completedAt: now,
                failures: outcome.failures)
        } catch {
            return Result(metrics: [], html: [], certificates: 0, unreadable: 0, elapsedSeconds: 0, completedAt: now, failures: [error.description])
        }
    }
}
