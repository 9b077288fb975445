import Foundation
import Testing
@testable import CertAudit

/// Private keys lying with certificates, in every format `openssl` writes (PKCS#8, PKCS#1 RSA, SEC1 EC,
/// DER, encrypted PKCS#8 and legacy Proc-Type), modes 0600/0640/0644, matching and not, certbot's live/
/// links into archive/; each match cross-checked with `openssl x509 -pubkey` against `openssl pkey -pubout`.
@Suite(.serialized) struct PrivateKeyTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        /// openssl arguments that write `OUT` from `IN` (the sample key), or nil to copy the sample key.
        var convert: [String]?
        var keyOf: String  // the sample whose key is written
        var mode: Int
        var expected: Set<String>
        var testDescription: String { name }
    }

    static let rsa = Fixtures.samples + "/keys/good-rsa.key"
    static let ec = Fixtures.samples + "/keys/good-ec-p256.key"

    static let cases: [Case] = [
        Case(name: "PKCS#8, 0600, its own key", convert: nil, keyOf: "rsa", mode: 0o600, expected: []),
        Case(name: "PKCS#8, 0644", convert: nil, keyOf: "rsa", mode: 0o644, expected: ["files.private-key-exposed"]),
        Case(name: "PKCS#8, 0640", convert: nil, keyOf: "rsa", mode: 0o640, expected: ["files.private-key-shared"]),
        Case(name: "PKCS#1 RSA PRIVATE KEY, 0600", convert: ["rsa", "-traditional"], keyOf: "rsa", mode: 0o600, expected: []),
        Case(name: "DER, 0600", convert: ["pkey", "-outform", "DER"], keyOf: "rsa", mode: 0o600, expected: []),
        Case(name: "another pair's key (EC beside the RSA certificate)", convert: ["ec"], keyOf: "ec", mode: 0o600,
             expected: ["files.private-key-mismatch"]),
        Case(name: "encrypted PKCS#8, 0644: not compared, still exposed", convert: ["pkey", "-aes256", "-passout", "pass:x"],
             keyOf: "ec", mode: 0o644, expected: ["files.private-key-exposed"]),
        Case(name: "legacy Proc-Type encrypted, 0600: not compared", convert: ["rsa", "-traditional", "-aes256", "-passout", "pass:x"],
             keyOf: "rsa", mode: 0o600, expected: []),
    ]

    @Test(arguments: cases)
    func aKeyBesideTheCertificateIsJudged(_ testCase: Case) throws {
        let folder = Fixtures.temporaryDirectory()
        let certificate = folder + "/server.crt"
        let key = folder + "/server.key"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: certificate)
        let source = testCase.keyOf == "rsa" ? Self.rsa : Self.ec
        if let convert = testCase.convert {
            var arguments = convert + ["-in", source, "-out", key]
            if convert.first == "ec" {
                arguments = ["ec", "-in", source, "-out", key]  // SEC1 "EC PRIVATE KEY"
            }
            let result = Fixtures.run("/usr/bin/openssl", arguments)
            try #require(result.status == 0, "\(result.stderr)")
        } else {
            try FileManager.default.copyItem(atPath: source, toPath: key)
        }
        chmod(key, mode_t(testCase.mode))

        let scan = Fixtures.run(Fixtures.executable, ["scan", "--profile", "files", "--format", "json", folder])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        let first = try #require((json["certificates"] as? [[String: Any]])?.first)
        let fired = Set(((first["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
        #expect(fired == testCase.expected, "\(fired)")
        let reported = try #require(first["privateKey"] as? [String: Any], "the key check is in the JSON report")
        #expect(reported["path"] as? String == key)
        #expect(reported["mode"] as? String == "0" + String(testCase.mode, radix: 8))
        let match = reported["match"] as? String
        #expect(match == (testCase.name.contains("encrypted") ? "unchecked" : testCase.expected.contains("files.private-key-mismatch") ? "mismatch" : "match"))
        // Key material never reaches a report: no line of the key's encoding appears in it.
        let keyText = (try? String(contentsOfFile: key, encoding: .utf8)) ?? ""
        let bodyLines = keyText.split(separator: "\n").filter { !$0.hasPrefix("-----") && $0.count > 40 }
        #expect(bodyLines.allSatisfy { !scan.stdout.contains(String($0)) }, "key material in the report")

        // openssl's verdict on the pair, where the key can be read without a password.
        if testCase.name.contains("encrypted") == false, !(testCase.convert?.contains("-passout") ?? false) {
            let certificatePublic = Fixtures.openssl(["x509", "-in", certificate, "-noout", "-pubkey"])
            let keyPublic = Fixtures.run("/usr/bin/openssl", ["pkey", "-in", key, "-inform", testCase.convert?.contains("DER") == true ? "DER" : "PEM", "-pubout"]).stdout
            #expect((certificatePublic == keyPublic) == !testCase.expected.contains("files.private-key-mismatch"))
        }
    }

    /// With `--match-encrypted-keys` and the password at hand, an encrypted key is decrypted inside the
    /// shim and compared; without the flag, or without the right password, the match stays unchecked with
    /// a reason; a key whose KDF asks for more than the iteration cap is never decrypted.
    @Test func encryptedKeysAreMatchedOnlyWhenAskedAndThePasswordIsAtHand() throws {
        let folder = Fixtures.temporaryDirectory()
        let passwords = folder + "/passwords.txt"
        Fixtures.write("wrong-one\ns3cret\n", to: passwords)
        let formats: [(name: String, arguments: [String])] = [
            ("pkcs8-pbes2.key", ["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:s3cret"]),
            ("pkcs8.der", ["pkcs8", "-topk8", "-v2", "aes-128-cbc", "-outform", "DER", "-passout", "pass:s3cret"]),
            ("pkcs8-scrypt.key", ["pkcs8", "-topk8", "-scrypt", "-passout", "pass:s3cret"]),
            ("legacy.key", ["rsa", "-traditional", "-aes128", "-passout", "pass:s3cret"]),
            ("pkcs12-pbe.key", ["pkcs8", "-topk8", "-v1", "PBE-SHA1-3DES", "-passout", "pass:s3cret"]),
        ]
        var pairs: [String: String] = [:]  // certificate → its key file
        for (index, format) in formats.enumerated() {
            let stem = folder + "/site\(index)"
            try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: stem + ".crt")
            let made = Fixtures.run("/usr/bin/openssl", format.arguments + ["-in", Self.rsa, "-out", stem + ".key"])
            try #require(made.status == 0, "\(format.name): \(made.stderr)")
            chmod(stem + ".key", 0o600)
            pairs[stem + ".crt"] = stem + ".key"
        }
        // Another pair's key, encrypted: a mismatch once decrypted.
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/other.crt")
        Fixtures.openssl(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:s3cret", "-in", Self.ec, "-out", folder + "/other.key"])
        chmod(folder + "/other.key", 0o600)
        // A PBKDF2 iteration count of 2^31-1 written into a real encrypted key (same key, same password).
        let huge = folder + "/huge"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: huge + ".crt")
        Fixtures.openssl(["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-iter", "2048", "-outform", "DER", "-passout", "pass:s3cret", "-in", Self.rsa, "-out", huge + ".der"])
        let rewrite = """
            import sys
            data = bytearray(open(sys.argv[1], 'rb').read())
            old, new = bytes([2, 2, 8, 0]), bytes([2, 4, 0x7f, 0xff, 0xff, 0xff])
            at = data.find(old); assert at > 0
            def tlv(tag, body):
                n = len(body)
                return bytes([tag]) + (bytes([n]) if n < 128 else bytes([0x81, n]) if n < 256 else bytes([0x82, n >> 8, n & 255])) + body
            def walk(buf):  # re-encode every constructed element around the changed INTEGER
                tag, n, off = buf[0], buf[1], 2
                if n & 0x80:
                    k = n & 0x7f; n = int.from_bytes(buf[2:2 + k], 'big'); off = 2 + k
                body = buf[off:off + n]
                if tag in (0x30, 0xa0):
                    parts, p = [], 0
                    while p < len(body):
                        t, m, o = body[p], body[p + 1], 2
                        if m & 0x80:
                            k = m & 0x7f; m = int.from_bytes(body[p + 2:p + 2 + k], 'big'); o = 2 + k
                        parts.append(walk(body[p:p + o + m])); p += o + m
                    return tlv(tag, b''.join(parts))
                if bytes(buf[:off + n]) == old:
                    return new
                return bytes(buf[:off + n])
            open(sys.argv[2], 'wb').write(walk(bytes(data)))
            """
        Fixtures.write(rewrite, to: folder + "/rewrite.py")
        let rewritten = Fixtures.run("/usr/bin/python3", [folder + "/rewrite.py", huge + ".der", huge + ".key"])
        try #require(rewritten.status == 0, "\(rewritten.stderr)")
        try FileManager.default.removeItem(atPath: huge + ".der")
        try FileManager.default.removeItem(atPath: folder + "/rewrite.py")
        chmod(huge + ".key", 0o600)
        // The same huge key as PEM in a file whose text before the block says "Proc-Type: 4,ENCRYPTED":
        // only the block's own header decides how it is decrypted, so the count is still refused.
        let trick = folder + "/trick"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: trick + ".crt")
        let hugeDER = try #require(FileManager.default.contents(atPath: huge + ".key"))
        Fixtures.write(
            "Proc-Type: 4,ENCRYPTED\n" + PEMWriter.encode(label: "ENCRYPTED PRIVATE KEY", der: [UInt8](hugeDER)), to: trick + ".key")
        chmod(trick + ".key", 0o600)

        func keys(_ arguments: [String]) throws -> [String: [String: Any]] {
            let scan = Fixtures.run(Fixtures.executable, ["scan", "--profile", "files", "--format", "json"] + arguments + [folder])
            let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
            var byPath: [String: [String: Any]] = [:]
            for certificate in json["certificates"] as? [[String: Any]] ?? [] {
                byPath[certificate["path"] as! String] = certificate["privateKey"] as? [String: Any]
            }
            return byPath
        }
        let plain = try keys(["--password-file", passwords])
        for certificate in pairs.keys.sorted() + [folder + "/other.crt", huge + ".crt", trick + ".crt"] {
            #expect(plain[certificate]?["match"] as? String == "unchecked", "\(certificate)")
            #expect((plain[certificate]?["uncheckedReason"] as? String)?.contains("--match-encrypted-keys") == true)
        }
        let asked = try keys(["--match-encrypted-keys", "--password-file", passwords])
        for certificate in pairs.keys.sorted() {
            #expect(asked[certificate]?["match"] as? String == "match", "\(certificate): \(asked[certificate] ?? [:])")
        }
        #expect(asked[folder + "/other.crt"]?["match"] as? String == "mismatch")
        #expect(asked[huge + ".crt"]?["match"] as? String == "unchecked")
        #expect((asked[huge + ".crt"]?["uncheckedReason"] as? String)?.contains("2147483647") == true, "\(asked[huge + ".crt"] ?? [:])")
        #expect((asked[trick + ".crt"]?["uncheckedReason"] as? String)?.contains("2147483647") == true, "\(asked[trick + ".crt"] ?? [:])")
        // openssl agrees: the huge file is the same key with a changed count (its own check refuses or
        // takes forever; the cap is what keeps a scan bounded), and the mismatch is another key.
        let otherPublic = Fixtures.openssl(["pkey", "-in", folder + "/other.key", "-passin", "pass:s3cret", "-pubout"])
        #expect(otherPublic != Fixtures.openssl(["x509", "-in", folder + "/other.crt", "-noout", "-pubkey"]))
        // Without the right password: unchecked, saying so.
        let wrong = folder + "/wrong.txt"
        Fixtures.write("wrong-one\n", to: wrong)
        let without = try keys(["--match-encrypted-keys", "--password-file", wrong])
        #expect(without[folder + "/site0.crt"]?["match"] as? String == "unchecked")
        #expect((without[folder + "/site0.crt"]?["uncheckedReason"] as? String)?.contains("no password tried opens it") == true)
        #expect(!(without[folder + "/site0.crt"].map { "\($0)" } ?? "").contains("wrong-one"), "a password in the report")
    }

    /// Findings per certificate path of a `--profile files` scan.
    static func filesFindings(_ arguments: [String]) throws -> [String: Set<String>] {
        let scan = Fixtures.run(Fixtures.executable, ["scan", "--profile", "files", "--format", "json"] + arguments)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        var byPath: [String: Set<String>] = [:]
        for certificate in json["certificates"] as? [[String: Any]] ?? [] {
            byPath[certificate["path"] as? String ?? "", default: []].formUnion(
                ((certificate["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
        }
        return byPath
    }

    @Test func foldersOwnersLinksAndWhatIsNoKey() throws {
        let root = Fixtures.temporaryDirectory()
        func pair(_ folder: String, certificate: String = "server.crt", key: String = "server.key", mode: Int = 0o644) throws -> String {
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/" + certificate)
            try FileManager.default.copyItem(atPath: Self.rsa, toPath: folder + "/" + key)
            chmod(folder + "/" + key, mode_t(mode))
            return folder + "/" + certificate
        }
        // A 0644 key in a folder others cannot pass (Debian's /etc/ssl/private is 0710): not exposed.
        let closed = try pair(root + "/closed")
        chmod(root + "/closed", 0o700)
        // certbot's archive/ names; mkcert's NAME-key.pem.
        let archive = try pair(root + "/archive", certificate: "cert3.pem", key: "privkey3.pem")
        let mkcert = try pair(root + "/mkcert", certificate: "intranet.pem", key: "intranet-key.pem")
        // A key owned by the service user (nobody), not by the certificate's owner: a warning.
        let service = try pair(root + "/service", mode: 0o400)
        chown(root + "/service/server.key", 65534, 65534)
        // A link someone else planted to root's file is not followed; an OpenSSH key is no key.
        let planted = root + "/planted"
        try FileManager.default.createDirectory(atPath: planted, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: planted + "/server.crt")
        try FileManager.default.createSymbolicLink(atPath: planted + "/server.key", withDestinationPath: Self.rsa)
        lchown(planted + "/server.key", 65534, 65534)
        let openssh = try pair(root + "/openssh", mode: 0o644)
        Fixtures.write("-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXktdjEAAAAABG5vbmU=\n-----END OPENSSH PRIVATE KEY-----\n", to: root + "/openssh/server.key")
        // certbot's chain.pem holds only CAs: no key is judged with it.
        let chainFolder = root + "/chain"
        try FileManager.default.createDirectory(atPath: chainFolder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/ca/test-intermediate-ca.crt", toPath: chainFolder + "/chain.pem")
        try FileManager.default.copyItem(atPath: Self.rsa, toPath: chainFolder + "/privkey.pem")

        let found = try Self.filesFindings([closed, archive, mkcert, service, planted + "/server.crt", openssh, chainFolder + "/chain.pem"])
        #expect(found[closed] == [], "\(found)")
        #expect(found[archive] == ["files.private-key-exposed"], "\(found)")
        #expect(found[mkcert] == ["files.private-key-exposed"], "\(found)")
        #expect(found[service] == ["files.private-key-shared"], "\(found)")
        #expect(found[planted + "/server.crt"] == [], "\(found)")
        #expect(found[openssh] == [], "\(found)")
        #expect(found[chainFolder + "/chain.pem"] == [], "\(found)")
        chmod(root + "/closed", 0o755)
    }

    @Test func certbotsLiveLinksAndACombinedFile() throws {
        // live/example.com/{cert,fullchain,privkey}.pem link into archive/, as certbot lays them out; the
        // key's mode is read through the link. A combined PEM (key first) is judged on its own mode.
        let folder = Fixtures.temporaryDirectory()
        let archive = folder + "/archive/example.com"
        let live = folder + "/live/example.com"
        try FileManager.default.createDirectory(atPath: archive, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: live, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: archive + "/cert1.pem")
        try FileManager.default.copyItem(atPath: Self.rsa, toPath: archive + "/privkey1.pem")
        chmod(archive + "/privkey1.pem", 0o644)
        try FileManager.default.createSymbolicLink(atPath: live + "/cert.pem", withDestinationPath: "../../archive/example.com/cert1.pem")
        try FileManager.default.createSymbolicLink(atPath: live + "/privkey.pem", withDestinationPath: "../../archive/example.com/privkey1.pem")
        let combined = folder + "/haproxy.pem"
        let text = try String(contentsOfFile: Self.ec, encoding: .utf8) + String(contentsOfFile: Fixtures.samples + "/tls/good-rsa.crt", encoding: .utf8)
        Fixtures.write(text, to: combined)
        chmod(combined, 0o600)

        let scan = Fixtures.run(Fixtures.executable, ["scan", "--profile", "files", "--format", "json", live + "/cert.pem", combined])
        let json = try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)")
        var byPath: [String: Set<String>] = [:]
        for certificate in json["certificates"] as? [[String: Any]] ?? [] {
            byPath[certificate["path"] as? String ?? ""] = Set(((certificate["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
        }
        #expect(byPath[live + "/cert.pem"] == ["files.private-key-exposed"], "\(byPath)")
        #expect(byPath[combined] == ["files.private-key-mismatch"], "the EC key is not the RSA certificate's: \(byPath)")
    }
}
