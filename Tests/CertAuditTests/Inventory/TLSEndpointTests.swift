import Foundation
import Testing
@testable import CertAudit

/// Live endpoints: a local `openssl s_server` presents a sample chain; a closed port and a server that
/// never answers give per-endpoint errors within the timeout. Loopback only.
@Suite(.serialized) struct TLSEndpointTests {
    static func freePort() -> Int {
        let script = "import socket; s=socket.socket(); s.bind(('127.0.0.1',0)); print(s.getsockname()[1]); s.close()"
        return Int(Fixtures.run("/usr/bin/python3", ["-c", script]).stdout.trimmingCharacters(in: .whitespacesAndNewlines))!
    }

    /// Starts a background process and waits until 127.0.0.1:port accepts connections.
    static func start(_ executable: String, _ arguments: [String], port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        let probe = "import socket,sys,time\nfor _ in range(100):\n  try:\n    socket.create_connection(('127.0.0.1',\(port)),0.2).close(); sys.exit(0)\n  except OSError: time.sleep(0.05)\nsys.exit(1)"
        #expect(Fixtures.run("/usr/bin/python3", ["-c", probe]).status == 0, "server did not start")
        return process
    }

    /// `openssl s_server` on a free loopback port presenting `certificate` (paths absolute or in samples/).
    static func serve(certificate: String, key: String) throws -> (Process, port: Int) {
        func path(_ name: String) -> String { name.hasPrefix("/") ? name : Fixtures.samples + "/" + name }
        let port = freePort()
        let server = try start(
            "/usr/bin/openssl",
            ["s_server", "-accept", "127.0.0.1:\(port)", "-quiet", "-cert", path(certificate), "-key", path(key)], port: port)
        return (server, port)
    }

    /// A server on a free loopback port that accepts TCP connections and never says a word.
    static func silentServer() throws -> (Process, port: Int) {
        let port = freePort()
        let server = try start(
            "/usr/bin/python3",
            ["-c", "import socket\ns=socket.socket(); s.bind(('127.0.0.1',\(port))); s.listen(8)\nc=[]\nwhile True:\n  c.append(s.accept()[0])"],
            port: port)
        return (server, port)
    }

    @Test func argumentsParse() {
        #expect(TLSEndpoint(argument: "tls://example.com") == TLSEndpoint(argument: "https://example.com:443/login"))
        #expect(TLSEndpoint(argument: "tls://[::1]:8443")?.display == "tls://[::1]:8443")
        #expect(TLSEndpoint(argument: "tls://host:0") == nil)
        #expect(TLSEndpoint(argument: "/etc/ssl/certs") == nil)
    }

    @Test func presentedChainIsJudged() throws {
        let (server, port) = try Self.serve(certificate: "veeam/veeam-one-10a.crt", key: "keys/veeam-one-10a.key")
        defer { Fixtures.stop(server) }
        let result = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--timeout", "5", "tls://127.0.0.1:\(port)"])
        #expect(result.status == 1, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let certificate = try #require((json["certificates"] as? [[String: Any]])?.first)
        #expect(certificate["path"] as? String == "tls://127.0.0.1:\(port)")
        #expect(certificate["container"] as? String == "tls")
        #expect((certificate["location"] as? String)?.contains("TLSv1.3") == true)
        let original = Fixtures.report(for: Fixtures.samples + "/veeam/veeam-one-10a.crt").certificates[0]
        #expect(certificate["sha256"] as? String == original.facts.sha256)
        let rules = (certificate["findings"] as? [[String: Any]])?.compactMap { $0["ruleId"] as? String } ?? []
        #expect(rules.contains("browser.ku-lacks-digital-signature"))
    }

