import Foundation
import Testing
@testable import CertAudit

/// The browser verdict on a live server depends on the key exchange it negotiates with Chrome's offer.
/// Every KeyUsage case of samples/ is served by a real `openssl s_server` on 127.0.0.1 in each server
/// mode (TLS 1.3 only, TLS 1.2 ECDHE only, TLS 1.2 plain RSA only, OpenSSL's defaults); certaudit must
/// record what was negotiated and give the verdict of the ground-truth table (README), and for the
/// plain-RSA cases headless Chromium, the program users run, must agree.
@Suite(.serialized) struct HandshakeVerdictTests {
    enum Mode: String, CaseIterable, Sendable {
        case tls13, ecdhe, rsa, serverDefault

        /// s_server options for the mode.
        var options: [String] {
            switch self {
            case .tls13: ["-tls1_3"]
            case .ecdhe: ["-tls1_2", "-cipher", "ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES128-GCM-SHA256"]
            case .rsa: ["-tls1_2", "-cipher", "AES128-GCM-SHA256:AES256-GCM-SHA384:AES128-SHA:AES256-SHA"]
            case .serverDefault: []
            }
        }

        /// What the Chrome-like handshake must negotiate.
        var protocolVersion: String { self == .ecdhe || self == .rsa ? "TLSv1.2" : "TLSv1.3" }
        var keyExchange: String { self == .rsa ? "rsa" : "ecdhe" }
    }

    struct Case: CustomTestStringConvertible, Sendable {
        var certificate: String
        var key: String
        var mode: Mode
        /// KeyUsage bits (nil: no extension), as `openssl x509 -ext keyUsage` prints them.
        var keyUsage: Set<String>?
        var rsa: Bool
        var testDescription: String { "\(certificate) served \(mode.rawValue)" }

        /// The ground truth (Chromium 156): the bit the negotiated key exchange needs.
        var chromeFails: Bool {
            guard let keyUsage else { return false }
            return !keyUsage.contains(mode == .rsa ? "keyEncipherment" : "digitalSignature")
        }
    }

    static let certificates: [(String, String, Set<String>?, Bool)] = [
        ("tls/good-rsa.crt", "keys/good-rsa.key", ["digitalSignature", "keyEncipherment"], true),
        ("tls/rsa-ds-only.crt", "keys/rsa-ds-only.key", ["digitalSignature"], true),
        ("veeam/veeam-one-10a.crt", "keys/veeam-one-10a.key", ["keyEncipherment", "dataEncipherment"], true),
        ("tls/ku-empty.crt", "keys/ku-empty.key", [], true),
        ("tls/req-x509-ca-no-ku.crt", "keys/req-x509-ca-no-ku.key", nil, true),
        ("tls/req-x509-ca-ke-de.crt", "keys/req-x509-ca-ke-de.key", ["keyEncipherment", "dataEncipherment"], true),
        ("veeam/vspc-6.crt", "keys/vspc-6.key", ["digitalSignature", "nonRepudiation", "keyEncipherment", "dataEncipherment"], true),
        ("tls/encipher-only.crt", "keys/encipher-only.key", ["digitalSignature", "keyEncipherment", "encipherOnly"], true),
        ("tls/keycertsign-leaf.crt", "keys/keycertsign-leaf.key", ["digitalSignature", "keyEncipherment", "keyCertSign"], true),
        ("veeam/vbem-10a.cer", "keys/vbem-10a.key", ["keyEncipherment", "dataEncipherment"], true),
        ("veeam/veeam-one-11.crt", "keys/veeam-one-11.key", ["digitalSignature", "keyEncipherment", "dataEncipherment"], true),
        ("tls/req-x509-ca-ds-ke.crt", "keys/req-x509-ca-ds-ke.key", ["digitalSignature", "keyEncipherment"], true),
        ("tls/req-x509-ca-serverauth-no-san.crt", "keys/req-x509-ca-serverauth-no-san.key", ["keyEncipherment"], true),
        ("tls/no-ku-selfsigned.crt", "keys/no-ku-selfsigned.key", nil, true),
        ("tls/no-eku.crt", "keys/no-eku.key", ["digitalSignature", "keyEncipherment"], true),
        ("tls/good-ec-p256.crt", "keys/good-ec-p256.key", ["digitalSignature"], false),
        ("tls/ec-key-encipherment.crt", "keys/ec-key-encipherment.key", ["digitalSignature", "keyEncipherment"], false),
        ("tls/ec-p384-ku-no-ds.crt", "keys/ec-p384-ku-no-ds.key", ["keyAgreement"], false),
    ]

