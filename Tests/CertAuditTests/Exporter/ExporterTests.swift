import Foundation
import Testing
@testable import CertAudit

/// `certaudit serve` as Prometheus uses it, on 127.0.0.1 only: /metrics of a folder with a broken and
/// a good certificate, /probe of an `openssl s_server` presenting a broken one, every exposition
/// checked by `promtool check metrics`; concurrent scrapes, a probe that runs out of time, bad and
/// refused targets, SIGTERM.
@Suite(.serialized) struct ExporterTests {
    /// A running `certaudit serve` and the port it listens on.
    final class Server {
        let process: Process
        let port: Int
        let stderr: Pipe

        init(_ arguments: [String]) throws {
            process = Process()
            process.executableURL = URL(fileURLWithPath: Fixtures.executable)
            process.arguments = ["serve", "--listen", "127.0.0.1:0"] + arguments
            stderr = Pipe()
            process.standardError = stderr
            process.standardOutput = FileHandle.nullDevice
            process.standardInput = Pipe()
            try process.run()
            // The first line says where it listens (port 0 picked a free one).
            var line = Data()
            let reader = stderr.fileHandleForReading
            while !line.contains(UInt8(ascii: "\n")) {
                let chunk = reader.availableData
                if chunk.isEmpty { break }
                line += chunk
            }
            let text = String(decoding: line, as: UTF8.self)
            let port = text.range(of: #"127\.0\.0\.1:(\d+)/"#, options: .regularExpression).map {
                Int(text[$0].dropFirst("127.0.0.1:".count).dropLast())
            }
            guard let found = port ?? nil else {
                Fixtures.stop(process)
                throw ServeError(description: "serve did not say where it listens: \(text)")
            }
            self.port = found
        }

        struct ServeError: Error, CustomStringConvertible {
            var description: String
        }

        func get(_ path: String, headers: [String: String] = [:]) -> (status: Int, body: String) {
            ExporterTests.get("http://127.0.0.1:\(port)" + path, headers: headers)
        }

        /// Waits until the first scan of the paths is in /metrics.
        func waitForScan() -> String {
            for _ in 0..<100 {
                let (status, body) = get("/metrics")
                if status == 200, body.contains("certaudit_scan_timestamp_seconds ") { return body }
                usleep(100_000)
            }
            return ""
        }

        deinit {
            Fixtures.stop(process)
        }
    }

    /// One HTTP GET with Python's urllib: status and body (an HTTP error status is a result too).
    static func get(_ url: String, headers: [String: String] = [:]) -> (status: Int, body: String) {
        let script = """
            import json, sys, urllib.request, urllib.error
            request = urllib.request.Request(sys.argv[1], headers=json.loads(sys.argv[2]))
            try:
                response = urllib.request.urlopen(request, timeout=30)
                status, body = response.status, response.read()
            except urllib.error.HTTPError as error:
                status, body = error.code, error.read()
            sys.stdout.write(f"{status}\\n"); sys.stdout.flush(); sys.stdout.buffer.write(body)
            """
        let encoded = String(decoding: try! JSONSerialization.data(withJSONObject: headers), as: UTF8.self)
        let result = Fixtures.run("/usr/bin/python3", ["-c", script, url, encoded])
        guard let newline = result.stdout.firstIndex(of: "\n"), let status = Int(result.stdout[..<newline]) else {
            return (0, result.stderr)
        }
        return (status, String(result.stdout[result.stdout.index(after: newline)...]))
    }

    /// `promtool check metrics` on an exposition: exit 0 and no lint problem.
    static func promtoolAccepts(_ exposition: String) -> (Bool, String) {
        let result = Fixtures.run("/usr/bin/promtool", ["check", "metrics"], stdin: Data(exposition.utf8))
        return (result.status == 0 && result.stdout.isEmpty && result.stderr.isEmpty, result.stdout + result.stderr)
    }

    /// The value of the one sample of `name` whose line contains every fragment.
    static func value(_ exposition: String, _ name: String, _ fragments: String...) -> Double? {
        for line in exposition.split(separator: "\n") where line.hasPrefix(name + "{") || line.hasPrefix(name + " ") {
            if fragments.allSatisfy({ line.contains($0) }), let number = line.split(separator: " ").last.flatMap({ Double($0) }) {
                return number
            }
        }
        return nil
    }

