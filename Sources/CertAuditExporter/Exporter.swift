import CertAudit
import Foundation
import Hummingbird
import Logging
import Prometheus
import ServiceLifecycle
import Synchronization

/// `certaudit serve`: a Prometheus exporter in the multi-target pattern of blackbox_exporter.
///
/// - `GET /metrics`: the last complete scan of the configured paths (rescanned every `interval` on a
///   thread of its own, one scan at a time, whatever the number of scrapes), plus the exporter's own
///   series: build info, the last successful scan's time, scans done, and whether one runs now.
/// - `GET /probe?target=tls://host:port`: scans that endpoint now, within the scrape's timeout
///   (`X-Prometheus-Scrape-Timeout-Seconds`, less a margin, at most `probeTimeout`), at most
///   `maxConcurrentProbes` at once; the target must be an endpoint (never a file) and match the
///   allow-list when there is one. A probe that runs out of time answers `certaudit_probe_success 0`.
/// - `GET /healthz`; `GET /`: links and the HTML report of the last scan.
/// SIGTERM and SIGINT stop it gracefully (swift-service-lifecycle); a scan under way is abandoned.
public struct Exporter: Sendable {
    public struct Settings: Sendable {
        public var host = "127.0.0.1"
        public var port = 9793
        /// Seconds between the end of one scan and the start of the next.
        public var intervalSeconds = 900.0
        /// Patterns (fnmatch) a probe target must match, as `tls://host:port` or `host:port`; empty:
        /// every endpoint target is allowed.
        public var probeAllow: [String] = []
        public var maxConcurrentProbes = 16
        /// The longest a probe may take, whatever the scrape allows (seconds).
        public var probeTimeoutSeconds = 10.0

        public init() {}
    }

    public var settings: Settings
    public var recipe: ScanRecipe
    /// Called with the address once the server listens (`--listen …:0` picks a free port).
    public var onListening: @Sendable (String, Int) -> Void = { _, _ in }

    public init(settings: Settings, recipe: ScanRecipe) {
        self.settings = settings
        self.recipe = recipe
    }

    static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public func run() async throws {
        var logger = Logger(label: "certaudit.serve")
        logger.logLevel = .warning
        let state = ExporterState()
        let loop = ScanLoop(recipe: recipe, intervalSeconds: settings.intervalSeconds, state: state)
        let probes = ProbeRunner(recipe: recipe, settings: settings)
        let router = Router()
        router.get("/metrics") { _, _ -> Response in
            var body = state.snapshot()?.metrics ?? []
            body += state.health()
            return Self.text(body, contentType: Self.contentType)
        }
        router.get("/probe") { request, _ -> Response in
            let timeout = request.headers[.init("X-Prometheus-Scrape-Timeout-Seconds")!].flatMap(Double.init)
            let outcome = await probes.probe(request.uri.queryParameters.get("target"), scrapeTimeout: timeout)
            switch outcome {
            case .metrics(let bytes): return Self.text(bytes, contentType: Self.contentType)
            case .refused(let status, let why): return Self.text(Array((why + "\n").utf8), status: status)
            }
        }
        router.get("/healthz") { _, _ -> Response in
            Self.text(Array("ok\n".utf8))
        }
        router.get("/") { _, _ -> Response in
            Self.text(Self.page(state.snapshot()), contentType: "text/html; charset=utf-8")
        }
        let onListening = onListening
        let host = settings.host
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: settings.port), serverName: "certaudit/\(CertAuditVersion.current)"),
            services: [loop],
            onServerRunning: { channel in onListening(host, channel.localAddress?.port ?? 0) },
            logger: logger)
        try await app.runService(gracefulShutdownSignals: [.sigterm, .sigint])
    }

    static func text(_ bytes: [UInt8], status: HTTPResponse.Status = .ok, contentType: String = "text/plain; charset=utf-8") -> Response {
        Response(status: status, headers: [.contentType: contentType], body: .init(byteBuffer: ByteBuffer(bytes: bytes)))
    }

    /// The index page: links, the last scan's time, and its HTML report below.
    static func page(_ snapshot: ScanRecipe.Result?) -> [UInt8] {
        var nav = "<nav style=\"font-family:sans-serif;padding:.5em;border-bottom:1px solid #ccc\">certaudit \(CertAuditVersion.current) exporter · "
        nav += "<a href=\"/metrics\">/metrics</a> · <a href=\"/probe?target=tls://127.0.0.1:443\">/probe?target=…</a> · <a href=\"/healthz\">/healthz</a> · "
        guard let snapshot else {
            return Array(("<!doctype html><html><body>" + nav + "no scan has finished yet</nav></body></html>\n").utf8)
        }
        nav += "last scan \(snapshot.completedAt.iso8601)</nav>"
        let html = snapshot.html
        let marker = Array("<body>".utf8)
        guard let at = html.firstRange(of: marker) else { return Array(nav.utf8) + html }
        return Array(html[..<at.upperBound]) + Array(nav.utf8) + Array(html[at.upperBound...])
    }
}