    /// OpenSSL's server will not sign a TLS 1.2 handshake with an ECDSA key whose KeyUsage lacks
    /// digitalSignature (it has no suite left); TLS 1.3 it still serves, and that is the case Chrome sees.
    static func opensslRefusesTLS12(_ keyUsage: Set<String>?, rsa: Bool) -> Bool {
        !rsa && keyUsage.map { !$0.contains("digitalSignature") } == true
    }

    static let cases: [Case] = certificates.flatMap { certificate, key, keyUsage, rsa in
        Mode.allCases.filter { rsa || $0 != .rsa }.filter { $0 != .ecdhe || !opensslRefusesTLS12(keyUsage, rsa: rsa) }.map {
            Case(certificate: certificate, key: key, mode: $0, keyUsage: keyUsage, rsa: rsa)
        }
    }

    static let failing: Set<String> = ["browser.ku-lacks-digital-signature", "browser.negotiated-rsa-ku-lacks-key-encipherment"]

    static func serve(_ certificate: String, key: String, options: [String], www: Bool = false) throws -> (Process, Int) {
        let port = TLSEndpointTests.freePort()
        let arguments =
            ["s_server", "-accept", "127.0.0.1:\(port)", "-quiet", "-cert", Fixtures.samples + "/" + certificate,
             "-key", Fixtures.samples + "/" + key] + (www ? ["-www"] : []) + options
        return (try TLSEndpointTests.start("/usr/bin/openssl", arguments, port: port), port)
    }

