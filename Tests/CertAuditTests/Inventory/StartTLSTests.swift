import Foundation
import Testing
@testable import CertAudit

/// STARTTLS endpoints: real Postfix (SMTP, submission) and Dovecot (IMAP, POP3) from Debian's packages,
/// started on 127.0.0.1 by the test, and a strict scripted server (Tests/CertAuditTests/Servers) for
/// every protocol, including LDAP, FTP and PostgreSQL; plus servers that refuse STARTTLS, stay silent
/// or answer garbage. `openssl s_client -starttls` cross-checks the certificate each one presents.
@Suite(.serialized) struct StartTLSTests {
    static let servers = Fixtures.repositoryRoot + "/Tests/CertAuditTests/Servers"

    /// Starts `executable` in its own folder and waits (up to 60 s) for a line starting with READY on its
    /// standard output; returns the process and the line.
    static func startReady(_ executable: String, _ arguments: [String]) throws -> (Process, String) {
        let folder = Fixtures.temporaryDirectory()
        let output = folder + "/stdout"
        FileManager.default.createFile(atPath: output, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.standardError = FileHandle.nullDevice
        process.standardInput = Pipe()
        try process.run()
        for _ in 0..<600 {
            let text = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            if let line = text.split(separator: "\n").first(where: { $0.hasPrefix("READY") }) {
                return (process, String(line))
            }
            if !process.isRunning { break }
            usleep(100_000)
        }
        stop(process)
        throw StartFailure(description: "\(executable) \(arguments) did not print READY")
    }

    struct StartFailure: Error, CustomStringConvertible {
        var description: String
    }

    /// SIGKILLs the script and its process group (the scripts' watchdogs then kill the daemons).
    static func stop(_ process: Process) {
        guard process.isRunning else { return }
        kill(-process.processIdentifier, SIGKILL)
        Fixtures.stop(process)
    }

    static func scripted(_ protocolName: String, mode: String = "normal", certificate: String = "veeam/veeam-one-10a.crt",
                         key: String = "keys/veeam-one-10a.key") throws -> (Process, Int) {
        let (process, line) = try startReady(
            "/usr/bin/python3",
            [servers + "/starttls_server.py", "--protocol", protocolName, "--cert", Fixtures.samples + "/" + certificate,
             "--key", Fixtures.samples + "/" + key, "--port", "0", "--mode", mode])
        return (process, Int(line.split(separator: " ").last ?? "") ?? 0)
    }

    static func scan(_ endpoint: String, timeout: Int = 5) throws -> (Int32, [String: Any]) {
        let scan = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--profile", "browser", "--timeout", "\(timeout)", endpoint])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        return (scan.status, json)
    }

    static func subject(_ json: [String: Any]) -> String? {
        ((json["certificates"] as? [[String: Any]])?.first)?["subject"] as? String
    }

    static func errorCodes(_ json: [String: Any]) -> [String] {
        ((json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String }
    }

    /// What `openssl s_client -starttls` sees: the subject line of the presented certificate.
    static func opensslSubject(_ starttls: String, port: Int) -> String {
        let result = Fixtures.run(
            "/usr/bin/timeout",
            ["-s", "KILL", "20", "/usr/bin/openssl", "s_client", "-starttls", starttls, "-connect", "127.0.0.1:\(port)", "-servername", "localhost"],
            stdin: Data())
        return result.stdout.split(separator: "\n").first { $0.hasPrefix("subject=") }.map(String.init) ?? ""
    }

    @Test(arguments: [
        ("smtp", "smtp"), ("submission", "smtp"), ("imap", "imap"), ("pop3", "pop3"), ("ldap", "ldap"), ("ftp", "ftp"),
        ("postgres", "postgres"),
    ])
    func everyProtocolReachesTLSOnAStrictServer(_ scheme: String, _ opensslName: String) throws {
        let (server, port) = try Self.scripted(scheme)
        defer { Self.stop(server) }
        let (status, json) = try Self.scan("\(scheme)://127.0.0.1:\(port)")
        #expect(Self.errorCodes(json).isEmpty, "\(json)")
        #expect(Self.subject(json) == "CN=vone01.corp.example.com")
        let first = try #require((json["certificates"] as? [[String: Any]])?.first)
        #expect((first["path"] as? String) == "\(scheme)://127.0.0.1:\(port)")
        #expect(((first["tls"] as? [String: Any])?["protocol"] as? String) == "TLSv1.3")
        // KeyUsage present without digitalSignature, negotiated with TLS 1.3: the browser error.
        let rules = Set(((first["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
        #expect(rules.contains("browser.ku-lacks-digital-signature"))
        #expect(status == 1)
        #expect(Self.opensslSubject(opensslName, port: port).contains("vone01.corp.example.com"), "openssl s_client agrees")
    }

    @Test(arguments: ["smtp", "submission", "imap", "pop3", "ldap", "ftp", "postgres"])
    func aRefusalSilenceOrGarbageIsAProblemOfItsOwn(_ scheme: String) throws {
        let modes = [
            ("refuse", ["tls.starttls"]), ("refuse-unknown", ["tls.starttls"]), ("silent", ["tls.timeout"]),
            ("garbage", ["tls.starttls", "tls.timeout", "tls.handshake"]),
            // Plaintext sent with the positive answer, in the same write: never taken into TLS.
            ("inject", ["tls.starttls"]),
        ]
        for (mode, codes) in modes {
            let (server, port) = try Self.scripted(scheme, mode: mode)
            defer { Self.stop(server) }
            let started = Date()
            let (status, json) = try Self.scan("\(scheme)://127.0.0.1:\(port)", timeout: 2)
            let found = Self.errorCodes(json)
            #expect(found.count == 1 && codes.contains(found[0]), "\(scheme) \(mode): \(found) \(json["errors"] ?? "")")
            #expect(status == 3)
            #expect(Date().timeIntervalSince(started) < 5, "\(scheme) \(mode): bounded by --timeout 2")
        }
    }

    @Test func realPostfixAndDovecot() throws {
        // Postfix and Dovecot drop privileges: their folders, and every folder above, must be searchable
        // by their users (the tests' own temporary root is private), so they get one of their own.
        let folder = "/tmp/certaudit-mail-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        chmod(folder, 0o755)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let certificate = Fixtures.samples + "/veeam/veeam-one-10a.crt"
        let key = Fixtures.samples + "/keys/veeam-one-10a.key"
        let smtpPort = TLSEndpointTests.freePort()
        try FileManager.default.createDirectory(atPath: folder + "/postfix", withIntermediateDirectories: true)
        let (postfix, _) = try Self.startReady("/bin/bash", [Self.servers + "/postfix.sh", certificate, key, "\(smtpPort)", folder + "/postfix"])
        defer { Self.stop(postfix) }
        let imapPort = TLSEndpointTests.freePort()
        let pop3Port = TLSEndpointTests.freePort()
        try FileManager.default.createDirectory(atPath: folder + "/dovecot", withIntermediateDirectories: true)
        let (dovecot, _) = try Self.startReady(
            "/bin/bash", [Self.servers + "/dovecot.sh", certificate, key, "\(imapPort)", "\(pop3Port)", folder + "/dovecot"])
        defer { Self.stop(dovecot) }

        for (endpoint, opensslName, port) in [("smtp://127.0.0.1:\(smtpPort)", "smtp", smtpPort), ("imap://127.0.0.1:\(imapPort)", "imap", imapPort), ("pop3://127.0.0.1:\(pop3Port)", "pop3", pop3Port)] {
            let (status, json) = try Self.scan(endpoint)
            #expect(Self.errorCodes(json).isEmpty, "\(endpoint): \(json["errors"] ?? "")")
            #expect(Self.subject(json) == "CN=vone01.corp.example.com", "\(endpoint)")
            let first = try #require((json["certificates"] as? [[String: Any]])?.first, "\(endpoint)")
            let tls = try #require(first["tls"] as? [String: Any])
            #expect(tls["protocol"] as? String == "TLSv1.3", "\(endpoint): \(tls)")
            let rules = Set(((first["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
            #expect(rules.contains("browser.ku-lacks-digital-signature"), "\(endpoint): \(rules)")
            #expect(status == 1)
            #expect(Self.opensslSubject(opensslName, port: port).contains("vone01.corp.example.com"), "\(endpoint): openssl agrees")
        }
    }
}
