/// Prometheus text exposition for node_exporter's textfile collector: the same series as
/// `certaudit serve` exposes on /metrics (`CertificateMetrics`: per certificate its info, notAfter and
/// browser verdict, one series per finding that counts, totals by rule and severity, the scan's time,
/// duration and unreadable inputs; no key material), written when the scan ends.
public final class PrometheusReport: ReportWriter {
    private let output: OutputChannel
    private var metrics: CertificateMetrics
    private var header: ScanHeader?

    /// `place`: label certificates by `path` (files) or by `target` (an endpoint probed).
    public init(output: OutputChannel, place: CertificateMetrics.Place = .path) {
        self.output = output
        self.metrics = CertificateMetrics(place: place)
    }

    public func begin(_ header: ScanHeader) {
        self.header = header
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        { _ in [] }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        metrics.add(report)
    }

    public func finish(_ summary: ScanSummary) {
        output.write(bytes: metrics.exposition(summary, at: header?.referenceTime ?? UnixTime.now()))
    }
}