    static func folderWithBrokenAndGood() throws -> String {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: folder + "/broken.crt")
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/good.crt")
        return folder
    }

    @Test func metricsOfAFolderNameEachFindingAndPassPromtool() throws {
        let folder = try Self.folderWithBrokenAndGood()
        let server = try Server(["--interval", "1h", "--at", "2026-12-01", folder])
        let metrics = server.waitForScan()
        let (accepted, problems) = Self.promtoolAccepts(metrics)
        #expect(accepted, "promtool: \(problems)")
        // The broken certificate: its finding series, KeyUsage as a label, not browser-compatible.
        let broken = "path=\"\(folder)/broken.crt\""
        #expect(Self.value(metrics, "certaudit_finding", "rule=\"browser.ku-lacks-digital-signature\"", "severity=\"error\"", "profile=\"browser\"", broken) == 1)
        #expect(Self.value(metrics, "certaudit_certificate_info", broken, "key_usage=\"keyEncipherment,dataEncipherment\"", "key_type=\"rsa\"") == 1)
        #expect(Self.value(metrics, "certaudit_certificate_browser_compatible", broken) == 0)
        // The good one: compatible, no finding series.
        let good = "path=\"\(folder)/good.crt\""
        #expect(Self.value(metrics, "certaudit_certificate_browser_compatible", good) == 1)
        #expect(!metrics.split(separator: "\n").contains { $0.hasPrefix("certaudit_finding{") && $0.contains(good) })
        #expect(Self.value(metrics, "certaudit_findings", "rule=\"browser.ku-lacks-digital-signature\"") == 1)
        #expect(Self.value(metrics, "certaudit_certificates") == 2)
        #expect(Self.value(metrics, "certaudit_exporter_scans_total") == 1)
        #expect(Self.value(metrics, "certaudit_build_info", "version=\"\(CertAuditVersion.current)\"") == 1)
        #expect((Self.value(metrics, "certaudit_last_successful_scan_timestamp_seconds") ?? 0) > 0)
        // The index page shows the last scan's HTML report; /healthz answers.
        let page = server.get("/")
        #expect(page.status == 200 && page.body.contains("/metrics") && page.body.contains("broken.crt"))
        #expect(server.get("/healthz") == (200, "ok\n"))
        #expect(server.get("/nothing").status == 404)
    }

    @Test func concurrentScrapesDoNotStartScans() throws {
        let folder = try Self.folderWithBrokenAndGood()
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        let server = try Server(["--interval", "1h", "--cache", cache, folder])
        _ = server.waitForScan()
        #expect(FileManager.default.fileExists(atPath: cache), "the scan of the paths keeps its facts cache")
        // 32 scrapes at once, from 32 threads.
        let script = """
            import sys, threading, urllib.request
            bodies = []
            def scrape():
                bodies.append(urllib.request.urlopen(sys.argv[1], timeout=30).read())
            threads = [threading.Thread(target=scrape) for _ in range(32)]
            [t.start() for t in threads]; [t.join() for t in threads]
            print(len(bodies), len(set(b.count(b"certaudit_certificate_info{") for b in bodies)))
            """
        let result = Fixtures.run("/usr/bin/python3", ["-c", script, "http://127.0.0.1:\(server.port)/metrics"])
        #expect(result.stdout == "32 1\n", "\(result.stderr)")
        let after = server.get("/metrics").body
        #expect(Self.value(after, "certaudit_exporter_scans_total") == 1, "scrapes serve the last scan; they start none")
    }

    @Test func probeScansAServerAndBoundsItsTime() throws {
        let (tls, tlsPort) = try TLSEndpointTests.serve(certificate: "veeam/veeam-one-10a.crt", key: "keys/veeam-one-10a.key")
        defer { Fixtures.stop(tls) }
        let folder = Fixtures.temporaryDirectory()
        let server = try Server(["--interval", "1h", "--probe-allow", "tls://127.0.0.1:*", folder])
        let target = "tls://127.0.0.1:\(tlsPort)"
        let probe = server.get("/probe?target=" + target, headers: ["X-Prometheus-Scrape-Timeout-Seconds": "10"])
        #expect(probe.status == 200)
        let (accepted, problems) = Self.promtoolAccepts(probe.body)
        #expect(accepted, "promtool: \(problems)")
        #expect(Self.value(probe.body, "certaudit_probe_success") == 1)
        #expect(Self.value(probe.body, "certaudit_finding", "rule=\"browser.ku-lacks-digital-signature\"", "target=\"\(target)\"") == 1)
        #expect(Self.value(probe.body, "certaudit_certificate_browser_compatible", "target=\"\(target)\"") == 0)

        // A server that accepts and never answers: the scrape's timeout (2 s, less the margin) bounds it.
        let (silent, silentPort) = try TLSEndpointTests.silentServer()
        defer { Fixtures.stop(silent) }
        let started = Date()
        let stalled = server.get("/probe?target=tls://127.0.0.1:\(silentPort)", headers: ["X-Prometheus-Scrape-Timeout-Seconds": "2"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(stalled.status == 200)
        #expect(Self.value(stalled.body, "certaudit_probe_success") == 0)
        #expect(elapsed < 4, "answered within the scrape timeout: \(elapsed) s")
        #expect(Self.promtoolAccepts(stalled.body).0)
    }

    /// Without inputs the exporter only probes (its /metrics then has its own series and empty scans).
    @Test func badAndRefusedTargetsAreClientErrors() throws {
        let server = try Server(["--interval", "1h", "--probe-allow", "tls://*.example.com:443"])
        let metrics = server.waitForScan()
        #expect(Self.value(metrics, "certaudit_certificates") == 0)
        #expect(Self.promtoolAccepts(metrics).0)
        #expect(server.get("/probe").status == 400)
        for target in ["/etc/passwd", "file:///etc/passwd", "tls://", "tls://host:99999", "gopher://a:70", "tls://10.0.0.0/24:443"] {
            let answer = server.get("/probe?target=" + (target.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? target))
            #expect(answer.status == 400, "\(target): \(answer)")
        }
        let refused = server.get("/probe?target=tls://127.0.0.1:443")
        #expect(refused.status == 403 && refused.body.contains("not allowed"))
    }

    @Test func sigtermStopsTheServer() throws {
        let folder = try Self.folderWithBrokenAndGood()
        let server = try Server(["--interval", "10s", folder])
        _ = server.waitForScan()
        let started = Date()
        kill(server.process.processIdentifier, SIGTERM)
        while server.process.isRunning && Date().timeIntervalSince(started) < 10 {
            usleep(50_000)
        }
        #expect(!server.process.isRunning, "still running 10 s after SIGTERM")
        #expect(server.process.terminationStatus == 0)
    }

    /// SIGTERM while a background scan is under way (held up for 30 s by a server that accepts and never
    /// answers): the exporter stops at once, with status 0, and leaves no half-written facts cache.
    @Test func sigtermDuringAScanStopsTheServerAtOnce() throws {
        let (silent, silentPort) = try TLSEndpointTests.silentServer()
        defer { Fixtures.stop(silent) }
        let folder = try Self.folderWithBrokenAndGood()
        let state = Fixtures.temporaryDirectory()
        let server = try Server(["--interval", "1h", "--timeout", "30", "--cache", state + "/facts.cache", folder, "tls://127.0.0.1:\(silentPort)"])
        var running = false
        for _ in 0..<50 where !running {
            running = Self.value(server.get("/metrics").body, "certaudit_exporter_scan_running") == 1
            usleep(100_000)
        }
        #expect(running, "the first scan never started")
        usleep(500_000)
        // Still scanning: no complete scan to serve yet.
        #expect(!server.get("/metrics").body.contains("certaudit_scan_timestamp_seconds "))
        let started = Date()
        kill(server.process.processIdentifier, SIGTERM)
        while server.process.isRunning && Date().timeIntervalSince(started) < 10 {
            usleep(50_000)
        }
        let elapsed = Date().timeIntervalSince(started)
        #expect(!server.process.isRunning, "still running 10 s after SIGTERM")
        #expect(elapsed < 5, "took \(elapsed) s to stop")
        #expect(server.process.terminationStatus == 0)
        // The cache is written once a scan completes, by rename: nothing of this one is left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: state).isEmpty)
    }

    @Test func badSettingsAreUsageErrors() {
        for arguments in [["--listen", "127.0.0.1"], ["--listen", "::1:80"], ["--listen", "127.0.0.1:70000"], ["--interval", "1s"],
                          ["--interval", "99999999999999999999d"], ["--max-concurrent-probes", "0"]] {
            let result = Fixtures.run(Fixtures.executable, ["serve"] + arguments + [Fixtures.samples + "/tls"])
            #expect(result.status == 2, "\(arguments): \(result.stderr)")
        }
    }
}