    @Test func closedPortAndSilentServerAreErrorsWithinTheTimeout() throws {
        let closed = Self.freePort()
        let refused = Fixtures.run(Fixtures.executable, ["scan", "--timeout", "2", "tls://127.0.0.1:\(closed)"])
        #expect(refused.status == 3)
        #expect(refused.stdout.contains("cannot connect"))

        let (silent, port) = try Self.silentServer()
        defer { Fixtures.stop(silent) }
        let started = Date()
        let stalled = Fixtures.run(
            Fixtures.executable, ["scan", "--timeout", "1", "tls://127.0.0.1:\(port)", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(Date().timeIntervalSince(started) < 20, "bounded by the timeout, not hanging")
        #expect(stalled.status == 3)
        #expect(stalled.stdout.contains("TLS handshake failed"))
        #expect(stalled.stdout.contains("2 files, 1 certificates"), "the scan goes on")
    }

    @Test func oneDeadlineBoundsAServerThatDripsBytes() throws {
        // Sends a TLS record header, then one byte every 1.5 s: each read returns within a per-read
        // timeout, so only a deadline for the whole exchange ends it.
        let port = Self.freePort()
        let drip = try Self.start(
            "/usr/bin/python3",
            [
                "-c",
                "import socket,threading,time\ns=socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1); s.bind(('127.0.0.1',\(port))); s.listen(8)\ndef serve(c):\n  try:\n    c.recv(4096); c.sendall(b'\\x16\\x03\\x03\\x40\\x00')\n    while True:\n      time.sleep(1.5); c.sendall(b'\\x02')\n  except OSError: pass\nwhile True:\n  c=s.accept()[0]; threading.Thread(target=serve, args=(c,), daemon=True).start()",
            ], port: port)
        defer { Fixtures.stop(drip) }
        let started = Date()
        let result = Fixtures.run(Fixtures.executable, ["scan", "--timeout", "2", "tls://127.0.0.1:\(port)"])
        let elapsed = Date().timeIntervalSince(started)
        #expect(elapsed < 8, "bounded by --timeout 2 for the whole exchange, took \(elapsed) s")
        #expect(result.status == 3)
        #expect(result.stdout.contains("timed out"), "\(result.stdout)")
    }

    @Test func aPeerThatAnswersGarbageAndResetsDoesNotKillTheProcess() throws {
        // Reads the ClientHello, answers with an HTTP line and resets the connection, twenty times, in
        // process and with SIGPIPE at its default action (as in a program that uses the library without
        // ignoring it): each is a per-endpoint error and nothing ends the process. (Whether the client's
        // alert meets the reset is a race on loopback, so this cannot prove MSG_NOSIGNAL on its own; the
        // shim's socket BIO sends with it on every write.)
        let port = Self.freePort()
        let script = """
            import socket, struct, time
            s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            s.bind(('127.0.0.1', \(port))); s.listen(8)
            while True:
                c = s.accept()[0]
                try:
                    c.recv(4096)
                    c.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack('ii', 1, 0))
                    c.sendall(b'HTTP/1.1 400 Bad Request\\r\\n\\r\\n'); time.sleep(0.05); c.close()
                except OSError:
                    c.close()
            """
        let rude = try Self.start("/usr/bin/python3", ["-c", script], port: port)
        defer { Fixtures.stop(rude) }
        let previous = signal(SIGPIPE, SIG_DFL)
        defer { signal(SIGPIPE, previous) }
        for _ in 0..<20 {
            let decoded = TLSEndpoint(argument: "tls://127.0.0.1:\(port)")!.fetch(timeoutMilliseconds: 2000)
            #expect(decoded.certificates.isEmpty)
            #expect(decoded.problems.map(\.code) == [.tlsHandshake], "\(decoded.problems)")
        }
    }

    @Test func theDeadlineCoversNameResolution() throws {
        // A resolver that never answers: in a private mount namespace, /etc/resolv.conf points at a UDP
        // server on 127.0.0.1 that reads queries and stays silent. glibc would wait 5 s per try; the
        // endpoint's one deadline (--timeout 2) ends the wait. (Needs root, as the tmpfs test does.)
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("nameserver 127.0.0.1\noptions timeout:5 attempts:3\n", to: folder + "/resolv.conf")
        let silent = try Self.startUDP(port: 53)
        defer { Fixtures.stop(silent) }
        let script = "mount --bind \(folder)/resolv.conf /etc/resolv.conf && exec \(Fixtures.executable) scan --timeout 2 tls://stalls.certaudit.invalid:443"
        let started = Date()
        let result = Fixtures.run("/usr/bin/unshare", ["--mount", "--propagation", "private", "/bin/sh", "-c", script])
        let elapsed = Date().timeIntervalSince(started)
        try #require(!result.stderr.contains("Operation not permitted"), "needs root for a mount namespace: \(result.stderr)")
        #expect(result.status == 3, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("cannot resolve stalls.certaudit.invalid: timed out"), "\(result.stdout)")
        #expect(elapsed < 8, "resolution bounded by --timeout 2, took \(elapsed) s")
    }

    /// A UDP server on 127.0.0.1 that reads and never answers.
    static func startUDP(port: Int) throws -> Process {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = ["-c", "import socket\ns=socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('127.0.0.1', \(port)))\nwhile True: s.recvfrom(4096)"]
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        usleep(300_000)
        return process
    }
}