    /// The JSON report of one endpoint scan: its first presented certificate.
    static func scan(_ arguments: [String]) throws -> (status: Int32, json: [String: Any], first: [String: Any]) {
        let scan = Fixtures.run(Fixtures.executable, ["scan", "--format", "json", "--timeout", "5"] + arguments)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        let certificates = try #require(json["certificates"] as? [[String: Any]], "\(json)")
        return (scan.status, json, try #require(certificates.first, "no certificate: \(json)"))
    }

    static func ruleIds(_ certificate: [String: Any]) -> Set<String> {
        Set(((certificate["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
    }

    @Test(arguments: cases)
    func verdictFollowsTheNegotiatedKeyExchange(_ testCase: Case) throws {
        let (server, port) = try Self.serve(testCase.certificate, key: testCase.key, options: testCase.mode.options)
        defer { Fixtures.stop(server) }
        let (status, _, first) = try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(port)"])
        let tls = try #require(first["tls"] as? [String: Any], "the handshake is reported: \(first)")
        #expect(tls["protocol"] as? String == testCase.mode.protocolVersion)
        #expect(tls["keyExchange"] as? String == testCase.mode.keyExchange)
        #expect(tls["chromeCompatible"] as? Bool == true)
        let accepts = try #require(tls["accepts"] as? [String: Bool])
        switch testCase.mode {
        case .tls13: #expect(accepts == ["tls13": true, "ecdhe": false, "rsaKeyExchange": false])
        case .ecdhe: #expect(accepts == ["tls13": false, "ecdhe": true, "rsaKeyExchange": false])
        case .rsa: #expect(accepts == ["tls13": false, "ecdhe": false, "rsaKeyExchange": true])
        case .serverDefault:
            #expect(accepts["tls13"] == true)
            #expect(accepts["ecdhe"] == !Self.opensslRefusesTLS12(testCase.keyUsage, rsa: testCase.rsa))
            #expect(accepts["rsaKeyExchange"] == testCase.rsa, "OpenSSL's default suites include plain RSA")
        }
        if testCase.mode != .rsa {
            #expect(tls["group"] as? String == "x25519", "Chrome's first group")
        }

        let fired = Self.ruleIds(first)
        #expect(!fired.intersection(Self.failing).isEmpty == testCase.chromeFails, "fired: \(fired)")
        // Exit 1 on any error finding (a certificate without SAN has another); always when Chrome fails.
        let errors = ((first["findings"] as? [[String: Any]]) ?? []).filter { $0["severity"] as? String == "error" }
        #expect(status == (errors.isEmpty ? 0 : 1), "exit status \(status), fired \(fired)")
        #expect(!testCase.chromeFails || status == 1)
        // Plain RSA without digitalSignature works today, and is a warning for tomorrow.
        let tomorrow = testCase.mode == .rsa && testCase.keyUsage.map { !$0.contains("digitalSignature") } == true
        #expect(fired.contains("browser.negotiated-rsa-ku-lacks-digital-signature") == tomorrow, "fired: \(fired)")
        if testCase.chromeFails {
            let messages = ((first["findings"] as? [[String: Any]]) ?? []).compactMap { $0["message"] as? String }
            let negotiated = testCase.mode == .rsa ? "TLSv1.2 with plain RSA key exchange" : "\(testCase.mode.protocolVersion) with ECDHE"
            #expect(messages.contains { $0.contains(negotiated) }, "the message names the handshake: \(messages)")
        }
    }

    /// Chromium's verdict on the plain-RSA server and on TLS 1.3, where the table says they differ.
    @Test(arguments: [
        ("tls/rsa-ds-only.crt", "keys/rsa-ds-only.key", Mode.rsa, "ERR_SSL_KEY_USAGE_INCOMPATIBLE"),
        ("tls/rsa-ds-only.crt", "keys/rsa-ds-only.key", Mode.tls13, nil),
        ("veeam/veeam-one-10a.crt", "keys/veeam-one-10a.key", Mode.rsa, nil),
        ("veeam/veeam-one-10a.crt", "keys/veeam-one-10a.key", Mode.ecdhe, "ERR_SSL_KEY_USAGE_INCOMPATIBLE"),
    ] as [(String, String, Mode, String?)])
    func chromiumAgreesOnTheNegotiatedVerdict(_ certificate: String, _ key: String, _ mode: Mode, _ expected: String?) throws {
        let folder = Fixtures.temporaryDirectory()
        let (server, port) = try Self.serve(certificate, key: key, options: mode.options, www: true)
        defer { Fixtures.stop(server) }
        let (_, _, first) = try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(port)"])
        let fails = !Self.ruleIds(first).intersection(Self.failing).isEmpty
        let error = LiveVerdictTests.chromiumError(port: port, folder: folder)
        #expect(error == expected, "Chromium: \(error ?? "loaded")")
        #expect(fails == (expected != nil), "certaudit and Chromium disagree: \(Self.ruleIds(first))")
    }

    @Test func aServerWithoutAnythingChromeOffersIsAVersionOrCipherMismatch() throws {
        // TLS 1.2 with DHE only (Chrome offers no DHE suite): Chromium fails with
        // ERR_SSL_VERSION_OR_CIPHER_MISMATCH; certaudit still reads the chain through its legacy probe.
        let folder = Fixtures.temporaryDirectory()
        let (server, port) = try Self.serve(
            "tls/good-rsa.crt", key: "keys/good-rsa.key", options: ["-tls1_2", "-cipher", "DHE-RSA-AES128-GCM-SHA256"], www: true)
        defer { Fixtures.stop(server) }
        let (status, _, first) = try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(port)"])
        let tls = try #require(first["tls"] as? [String: Any])
        #expect(tls["chromeCompatible"] as? Bool == false)
        #expect(tls["keyExchange"] as? String == "dhe")
        #expect(Self.ruleIds(first).contains("browser.no-chrome-protocol"))
        #expect(status == 1)
        #expect(LiveVerdictTests.chromiumError(port: port, folder: folder) == "ERR_SSL_VERSION_OR_CIPHER_MISMATCH")
    }

    @Test func anECDSAKeyWithoutDigitalSignatureOnATLS12OnlyServerIsJudged() throws {
        // OpenSSL's and GnuTLS's servers refuse to sign TLS 1.2 ECDHE-ECDSA with such a key; Java's TLS
        // stack (as IIS, Java application servers and appliances) serves it. OpenSSL's client, like
        // Chrome, stops the handshake on the certificate: certaudit keeps the chain it was sent and
        // judges it as the ECDHE handshake it is, and Chromium fails with ERR_SSL_KEY_USAGE_INCOMPATIBLE.
        let folder = Fixtures.temporaryDirectory()
        let store = folder + "/server.p12"
        let export = Fixtures.run(
            "/usr/bin/openssl",
            ["pkcs12", "-export", "-in", Fixtures.samples + "/tls/ec-p384-ku-no-ds.crt", "-inkey",
             Fixtures.samples + "/keys/ec-p384-ku-no-ds.key", "-passout", "pass:changeit", "-out", store])
        try #require(export.status == 0, "\(export.stderr)")
        let (server, line) = try StartTLSTests.startReady(
            "/usr/bin/java", [Fixtures.repositoryRoot + "/Tests/CertAuditTests/Servers/JavaTLSServer.java", store, "changeit", "TLSv1.2"])
        defer { StartTLSTests.stop(server) }
        let port = try #require(Int(line.split(separator: " ").last ?? ""))
        let (status, json, first) = try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(port)"])
        #expect((json["errors"] as? [Any])?.isEmpty == true, "\(json["errors"] ?? "")")
        let tls = try #require(first["tls"] as? [String: Any])
        #expect(tls["protocol"] as? String == "TLSv1.2")
        #expect(tls["keyExchange"] as? String == "ecdhe")
        #expect((tls["cipher"] as? String)?.hasPrefix("ECDHE-ECDSA-") == true, "\(tls)")
        #expect(tls["stoppedAtCertificate"] as? Bool == true)
        #expect(Self.ruleIds(first).contains("browser.ku-lacks-digital-signature"))
        #expect(status == 1)
        #expect(LiveVerdictTests.chromiumError(port: port, folder: folder) == "ERR_SSL_KEY_USAGE_INCOMPATIBLE")
    }

    @Test func theNameAskedForMustBeCovered() throws {
        // Asked as localhost: good-rsa covers only www.example.com (Chrome: ERR_CERT_COMMON_NAME_INVALID);
        // the req -x509 certificate names localhost. Asked by address, names are not judged.
        let (wrong, wrongPort) = try Self.serve("tls/good-rsa.crt", key: "keys/good-rsa.key", options: [])
        defer { Fixtures.stop(wrong) }
        let (right, rightPort) = try Self.serve("tls/req-x509-ca-ds-ke.crt", key: "keys/req-x509-ca-ds-ke.key", options: [])
        defer { Fixtures.stop(right) }
        let mismatch = try Self.scan(["--profile", "browser", "tls://localhost:\(wrongPort)"])
        #expect(Self.ruleIds(mismatch.first).contains("browser.name-mismatch"))
        let message = ((mismatch.first["findings"] as? [[String: Any]]) ?? []).first { $0["ruleId"] as? String == "browser.name-mismatch" }?["message"] as? String
        #expect(message?.contains("asked for localhost but its certificate covers only www.example.com") == true, "\(message ?? "")")
        #expect(!Self.ruleIds(try Self.scan(["--profile", "browser", "tls://localhost:\(rightPort)"]).first).contains("browser.name-mismatch"))
        #expect(!Self.ruleIds(try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(wrongPort)"]).first).contains("browser.name-mismatch"))
        // An address with the name to ask for (?sni=, or the name nmap printed): SNI and the name check.
        let named = try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(wrongPort)?sni=www.example.com"])
        #expect(!Self.ruleIds(named.first).contains("browser.name-mismatch"))
        #expect((named.first["tls"] as? [String: Any])?["requestedName"] as? String == "www.example.com")
        #expect(named.first["path"] as? String == "tls://127.0.0.1:\(wrongPort)?sni=www.example.com")
        #expect(Self.ruleIds(try Self.scan(["--profile", "browser", "tls://127.0.0.1:\(wrongPort)?sni=mail.example.com"]).first).contains("browser.name-mismatch"))
        #expect(Fixtures.run(Fixtures.executable, ["scan", "tls://127.0.0.1:\(wrongPort)?port=1"]).status == 2, "an unknown query is a usage error")
    }

    /// Chains as real servers present them (`-cert_chain`), judged against the sample root as trust store.
    @Test func chainsAreCheckedLinkByLink() throws {
        let trust = ["--profile", "browser", "--trust-store", Fixtures.samples + "/ca/test-root-ca.crt"]
        func serveChain(_ leaf: String, key: String, chain: [String], leafFromBundle: String? = nil) throws -> (Process, Int) {
            let folder = Fixtures.temporaryDirectory()
            let text = try chain.map { try String(contentsOfFile: Fixtures.samples + "/" + $0, encoding: .utf8) }.joined()
            Fixtures.write(text, to: folder + "/chain.pem")
            return try Self.serve(leaf, key: key, options: ["-cert_chain", folder + "/chain.pem"])
        }
        // Complete and in order: trusted, every signature valid.
        let (good, goodPort) = try serveChain("tls/good-rsa.crt", key: "keys/good-rsa.key", chain: ["ca/test-intermediate-ca.crt"])
        defer { Fixtures.stop(good) }
        let complete = try Self.scan(trust + ["tls://127.0.0.1:\(goodPort)"])
        let all = try #require(complete.json["certificates"] as? [[String: Any]])
        #expect(all.compactMap { ($0["chain"] as? [String: Any])?["signature"] as? String } == ["valid", "valid"])
        #expect(all.compactMap { ($0["chain"] as? [String: Any])?["issuer"] as? String } == ["next", "trust-store"])
        #expect((complete.first["chain"] as? [String: Any])?["trust"] as? String == "trusted")
        #expect(Self.ruleIds(complete.first).isDisjoint(with: ["browser.chain-untrusted", "browser.chain-missing-issuer", "browser.chain-bad-signature"]))

        // The intermediate left out: its issuer is missing, the chain untrusted.
        let (alone, alonePort) = try Self.serve("tls/good-rsa.crt", key: "keys/good-rsa.key", options: [])
        defer { Fixtures.stop(alone) }
        let missing = try Self.scan(trust + ["tls://127.0.0.1:\(alonePort)"])
        #expect(Self.ruleIds(missing.first).isSuperset(of: ["browser.chain-missing-issuer", "browser.chain-untrusted"]))

        // A leaf whose signature octet was flipped (same names and key): invalid signature.
        let folder = Fixtures.temporaryDirectory()
        let bundle = try String(contentsOfFile: Fixtures.samples + "/bundle/chain-bad-signature.pem", encoding: .utf8)
        let blocks = bundle.components(separatedBy: "-----END CERTIFICATE-----\n").filter { !$0.isEmpty }.map { $0 + "-----END CERTIFICATE-----\n" }
        Fixtures.write(blocks[0], to: folder + "/bad-leaf.pem")
        Fixtures.write(blocks[1], to: folder + "/chain.pem")
        let port = TLSEndpointTests.freePort()
        let forged = try TLSEndpointTests.start(
            "/usr/bin/openssl",
            ["s_server", "-accept", "127.0.0.1:\(port)", "-quiet", "-cert", folder + "/bad-leaf.pem", "-key",
             Fixtures.samples + "/keys/good-rsa.key", "-cert_chain", folder + "/chain.pem"], port: port)
        defer { Fixtures.stop(forged) }
        let bad = try Self.scan(trust + ["tls://127.0.0.1:\(port)"])
        #expect(Self.ruleIds(bad.first).contains("browser.chain-bad-signature"))
        #expect((bad.first["chain"] as? [String: Any])?["trust"] as? String == "untrusted")
        // openssl agrees that the leaf does not verify.
        let verify = Fixtures.run(
            "/usr/bin/openssl", ["verify", "-CAfile", Fixtures.samples + "/ca/test-root-ca.crt", "-untrusted", folder + "/chain.pem", folder + "/bad-leaf.pem"])
        #expect(verify.status != 0 && (verify.stdout + verify.stderr).contains("signature failure"), "\(verify.stdout)\(verify.stderr)")

        // An intermediate that expired in 2024 presented after a valid leaf.
        let (expired, expiredPort) = try serveChain(
            "tls/issued-by-expired-ca.crt", key: "keys/issued-by-expired-ca.key", chain: ["ca/expired-intermediate-ca.crt"])
        defer { Fixtures.stop(expired) }
        let old = try Self.scan(trust + ["tls://127.0.0.1:\(expiredPort)"])
        let oldChain = try #require(old.json["certificates"] as? [[String: Any]])
        #expect(oldChain.count == 2)
        #expect(!Self.ruleIds(oldChain[0]).contains("browser.expired"))
        #expect(Self.ruleIds(oldChain[1]).contains("browser.expired"))
        #expect(old.status == 1)
    }
}