/// The last complete scan and the exporter's own counts, shared by the scan thread and the handlers.
final class ExporterState: Sendable {
    private struct Values {
        var last: ScanRecipe.Result?
        var lastSuccess: UnixTime?
        var scans = 0
        var failedScans = 0
        var running = false
    }

    private let values = Mutex(Values())

    func snapshot() -> ScanRecipe.Result? {
        values.withLock { $0.last }
    }

    func started() {
        values.withLock { $0.running = true }
    }

    func finished(_ result: ScanRecipe.Result) {
        values.withLock { values in
            values.running = false
            values.scans += 1
            if result.failures.isEmpty {
                values.last = result
                values.lastSuccess = result.completedAt
            } else {
                values.failedScans += 1
            }
        }
    }

    /// The exporter's own series (a registry of their own, emitted after the scan's).
    func health() -> [UInt8] {
        let current = values.withLock { $0 }
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(name: "certaudit_build_info", labels: [("version", CertAuditVersion.current)], help: "certaudit's version; always 1.")
            .set(to: 1)
        registry.makeGauge(
            name: "certaudit_last_successful_scan_timestamp_seconds", help: "When the last complete scan of the paths ran (Unix time); 0 before the first."
        ).set(Int64(current.lastSuccess?.seconds ?? 0))
        registry.makeCounter(name: "certaudit_exporter_scans_total", help: "Scans of the paths run since the exporter started.")
            .increment(by: Int64(current.scans))
        registry.makeCounter(name: "certaudit_exporter_scan_failures_total", help: "Scans of the paths that could not be completed.")
            .increment(by: Int64(current.failedScans))
        registry.makeGauge(name: "certaudit_exporter_scan_running", help: "1 while a scan of the paths runs.").set(to: current.running ? 1 : 0)
        return registry.emitToBuffer()
    }
}

/// Scans the paths on a thread of its own: one scan, then `interval`, then the next, until shutdown.
struct ScanLoop: Service {
    let recipe: ScanRecipe
    let intervalSeconds: Double
    let state: ExporterState

    func run() async throws {
        let stop = DispatchSemaphore(value: 0)
        let recipe = recipe
        let state = state
        let interval = intervalSeconds
        let thread = Thread {
            repeat {
                state.started()
                state.finished(recipe.run())
            } while stop.wait(timeout: .now() + interval) == .timedOut
        }
        thread.stackSize = 8 << 20
        thread.start()
        // Until SIGTERM/SIGINT; then the thread stops after its scan, or dies with the process.
        try? await gracefulShutdown()
        stop.signal()
    }
}

/// Probes one endpoint per request: validates the target, bounds concurrency and time.
final class ProbeRunner: Sendable {
    enum Outcome: Sendable {
        case metrics([UInt8])
        case refused(HTTPResponse.Status, String)
    }

    private let recipe: ScanRecipe
    private let settings: Exporter.Settings
    private let running = Mutex(0)

