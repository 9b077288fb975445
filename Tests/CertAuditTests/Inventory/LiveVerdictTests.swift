import Foundation
import Testing
@testable import CertAudit

/// What a live server presents first is judged as its server certificate, whatever its CA flag: each
/// shape is served by a real `openssl s_server` on 127.0.0.1, scanned as `tls://`, and loaded in
/// headless Chromium, whose verdict (ERR_SSL_KEY_USAGE_INCOMPATIBLE or a loaded page) must agree with
/// certaudit's `browser.ku-lacks-digital-signature`.
@Suite(.serialized) struct LiveVerdictTests {
    static let chromium = "/usr/bin/chromium"

    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// Served as the server's certificate, with its key.
        var certificate: String
        var key: String
        /// Sent after it (`-cert_chain`), in this order.
        var chain: [String] = []
        /// Chromium 156's verdict, measured (the issue's ground truth): the handshake fails on KeyUsage.
        var chromeRejects: Bool
        /// Rules certaudit must report on the first presented certificate (among others).
        var mustFire: Set<String>
        var mustNotFire: Set<String> = []
        /// The role basis of the first presented certificate.
        var basis: RoleBasis
        var testDescription: String { name }
    }

    static let ku = "browser.ku-lacks-digital-signature"
    static let marked = "browser.ca-marked-server-certificate"
    static let order = "browser.chain-out-of-order"

    static let cases: [Case] = [
        Case(
            name: "openssl req -x509: CA:TRUE, KU {keyEncipherment, dataEncipherment}",
            certificate: "tls/req-x509-ca-ke-de.crt", key: "keys/req-x509-ca-ke-de.key", chromeRejects: true,
            mustFire: [ku, marked], basis: .presentedFirst),
        Case(
            name: "openssl req -x509: CA:TRUE, KU {digitalSignature, keyEncipherment}",
            certificate: "tls/req-x509-ca-ds-ke.crt", key: "keys/req-x509-ca-ds-ke.key", chromeRejects: false,
            mustFire: [marked], mustNotFire: [ku], basis: .presentedFirst),
        Case(
            name: "openssl req -x509: CA:TRUE, no KeyUsage",
            certificate: "tls/req-x509-ca-no-ku.crt", key: "keys/req-x509-ca-no-ku.key", chromeRejects: false,
            mustFire: [marked], mustNotFire: [ku], basis: .presentedFirst),
        Case(
            name: "openssl req -x509: CA:TRUE, serverAuth, no SAN, KU {keyEncipherment}",
            certificate: "tls/req-x509-ca-serverauth-no-san.crt", key: "keys/req-x509-ca-serverauth-no-san.key",
            chromeRejects: true, mustFire: [ku, marked], basis: .presentedFirst),
        Case(
            name: "mkcert-style root served as the server certificate (mkcert#253)",
            certificate: "ca/mkcert-style-root.crt", key: "keys/mkcert-style-root.key", chromeRejects: true,
            mustFire: [ku, marked], basis: .presentedFirst),
        Case(
            name: "root CA presented first, the real leaf after it",
            certificate: "ca/mkcert-style-root.crt", key: "keys/mkcert-style-root.key", chain: ["tls/good-rsa.crt"],
            chromeRejects: true, mustFire: [ku, marked, order], basis: .presentedFirst),
        Case(
            name: "leaf first, then root, then issuing CA (out of order)",
            certificate: "tls/good-rsa.crt", key: "keys/good-rsa.key",
            chain: ["ca/test-root-ca.crt", "ca/test-intermediate-ca.crt"], chromeRejects: false, mustFire: [order],
            mustNotFire: [ku, marked], basis: .declared),
        Case(
            name: "leaf, issuing CA, root (in order)",
            certificate: "tls/good-rsa.crt", key: "keys/good-rsa.key",
            chain: ["ca/test-intermediate-ca.crt", "ca/test-root-ca.crt"], chromeRejects: false, mustFire: [],
            mustNotFire: [ku, marked, order], basis: .declared),
    ]

    /// Serves a case with `openssl s_server -www` on a free loopback port.
    static func serve(_ testCase: Case, folder: String) throws -> (Process, Int) {
        var arguments = [
            "s_server", "-accept", "127.0.0.1:PORT", "-www", "-quiet", "-cert", Fixtures.samples + "/" + testCase.certificate,
            "-key", Fixtures.samples + "/" + testCase.key,
        ]
        if !testCase.chain.isEmpty {
            let chain = folder + "/chain.pem"
            let text = try testCase.chain.map { try String(contentsOfFile: Fixtures.samples + "/" + $0, encoding: .utf8) }
            Fixtures.write(text.joined(), to: chain)
            arguments += ["-cert_chain", chain]
        }
        let port = TLSEndpointTests.freePort()
        arguments[2] = "127.0.0.1:\(port)"
        return (try TLSEndpointTests.start("/usr/bin/openssl", arguments, port: port), port)
    }

    /// Chromium's verdict: the net error of the page load, or nil when the page loaded.
    static func chromiumError(port: Int, folder: String) -> String? {
        let result = Fixtures.run(
            "/usr/bin/timeout",
            [
                "-s", "KILL", "90", chromium, "--headless=new", "--no-sandbox", "--disable-gpu", "--no-first-run",
                "--ignore-certificate-errors", "--user-data-dir=" + folder + "/chromium", "--dump-dom",
                "https://127.0.0.1:\(port)/",
            ])
        if let range = result.stderr.range(of: "Page load failed: net::") {
            return String(result.stderr[range.upperBound...].prefix { $0.isLetter || $0 == "_" })
        }
        #expect(result.stdout.contains("s_server"), "Chromium neither loaded the page nor named an error: \(result.stderr)")
        return nil
    }

    @Test(arguments: cases)
    func liveVerdictMatchesChromium(_ testCase: Case) throws {
        let folder = Fixtures.temporaryDirectory()
        let (server, port) = try Self.serve(testCase, folder: folder)
        defer { Fixtures.stop(server) }

        let scan = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--timeout", "5", "tls://127.0.0.1:\(port)"])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(certificates.count == 1 + testCase.chain.count, "every presented certificate is reported")
        let first = try #require(certificates.first)
        #expect(first["role"] as? String == "leaf", "the first presented certificate is the server's")
        #expect(first["roleBasis"] as? String == testCase.basis.rawValue)
        let findings = (first["findings"] as? [[String: Any]]) ?? []
        let fired = Set(findings.compactMap { $0["ruleId"] as? String })
        #expect(testCase.mustFire.isSubset(of: fired), "missing \(testCase.mustFire.subtracting(fired)) in \(fired)")
        #expect(testCase.mustNotFire.isDisjoint(with: fired), "unexpected \(testCase.mustNotFire.intersection(fired))")
        #expect(scan.status == (fired.contains(Self.ku) ? 1 : 0), "exit status \(scan.status): \(scan.stdout)")
        if testCase.basis == .presentedFirst {
            let messages = findings.compactMap { $0["message"] as? String }
            #expect(messages.allSatisfy { $0.contains("presented first by the server") }, "\(messages)")
        }
        if testCase.mustFire.contains(Self.order) {
            let message = findings.first { $0["ruleId"] as? String == Self.order }?["message"] as? String ?? ""
            #expect(message.contains("did not issue certificate 1"), "\(message)")
        }

        // Chromium, the program users run, gives the same verdict.
        let error = Self.chromiumError(port: port, folder: folder)
        #expect((error == "ERR_SSL_KEY_USAGE_INCOMPATIBLE") == testCase.chromeRejects, "Chromium: \(error ?? "loaded")")
        #expect((error == "ERR_SSL_KEY_USAGE_INCOMPATIBLE") == fired.contains(Self.ku), "certaudit and Chromium disagree")
        if !testCase.chromeRejects {
            #expect(error == nil, "Chromium: \(error ?? "")")
        }
    }

    @Test func onDiskTheRootIsACAAndTheServerShapedOneIsNot() throws {
        // The same files judged on disk: the mkcert-style root stays a CA (no server rule), the
        // `openssl req -x509` certificate is judged as a server certificate and says why.
        let root = try #require(Fixtures.report(for: Fixtures.samples + "/ca/mkcert-style-root.crt").certificates.first)
        #expect(root.role == .root && root.roleBasis == .declared)
        #expect(root.findings.isEmpty)
        let server = try #require(Fixtures.report(for: Fixtures.samples + "/tls/req-x509-ca-ke-de.crt").certificates.first)
        #expect(server.facts.role == .root, "declared a CA")
        #expect(server.role == .leaf && server.roleBasis == .serverShaped)
        let finding = try #require(server.findings.first { $0.ruleId == Self.ku })
        #expect(finding.message.contains("marked as a CA (basicConstraints CA:TRUE) but shaped as a server certificate"))
        #expect(finding.message.contains("localhost, 127.0.0.1"))
    }
}
