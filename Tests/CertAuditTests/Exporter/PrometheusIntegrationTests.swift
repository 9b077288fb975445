import Foundation
import Testing
@testable import CertAudit

/// The shipped Prometheus files with a real Prometheus (Debian's package), on 127.0.0.1 only:
/// promtool checks and unit-tests the alert rules; Prometheus, configured from the shipped scrape
/// configuration, scrapes `certaudit serve` on /metrics (a folder with a broken and a good
/// certificate) and through /probe (an `openssl s_server` presenting a broken certificate, found by
/// file_sd); its HTTP API then has the finding series of both and the KeyUsage alert pending.
@Suite(.serialized) struct PrometheusIntegrationTests {
    static let contrib = Fixtures.repositoryRoot + "/contrib/prometheus"

    @Test func alertRulesPassPromtoolAndTheirUnitTests() {
        let check = Fixtures.run("/usr/bin/promtool", ["check", "rules", Self.contrib + "/certaudit-alerts.yml"])
        #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
        let test = Fixtures.run("/usr/bin/promtool", ["test", "rules", Self.contrib + "/certaudit-alerts.test.yml"])
        #expect(test.status == 0, "\(test.stdout)\(test.stderr)")
        #expect(test.stdout.contains("SUCCESS"))
    }

    /// GET of Prometheus's HTTP API, decoded.
    static func api(_ port: Int, _ path: String) -> [String: Any]? {
        let (status, body) = ExporterTests.get("http://127.0.0.1:\(port)" + path)
        guard status == 200 else { return nil }
        return try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any]
    }

    static func results(_ port: Int, query: String) -> [[String: String]] {
        let encoded = query.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? query
        let data = api(port, "/api/v1/query?query=" + encoded)?["data"] as? [String: Any]
        return ((data?["result"] as? [[String: Any]]) ?? []).compactMap { $0["metric"] as? [String: String] }
    }

    @Test func prometheusScrapesMetricsAndProbesAndTheKeyUsageAlertIsPending() throws {
        let folder = try ExporterTests.folderWithBrokenAndGood()
        let exporter = try ExporterTests.Server(["--interval", "1h", folder])
        _ = exporter.waitForScan()
        let (tls, tlsPort) = try TLSEndpointTests.serve(certificate: "veeam/veeam-one-10a.crt", key: "keys/veeam-one-10a.key")
        defer { Fixtures.stop(tls) }

        let work = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: work + "/targets", withIntermediateDirectories: true)
        let target = "tls://127.0.0.1:\(tlsPort)"
        try #"[{"targets": ["\#(target)"], "labels": {"team": "test"}}]"#.write(toFile: work + "/targets/endpoints.json", atomically: true, encoding: .utf8)
        // The shipped scrape configuration, with this test's addresses, paths and a 1 s rhythm.
        var config = try String(contentsOfFile: Self.contrib + "/prometheus.yml", encoding: .utf8)
        for (from, to) in [
            ("scrape_interval: 1m", "scrape_interval: 1s"), ("evaluation_interval: 1m", "evaluation_interval: 1s"),
            ("scrape_interval: 5m", "scrape_interval: 1s"), ("scrape_timeout: 30s", "scrape_timeout: 1s"),
            ("/etc/prometheus/certaudit-alerts.yml", Self.contrib + "/certaudit-alerts.yml"),
            ("/etc/prometheus/certaudit-targets/", work + "/targets/"),
            ("certaudit-host-1.example.com:9793", "127.0.0.1:\(exporter.port)"),
            ("certaudit-prober.example.com:9793", "127.0.0.1:\(exporter.port)"),
        ] {
            #expect(config.contains(from), "the shipped prometheus.yml has no '\(from)'")
            config = config.replacingOccurrences(of: from, with: to)
        }
        try config.write(toFile: work + "/prometheus.yml", atomically: true, encoding: .utf8)
        let checked = Fixtures.run("/usr/bin/promtool", ["check", "config", work + "/prometheus.yml"])
        #expect(checked.status == 0, "\(checked.stdout)\(checked.stderr)")

        let port = TLSEndpointTests.freePort()
        let prometheus = try TLSEndpointTests.start(
            "/usr/bin/prometheus",
            ["--config.file=\(work)/prometheus.yml", "--storage.tsdb.path=\(work)/data", "--web.listen-address=127.0.0.1:\(port)"],
            port: port)
        defer { Fixtures.stop(prometheus) }

        let rule = "browser.ku-lacks-digital-signature"
        var fromMetrics: [[String: String]] = []
        var fromProbe: [[String: String]] = []
        var pending: [[String: Any]] = []
        for _ in 0..<60 {
            fromMetrics = Self.results(port, query: #"certaudit_finding{job="certaudit",rule="\#(rule)"}"#)
            fromProbe = Self.results(port, query: #"certaudit_finding{job="certaudit-probe",rule="\#(rule)"}"#)
            let alerts = ((Self.api(port, "/api/v1/alerts")?["data"] as? [String: Any])?["alerts"] as? [[String: Any]]) ?? []
            pending = alerts.filter { ($0["labels"] as? [String: String])?["alertname"] == "CertauditBrowserIncompatibleKeyUsage" }
            if !fromMetrics.isEmpty && !fromProbe.isEmpty && pending.count >= 2 { break }
            usleep(500_000)
        }
        #expect(fromMetrics.map { $0["path"] } == [folder + "/broken.crt"], "/metrics series: \(fromMetrics)")
        #expect(fromProbe.first?["target"] == target && fromProbe.first?["instance"] == target && fromProbe.first?["team"] == "test",
                "/probe series: \(fromProbe)")
        #expect(Self.results(port, query: #"certaudit_probe_success{instance="\#(target)"} == 1"#).count == 1)
        #expect(Self.results(port, query: #"certaudit_certificate_browser_compatible{job="certaudit"} == 1"#).map { $0["path"] }
                == [folder + "/good.crt"])
        // Both broken certificates raise the shipped KeyUsage alert (pending: it has `for: 5m`).
        let states = Set(pending.compactMap { $0["state"] as? String })
        #expect(pending.count == 2 && !states.isEmpty && states.isSubset(of: ["pending", "firing"]), "alerts: \(pending)")

        // Every query of the shipped Grafana dashboard runs on this Prometheus; the incompatible
        // certificates' table lists the two broken ones, with their KeyUsage.
        let dashboard = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: Fixtures.repositoryRoot + "/contrib/grafana/certaudit-dashboard.json")))
                as? [String: Any])
        let panels = try #require(dashboard["panels"] as? [[String: Any]])
        #expect(panels.count >= 6)
        var tableChecked = false
        for panel in panels {
            for query in (panel["targets"] as? [[String: Any]]) ?? [] {
                let expression = try #require(query["expr"] as? String).replacingOccurrences(of: "$job", with: ".+")
                let encoded = expression.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? expression
                let answer = Self.api(port, "/api/v1/query?query=" + encoded)
                #expect(answer?["status"] as? String == "success", "\(panel["title"] ?? ""): \(expression)")
                if panel["title"] as? String == "Browser-incompatible certificates", panel["type"] as? String == "table" {
                    let rows = ((answer?["data"] as? [String: Any])?["result"] as? [[String: Any]]) ?? []
                    let labels = rows.compactMap { $0["metric"] as? [String: String] }
                    let places: Set<String> = Set(labels.compactMap { (row: [String: String]) -> String? in row["path"] ?? row["target"] })
                    let expected: Set<String> = [folder + "/broken.crt", target]
                    #expect(places == expected)
                    tableChecked = true
                    #expect(labels.allSatisfy { $0["key_usage"] == "keyEncipherment,dataEncipherment" })
                }
            }
        }
        #expect(tableChecked, "the dashboard has its table of browser-incompatible certificates")
    }
}
