import Foundation
import Testing
@testable import CertAudit

/// Many endpoints at once: `--targets` in the three inventory formats, CIDR ranges (loopback only), the
/// concurrency bound, and servers that never answer, reset or send garbage, all in one scan whose
/// results stream into the reports like files.
@Suite(.serialized) struct TargetsTests {
    @Test func targetFilesInEveryFormatParse() throws {
        let lines = TargetList.parse(
            Array("# fleet\ntls://a.example:8443\n\nb.example:443   # comment\nsmtp://mail.example\nc.example\nftp://bad host\n".utf8),
            source: "t.txt")
        #expect(lines.map(\.description) == ["tls://a.example:8443", "tls://b.example:443", "smtp://mail.example:25", "tls://c.example:443", "t.txt:7"])
        guard case .invalidTarget(let bad) = lines.last else { Issue.record("the bad line is kept"); return }
        #expect(bad.text == "ftp://bad host")

        let fileSD = TargetList.parse(
            Array(#"[{"targets": ["10.0.0.1:443", "imap://10.0.0.2"], "labels": {"job": "x"}}, {"targets": ["m.example:587"], "labels": {"scheme": "submission"}}]"#.utf8),
            source: "sd.json")
        #expect(fileSD.map(\.description) == ["tls://10.0.0.1:443", "imap://10.0.0.2:143", "submission://m.example:587"])

        let nmap = """
            # Nmap 7.93 scan initiated Wed Dec  2 10:00:00 2026 as: nmap -oG - 127.0.0.1
            Host: 127.0.0.1 (localhost)\tStatus: Up
            Host: 127.0.0.1 (localhost)\tPorts: 22/open/tcp//ssh///, 25/open/tcp//smtp///, 443/open/tcp//https///, 8443/open/tcp//ssl|http///, 993/closed/tcp//imaps///\tIgnored State: closed (996)
            # Nmap done at Wed Dec  2 10:00:01 2026 -- 1 IP address (1 host up) scanned in 0.05 seconds
            """
        #expect(TargetList.format(of: Array(nmap.utf8)) == .nmap)
        // A lines file that starts like the others is still a lines file; a BOM is not part of line 1.
        #expect(TargetList.parse(Array("[2001:db8::1]:443\nb.example\n".utf8), source: "v6.txt").map(\.description) == ["tls://[2001:db8::1]:443", "tls://b.example:443"])
        #expect(TargetList.parse(Array("# Nmap hosts, by hand\nb.example\n".utf8), source: "c.txt").map(\.description) == ["tls://b.example:443"])
        #expect(TargetList.parse([0xef, 0xbb, 0xbf] + Array("b.example:8443\n".utf8), source: "bom.txt").map(\.description) == ["tls://b.example:8443"])
        #expect(TargetList.parse(Array("Host: 10.0.0.9 (dc01)\tPorts: 636/open/tcp//ldapssl///\n".utf8), source: "g").map(\.description) == ["tls://10.0.0.9:636?sni=dc01"])
        #expect(TargetList.parse(Array(nmap.utf8), source: "n.gnmap").map(\.description) == [
            "smtp://127.0.0.1:25?sni=localhost", "tls://127.0.0.1:443?sni=localhost", "tls://127.0.0.1:8443?sni=localhost",
        ])
    }

    @Test func rangesExpandAndAreBounded() throws {
        let range = try #require(EndpointRange(argument: "tls://127.0.0.5/28:8443"))
        #expect(range.count == 16)
        #expect(range.endpoint(at: 0).display == "tls://127.0.0.0:8443")
        #expect(range.endpoint(at: 15).display == "tls://127.0.0.15:8443")
        #expect(throws: ScanInput.ArgumentError.self) { try ScanInput(argument: "tls://10.0.0.0/8") }
        #expect(throws: ScanInput.ArgumentError.self) { try ScanInput(argument: "gopher://10.0.0.1") }
        // Misshapen ranges and non-decimal addresses are refused, not read as one address.
        for bad in ["tls://10.0.0.0:443/24", "tls://10.0.0.0/24:https", "tls://10.0.0/24", "tls://[2001:db8::]/120",
                    "tls://10.0.0.0/24:99999999999999999999", "tls://010.0.0.1", "tls://10.0.1:443"] {
            #expect(throws: ScanInput.ArgumentError.self, "\(bad)") { try ScanInput(argument: bad) }
        }
        #expect(try ScanInput(argument: "https://10.0.0.0/30") == .endpointRange(EndpointRange(argument: "tls://10.0.0.0/30")!))
        #expect(try ScanInput(argument: "https://10.0.0.1/index.html") == .endpoint(TLSEndpoint(service: .tls, host: "10.0.0.1", port: 443)))
    }

    /// A Python server on one loopback port that misbehaves in `mode`: silent, reset, garbage.
    static func rude(_ mode: String) throws -> (Process, Int) {
        let port = TLSEndpointTests.freePort()
        let script = """
            import socket, struct, threading, time, os
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', \(port))); s.listen(64)
            def serve(c):
                try:
                    if '\(mode)' == 'silent':
                        time.sleep(60)
                    elif '\(mode)' == 'reset':
                        c.recv(4096); c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    else:
                        c.sendall(os.urandom(3000)); time.sleep(60)
                finally:
                    c.close()
            while True:
                c = s.accept()[0]
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            """
        return (try TLSEndpointTests.start("/usr/bin/python3", ["-c", script], port: port), port)
    }

    @Test func aFleetScanStreamsEveryEndpointWithinItsDeadline() throws {
        let folder = Fixtures.temporaryDirectory()
        var servers: [Process] = []
        defer { servers.forEach(Fixtures.stop) }
        var ports: [Int] = []
        for (certificate, key) in [("tls/good-rsa.crt", "keys/good-rsa.key"), ("veeam/veeam-one-10a.crt", "keys/veeam-one-10a.key"), ("tls/good-ec-p256.crt", "keys/good-ec-p256.key")] {
            let (server, port) = try TLSEndpointTests.serve(certificate: certificate, key: key)
            servers.append(server)
            ports.append(port)
        }
        var rude: [String: Int] = [:]
        for mode in ["silent", "reset", "garbage"] {
            let (server, port) = try Self.rude(mode)
            servers.append(server)
            rude[mode] = port
        }
        // The same fleet in the three formats, with a bad line and a file on the command line.
        Fixtures.write(
            "# three good servers and three bad ones\n" + ports.map { "127.0.0.1:\($0)\n" }.joined()
                + ["silent", "reset", "garbage"].map { "tls://127.0.0.1:\(rude[$0]!)\n" }.joined() + "not a target\n",
            to: folder + "/targets.txt")
        Fixtures.write(
            "[{\"targets\": [" + (ports + ["silent", "reset", "garbage"].map { rude[$0]! }).map { "\"127.0.0.1:\($0)\"" }.joined(separator: ", ")
                + "], \"labels\": {\"job\": \"tls\"}}]",
            to: folder + "/targets.json")
        Fixtures.write(
            "# Nmap 7.93 scan\nHost: 127.0.0.1 ()\tPorts: " + ports.map { "\($0)/open/tcp//https///" }.joined(separator: ", ") + ", "
                + ["silent", "reset", "garbage"].map { "\(rude[$0]!)/open/tcp//ssl|http///" }.joined(separator: ", ") + "\n",
            to: folder + "/targets.gnmap")
        for file in ["targets.txt", "targets.json", "targets.gnmap"] {
            let started = Date()
            let scan = Fixtures.run(
                Fixtures.executable,
                ["scan", "--format", "json", "--timeout", "3", "--concurrency", "4", "--targets", folder + "/" + file,
                 Fixtures.samples + "/tls/good-rsa.crt"])
            let elapsed = Date().timeIntervalSince(started)
            let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(file): \(scan.stderr)")
            let certificates = try #require(json["certificates"] as? [[String: Any]])
            let errors = try #require(json["errors"] as? [[String: Any]])
            let paths = Set(certificates.compactMap { $0["path"] as? String })
            #expect(paths == Set(ports.map { "tls://127.0.0.1:\($0)" } + [Fixtures.samples + "/tls/good-rsa.crt"]), "\(file): \(paths)")
            let byPath = Dictionary(errors.map { ($0["path"] as? String ?? "", $0["code"] as? String ?? "") }, uniquingKeysWith: { a, _ in a })
            #expect(byPath["tls://127.0.0.1:\(rude["silent"]!)"] == "tls.timeout", "\(file): \(byPath)")
            #expect(byPath["tls://127.0.0.1:\(rude["reset"]!)"] == "tls.handshake", "\(file): \(byPath)")
            #expect(byPath["tls://127.0.0.1:\(rude["garbage"]!)"].map { ["tls.handshake", "tls.timeout"].contains($0) } == true, "\(file): \(byPath)")
            if file == "targets.txt" {
                #expect(byPath[folder + "/targets.txt:8"] == "target.invalid", "\(byPath)")
            }
            // The veeam server's verdict is there, the silent and garbage ones took one deadline each,
            // read side by side (4 at a time), not one after the other.
            let veeam = certificates.first { $0["path"] as? String == "tls://127.0.0.1:\(ports[1])" }
            let veeamRules = Set(((veeam?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
            #expect(veeamRules.contains("browser.ku-lacks-digital-signature"), "\(veeamRules)")
            #expect(scan.status == 3, "unreadable endpoints: exit 3")
            #expect(elapsed < 5.5, "\(file): \(elapsed) s for deadlines of 3 s read in parallel")
        }
    }

    @Test func endpointResultsGoIntoBaselinesHistoryAndEveryReport() throws {
        // A broken server and a good one, read through --targets: a baseline makes the next scan pass,
        // the history records and compares them, and SARIF and JUnit name each endpoint.
        let folder = Fixtures.temporaryDirectory()
        let (broken, brokenPort) = try TLSEndpointTests.serve(certificate: "veeam/veeam-one-10a.crt", key: "keys/veeam-one-10a.key")
        defer { Fixtures.stop(broken) }
        let (good, goodPort) = try TLSEndpointTests.serve(certificate: "tls/good-ec-p256.crt", key: "keys/good-ec-p256.key")
        defer { Fixtures.stop(good) }
        Fixtures.write("tls://127.0.0.1:\(brokenPort)\ntls://127.0.0.1:\(goodPort)\n", to: folder + "/fleet.txt")
        let targets = ["--targets", folder + "/fleet.txt", "--at", "2026-12-01"]
        let baseline = folder + "/baseline.json"
        #expect(Fixtures.run(Fixtures.executable, ["baseline", "create", "--output", baseline] + targets).status == 0)
        #expect(Fixtures.run(Fixtures.executable, ["scan"] + targets).status == 1)
        #expect(Fixtures.run(Fixtures.executable, ["scan", "--baseline", baseline] + targets).status == 0, "baselined endpoint findings")

        let history = folder + "/history.sqlite"
        let sarif = folder + "/report.sarif"
        let junit = folder + "/report.xml"
        let scan = Fixtures.run(
            Fixtures.executable, ["scan", "--history", history, "--report", "sarif:" + sarif, "--report", "junit:" + junit] + targets)
        #expect(scan.status == 1)
        let report = Fixtures.run(Fixtures.executable, ["report", "--history", history, "--format", "json", "--at", "2026-12-01"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any], "\(report.stderr)")
        #expect((json["latest"] as? [String: Any])?["certificates"] as? Int == 2, "\(json)")
        let errors = (json["newFindings"] as? [[String: Any]] ?? []).filter { $0["severity"] as? String == "error" }
        #expect(Set(errors.compactMap { $0["path"] as? String }) == ["tls://127.0.0.1:\(brokenPort)"], "\(json)")
        #expect(Set(errors.compactMap { $0["ruleId"] as? String }).contains("browser.ku-lacks-digital-signature"))
        let sarifText = try String(contentsOfFile: sarif, encoding: .utf8)
        #expect(sarifText.contains("tls://127.0.0.1:\(brokenPort)") && sarifText.contains("browser.ku-lacks-digital-signature"))
        let junitText = try String(contentsOfFile: junit, encoding: .utf8)
        #expect(junitText.contains("tls://127.0.0.1:\(brokenPort)"))
        let validate = Fixtures.run(Fixtures.sarifKit, ["validate", sarif])
        #expect(validate.status == 0, "the official SARIF schema: \(validate.stdout)\(validate.stderr)")
    }

    @Test func aLoopbackRangeFindsItsServersAndSkipsTheRest() throws {
        let (server, port) = try TLSEndpointTests.serve(certificate: "tls/good-rsa.crt", key: "keys/good-rsa.key")
        defer { Fixtures.stop(server) }
        let scan = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--timeout", "3", "tls://127.0.0.0/28:\(port)"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(Set(certificates.compactMap { $0["path"] as? String }) == ["tls://127.0.0.1:\(port)"])
        let skipped = try #require(json["skipped"] as? [[String: Any]])
        #expect(skipped.count == 15, "the other 15 addresses have no server: \(skipped)")
        #expect((json["errors"] as? [Any])?.isEmpty == true)
        #expect(scan.status == 0, "\(scan.stdout)")
    }
}