    init(recipe: ScanRecipe, settings: Exporter.Settings) {
        self.recipe = recipe
        self.settings = settings
    }

    /// The allow-list check: the target as given and its `host:port` are matched (fnmatch).
    static func allowed(_ endpoint: TLSEndpoint, patterns: [String]) -> Bool {
        guard !patterns.isEmpty else { return true }
        let hostPort = endpoint.host.contains(":") ? "[\(endpoint.host)]:\(endpoint.port)" : "\(endpoint.host):\(endpoint.port)"
        return patterns.contains { fnmatch($0, endpoint.display, 0) == 0 || fnmatch($0, hostPort, 0) == 0 }
    }

    func probe(_ target: String?, scrapeTimeout: Double?) async -> Outcome {
        guard let target, !target.isEmpty else {
            return .refused(.badRequest, "missing target: /probe?target=tls://host:port")
        }
        // One endpoint, never a file or a range: the input parser of scan says which it is.
        guard target.utf8.count <= 1024, target.contains("://"), case .endpoint(let endpoint)? = try? ScanInput(argument: target) else {
            return .refused(.badRequest, "bad target '\(TerminalText.escape(String(target.prefix(200))))': SCHEME://HOST[:PORT] with a scheme of \(TLSEndpoint.Service.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        guard Self.allowed(endpoint, patterns: settings.probeAllow) else {
            return .refused(.forbidden, "target \(endpoint.display) is not allowed (--probe-allow)")
        }
        let admitted = running.withLock { count in
            guard count < settings.maxConcurrentProbes else { return false }
            count += 1
            return true
        }
        guard admitted else {
            return .refused(.serviceUnavailable, "too many probes at once (at most \(settings.maxConcurrentProbes))")
        }
        defer { running.withLock { $0 -= 1 } }
        // Prometheus's scrape timeout, less half a second for the answer, within [1 s, probeTimeout].
        let seconds = min(max((scrapeTimeout ?? settings.probeTimeoutSeconds) - 0.5, 1), settings.probeTimeoutSeconds)
        let started = DispatchTime.now()
        let recipe = recipe
        let result: ScanRecipe.Result? = await withCheckedContinuation { continuation in
            let once = Once(continuation)
            let thread = Thread {
                once.resume(recipe.run(inputs: [.endpoint(endpoint)], place: .target, endpointTimeoutMilliseconds: Int(seconds * 1000)))
            }
            thread.stackSize = 8 << 20
            thread.start()
            // The endpoint's own deadline bounds the probe; this is the backstop for everything else.
            DispatchQueue.global().asyncAfter(deadline: .now() + seconds + 0.25) { once.resume(nil) }
        }
        let elapsed = Double(DispatchTime.now().uptimeNanoseconds - started.uptimeNanoseconds) / 1e9
        let success = result.map { $0.failures.isEmpty && $0.unreadable == 0 && $0.certificates > 0 } ?? false
        let registry = PrometheusCollectorRegistry()
        registry.makeGauge(name: "certaudit_probe_success", help: "1 when the endpoint was reached and its certificates read, else 0.")
            .set(to: success ? 1 : 0)
        registry.makeGauge(name: "certaudit_probe_duration_seconds", help: "How long the probe took.").set(elapsed)
        registry.makeGauge(name: "certaudit_probe_timed_out", help: "1 when the probe ran out of time.").set(to: result == nil ? 1 : 0)
        return .metrics((result?.metrics ?? []) + registry.emitToBuffer())
    }
}

/// Resumes a continuation once, whichever of the probe and its backstop comes first.
private final class Once<Value: Sendable>: Sendable {
    private let continuation: Mutex<CheckedContinuation<Value, Never>?>

    init(_ continuation: CheckedContinuation<Value, Never>) {
        self.continuation = Mutex(continuation)
    }

    func resume(_ value: Value) {
        continuation.withLock { stored in
            stored?.resume(returning: value)
            stored = nil
        }
    }
}
