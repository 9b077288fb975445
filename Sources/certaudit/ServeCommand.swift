import ArgumentParser
import CertAudit
import CertAuditExporter
import Dispatch

#if canImport(Glibc)
    import Glibc
#endif

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Serve Prometheus metrics: of the given paths (rescanned in the background) and of endpoints probed on demand.",
        discussion: """
            GET /metrics: the last complete scan of the inputs, rescanned every --interval, plus the exporter's \
            own series. GET /probe?target=tls://host:port (or smtp://, imap://… as scan takes them): scans that \
            endpoint now, within Prometheus's X-Prometheus-Scrape-Timeout-Seconds. GET /healthz, and GET / with \
            the HTML report of the last scan. Settings, rules, baseline and waivers as for scan. Without inputs \
            it only probes. Stops on SIGTERM or SIGINT.
            """
    )

    @OptionGroup var options: ScanOptions

    @Option(help: ArgumentHelp("Address and port to listen on (IPv6 in brackets; port 0 picks a free one).", valueName: "ADDR:PORT"))
    var listen = "127.0.0.1:9793"

    @Option(help: ArgumentHelp("Time between the end of one scan of the inputs and the next: 30s, 15m, 1h (10s to 7d).", valueName: "duration"))
    var interval = "15m"

    @Option(
        name: .customLong("probe-allow"),
        help: ArgumentHelp(
            "Only probe targets matching this pattern (repeatable; fnmatch on tls://host:port or host:port). Default: any endpoint.",
            valueName: "pattern"))
    var probeAllow: [String] = []

    @Option(help: ArgumentHelp("Probes run at once; more are answered 503 (1-1024).", valueName: "n"))
    var maxConcurrentProbes = 16

    @Option(help: "Findings recorded in this baseline (certaudit baseline create) do not count.")
    var baseline: String?

    @Option(
        help: ArgumentHelp(
            "Keep what each file held in FILE and reuse it in the next scans for files that did not change (as scan --cache).",
            valueName: "FILE"))
    var cache: String?

    func validate() throws {
        guard Self.listenAddress(listen) != nil else {
            throw ValidationError("--listen takes ADDR:PORT, e.g. 127.0.0.1:9793 or [::1]:9793, port 0-65535 (got '\(listen)')")
        }
        guard let seconds = Self.seconds(interval), (10...604_800).contains(seconds) else {
            throw ValidationError("--interval takes a duration from 10s to 7d, e.g. 30s, 15m, 1h (got '\(interval)')")
        }
        try NumericLimits.validate(maxConcurrentProbes, 1...1024, "--max-concurrent-probes")
        for pattern in probeAllow where pattern.isEmpty || pattern.utf8.count > 1024 {
            throw ValidationError("--probe-allow takes a pattern of 1 to 1024 bytes")
        }
    }

    /// `host:port` or `[v6]:port` with port 0…65535.
    static func listenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65_535).contains(port) else { return nil }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = String(host.dropFirst().dropLast())
        } else if host.contains(":") {
            return nil
        }
        return host.isEmpty ? nil : (host, port)
    }

    /// `90`, `90s`, `15m`, `1h`, `1d` as seconds; nil for anything else or an overflow.
    static func seconds(_ text: String) -> Int? {
        SuffixedNumber.parse(text, units: ["s": 1, "m": 60, "h": 3_600, "d": 86_400])
    }

    func run() throws {
        let prepared = try options.prepare()
        let (host, port) = Self.listenAddress(listen)!
        var settings = Exporter.Settings()
        settings.host = host
        settings.port = port
        settings.intervalSeconds = Double(Self.seconds(interval)!)
        settings.probeAllow = probeAllow
        settings.maxConcurrentProbes = maxConcurrentProbes
        settings.probeTimeoutSeconds = Double(options.input.timeout)
        var pipeline = prepared.pipeline
        pipeline.cachePath = cache
        let recipe = ScanRecipe(
            pipeline: pipeline, inputs: prepared.inputs, rules: prepared.rules, failOn: nil,
            baselinePath: baseline ?? prepared.configuration?.baseline, waivers: prepared.configuration?.waivers ?? [],
            configurationPath: prepared.configurationPath, fixedTime: options.clock.at)
        var exporter = Exporter(settings: settings, recipe: recipe)
        exporter.onListening = { host, port in
            let shown = host.contains(":") ? "[\(host)]" : host
            printError("serve: listening on http://\(shown):\(port)/ (metrics, probe, healthz)")
        }
        // SIGTERM and SIGINT stop the server; a parent that blocked them (a test runner, a shell's
        // background job) must not make it unstoppable.
        var signals = sigset_t()
        sigemptyset(&signals)
        sigaddset(&signals, SIGTERM)
        sigaddset(&signals, SIGINT)
        pthread_sigmask(SIG_UNBLOCK, &signals, nil)
        let server = exporter
        Task.detached {
            do {
                try await server.run()
                // A scan stopped half-way leaves no temporary report or cache behind.
                TemporaryFiles.removeAll()
                Glibc.exit(ExitStatus.clean.rawValue)
            } catch {
                printError("serve: \(error)")
                TemporaryFiles.removeAll()
                Glibc.exit(ExitStatus.usage.rawValue)
            }
        }
        dispatchMain()
    }
}
