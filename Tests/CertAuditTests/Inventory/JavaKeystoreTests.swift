import Foundation
import Testing
@testable import CertAudit

/// Java keystores as `keytool` (openjdk) makes them: JKS and JCEKS with trusted-certificate, private-key
/// and secret-key entries, read with and without the store password, a wrong password, a truncated
/// store; each certificate's alias and SHA-256 checked against `keytool -list -v`.
@Suite(.serialized) struct JavaKeystoreTests {
    static let keytool = "/usr/bin/keytool"

    static func keytool(_ arguments: [String]) {
        let result = Fixtures.run(Self.keytool, arguments)
        #expect(result.status == 0, "keytool \(arguments): \(result.stdout)\(result.stderr)")
    }

    /// A store with a broken Veeam certificate (trusted entry), a generated key pair whose KeyUsage lacks
    /// digitalSignature, the test root, and for JCEKS an AES secret key between them.
    static func makeStore(_ type: String, folder: String, password: String = "changeit") -> String {
        let path = folder + "/store." + type.lowercased()
        let common = ["-keystore", path, "-storetype", type, "-storepass", password]
        keytool(["-importcert", "-noprompt", "-alias", "veeam", "-file", Fixtures.samples + "/veeam/veeam-one-10a.crt"] + common)
        keytool(
            ["-genkeypair", "-alias", "server", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=srv.example.com",
             "-ext", "KU=keyEncipherment,dataEncipherment", "-ext", "SAN=dns:srv.example.com", "-keypass", password] + common)
        if type == "JCEKS" {
            keytool(["-genseckey", "-alias", "secret", "-keyalg", "AES", "-keysize", "128", "-keypass", password] + common)
        }
        keytool(["-importcert", "-noprompt", "-alias", "root", "-file", Fixtures.samples + "/ca/test-root-ca.crt"] + common)
        return path
    }

    /// alias → SHA-256 fingerprint (lower-case hex) of each entry's first certificate, as keytool lists them.
    static func keytoolFingerprints(_ path: String, type: String) -> [String: String] {
        let listing = Fixtures.run(Self.keytool, ["-list", "-v", "-keystore", path, "-storetype", type, "-storepass", "changeit"]).stdout
        var result: [String: String] = [:]
        var alias: String?
        for line in listing.split(separator: "\n") {
            if line.hasPrefix("Alias name: ") {
                alias = String(line.dropFirst("Alias name: ".count))
            } else if let current = alias, line.contains("SHA256: "), result[current] == nil {
                result[current] = line.components(separatedBy: "SHA256: ")[1].replacingOccurrences(of: ":", with: "").lowercased()
            }
        }
        return result
    }

    static func scan(_ arguments: [String]) throws -> (Int32, [String: Any]) {
        let scan = Fixtures.run(Fixtures.executable, ["scan", "--format", "json"] + arguments)
        return (scan.status, try #require(try JSONSerialization.jsonObject(with: Data(scan.stdout.utf8)) as? [String: Any], "\(scan.stderr)"))
    }

    @Test(arguments: ["JKS", "JCEKS"])
    func everyEntryIsReadByAlias(_ type: String) throws {
        let folder = Fixtures.temporaryDirectory()
        let store = Self.makeStore(type, folder: folder)
        Fixtures.write("changeit\n", to: folder + "/passwords")
        let (status, json) = try Self.scan(["--password-file", folder + "/passwords", store])
        #expect((json["errors"] as? [Any])?.isEmpty == true, "\(json["errors"] ?? "")")
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(certificates.allSatisfy { $0["container"] as? String == type.lowercased() })
        var byAlias: [String: [String: Any]] = [:]
        for certificate in certificates {
            byAlias[certificate["friendlyName"] as? String ?? ""] = certificate
        }
        #expect(Set(byAlias.keys) == ["veeam", "server", "root"], "the secret key has no certificate")
        // The same certificates keytool lists, alias by alias.
        let fingerprints = Self.keytoolFingerprints(store, type: type)
        #expect(fingerprints.count == 3, "\(fingerprints)")
        for (alias, fingerprint) in fingerprints {
            #expect(byAlias[alias]?["sha256"] as? String == fingerprint, "\(alias)")
        }
        func rules(_ alias: String) -> Set<String> {
            Set(((byAlias[alias]?["findings"] as? [[String: Any]]) ?? []).compactMap { $0["ruleId"] as? String })
        }
        #expect(rules("veeam").contains("browser.ku-lacks-digital-signature"))
        #expect(rules("server").contains("browser.ku-lacks-digital-signature"))
        #expect(rules("root").isEmpty)
        #expect((byAlias["server"]?["location"] as? String)?.contains("private key entry") == true)
        #expect((byAlias["veeam"]?["location"] as? String)?.contains("integrity not checked") == false)
        #expect(status == 1)
    }

    @Test func withoutThePasswordTheCertificatesAreReadAndTheReportSaysSo() throws {
        let folder = Fixtures.temporaryDirectory()
        // Java's default store password is tried without being given.
        let (_, defaultStore) = try Self.scan([Self.makeStore("JKS", folder: Fixtures.temporaryDirectory())])
        #expect(((defaultStore["certificates"] as? [[String: Any]]) ?? []).allSatisfy {
            ($0["location"] as? String)?.contains("integrity not checked") == false
        })
        let store = Self.makeStore("JKS", folder: folder, password: "s3cret-store")
        let (status, json) = try Self.scan([store])
        #expect((json["errors"] as? [Any])?.isEmpty == true)
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(certificates.count == 3)
        #expect(certificates.allSatisfy { ($0["location"] as? String)?.contains("store integrity not checked") == true })
        #expect(status == 1, "the broken certificates still fail")

        // A password that does not match is an error of its own, and the certificates are still judged.
        Fixtures.write("wrong-password\n", to: folder + "/passwords")
        let (wrongStatus, wrong) = try Self.scan(["--password-file", folder + "/passwords", store])
        #expect(((wrong["errors"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String } == ["keystore.wrong-password"])
        #expect((wrong["certificates"] as? [Any])?.count == 3)
        #expect(wrongStatus == 3)
    }

    @Test func aTruncatedOrForgedStoreIsAProblemNotACrash() throws {
        let folder = Fixtures.temporaryDirectory()
        let store = Self.makeStore("JCEKS", folder: folder)
        let bytes = try [UInt8](Data(contentsOf: URL(fileURLWithPath: store)))
        for (name, damaged) in [
            ("truncated.jceks", Array(bytes.prefix(bytes.count / 2))),
            ("huge-count.jks", JavaKeystoreReader.jksMagic + [0, 0, 0, 2, 0x7f, 0xff, 0xff, 0xff]),
            ("huge-length.jks", JavaKeystoreReader.jksMagic + [0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 2, 0, 1, 0x61] + Array(repeating: 0, count: 8) + [0, 5] + Array("X.509".utf8) + [0xff, 0xff, 0xff, 0xff]),
        ] {
            FileManager.default.createFile(atPath: folder + "/" + name, contents: Data(damaged))
            let (status, json) = try Self.scan([folder + "/" + name])
            #expect(((json["errors"] as? [[String: Any]]) ?? []).compactMap { $0["code"] as? String } == ["keystore.unreadable"], "\(name): \(json)")
            #expect(status == 3)
        }
    }

    @Test func aPKCS12StoreFromKeytoolIsReadToo() throws {
        let folder = Fixtures.temporaryDirectory()
        let store = Self.makeStore("PKCS12", folder: folder)
        Fixtures.write("changeit\n", to: folder + "/passwords")
        let (_, json) = try Self.scan(["--password-file", folder + "/passwords", store])
        let certificates = try #require(json["certificates"] as? [[String: Any]])
        #expect(Set(certificates.compactMap { $0["friendlyName"] as? String }) == ["veeam", "server", "root"], "\(json["errors"] ?? "")")
    }

    /// The private key and certificate of one entry, as keytool exports them into a PKCS#12 (which keytool
    /// can only do when it can decrypt the key): SHA-256 of the key's public half and the certificate's.
    static func exportedEntry(_ store: String, type: String, alias: String, password: String = "changeit") throws -> (
        key: String, certificate: String
    ) {
        let p12 = Fixtures.temporaryDirectory() + "/export.p12"
        let exported = Fixtures.run(
            Self.keytool,
            ["-importkeystore", "-noprompt", "-srckeystore", store, "-srcstoretype", type, "-srcstorepass", password,
             "-srcalias", alias, "-destkeystore", p12, "-deststoretype", "PKCS12", "-deststorepass", password])
        try #require(exported.status == 0, "keytool could not export '\(alias)': \(exported.stdout)\(exported.stderr)")
        let key = Fixtures.openssl(["pkcs12", "-in", p12, "-passin", "pass:" + password, "-nocerts", "-nodes"])
        let keyPublic = Fixtures.run("/usr/bin/openssl", ["pkey", "-pubout"], stdin: Data(key.utf8)).stdout
        let certificate = Fixtures.openssl(["pkcs12", "-in", p12, "-passin", "pass:" + password, "-clcerts", "-nokeys"])
        let certificatePublic = Fixtures.run("/usr/bin/openssl", ["x509", "-pubkey", "-noout"], stdin: Data(certificate.utf8)).stdout
        return (keyPublic, certificatePublic)
    }

    /// `remediate` writes a store of the same type: the broken key entry re-issued under its alias (new
    /// key protected as keytool does, or the same key), every other entry (trusted certificates, the
    /// JCEKS secret key) byte for byte, the same store password; keytool lists it, verifies its integrity,
    /// and can decrypt the entry's key, which belongs to the new certificate.
    @Test(arguments: ["JKS", "JCEKS"])
    func remediateRewritesTheStore(_ type: String) throws {
        for keyMode in ["new", "reuse"] {
            let folder = Fixtures.temporaryDirectory()
            let store = Self.makeStore(type, folder: folder)
            Fixtures.write("changeit\n", to: folder + "/passwords")
            let before = Self.keytoolFingerprints(store, type: type)
            let original = try Self.exportedEntry(store, type: type, alias: "server")
            let out = folder + "/out"
            let result = Fixtures.run(
                Fixtures.executable, ["remediate", "--key", keyMode, "--password-file", folder + "/passwords", "--out", out, store])
            // Exit 1: the trusted Veeam certificate has findings but no key in the store, so it cannot be re-issued.
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("wrote " + out), "\(result.stdout)")
            let written = out + "/store." + type.lowercased()
            let mode = try FileManager.default.attributesOfItem(atPath: written)[.posixPermissions] as? Int
            #expect(mode == 0o600, "a store with keys is written 0600")
            // keytool checks the integrity digest with the password when it lists the store.
            let listing = Fixtures.run(Self.keytool, ["-list", "-v", "-keystore", written, "-storetype", type, "-storepass", "changeit"])
            #expect(listing.status == 0, "\(listing.stdout)\(listing.stderr)")
            #expect(listing.stdout.contains("Your keystore contains \(type == "JCEKS" ? 4 : 3) entries"))
            if type == "JCEKS" {
                #expect(listing.stdout.contains("Entry type: SecretKeyEntry"))
            }
            let after = Self.keytoolFingerprints(written, type: type)
            #expect(after["veeam"] == before["veeam"] && after["root"] == before["root"], "other entries are kept")
            #expect(after["server"] != nil && after["server"] != before["server"], "the entry is re-issued under its alias")
            let serverSection = listing.stdout.components(separatedBy: "Alias name: server").last ?? ""
            #expect(serverSection.contains("DigitalSignature"), "the new certificate has digitalSignature")
            let replaced = try Self.exportedEntry(written, type: type, alias: "server")
            #expect(replaced.key == replaced.certificate, "the entry's key belongs to its new certificate")
            #expect((replaced.key == original.key) == (keyMode == "reuse"), "\(keyMode): the key is \(keyMode == "reuse" ? "kept" : "new")")
            // The new store scans clean of the KeyUsage finding.
            let (_, json) = try Self.scan(["--password-file", folder + "/passwords", written])
            let server = (json["certificates"] as? [[String: Any]] ?? []).first { $0["friendlyName"] as? String == "server" }
            let rules = (server?["findings"] as? [[String: Any]] ?? []).compactMap { $0["ruleId"] as? String }
            #expect(!rules.contains("browser.ku-lacks-digital-signature"), "\(rules)")
        }
    }

    /// With `--match-encrypted-keys`, the key of a keystore's private-key entry (keytool protects JCEKS
    /// keys with PBEWithMD5AndTripleDES, JKS keys with Sun's protector) and of a PKCS#12 key bag is
    /// decrypted and compared with its certificate, and the container file's mode is judged as the key's;
    /// without the flag no key is decrypted and containers get no key check at all.
    @Test func containerKeysAreMatchedOnlyWhenAsked() throws {
        let folder = Fixtures.temporaryDirectory()
        let jks = Self.makeStore("JKS", folder: folder)
        let jceks = Self.makeStore("JCEKS", folder: folder)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/vspc-5.pfx", toPath: folder + "/vspc-5.pfx")
        for path in [jks, jceks, folder + "/vspc-5.pfx"] { chmod(path, 0o644) }
        let passwords = folder + "/passwords"
        Fixtures.write("changeit\ncertaudit-sample\n", to: passwords)
        func keys(_ extra: [String]) throws -> [String: [String: Any]] {
            let (_, json) = try Self.scan(["--profile", "files", "--password-file", passwords] + extra + [folder])
            var found: [String: [String: Any]] = [:]
            for certificate in json["certificates"] as? [[String: Any]] ?? [] {
                if let key = certificate["privateKey"] as? [String: Any] {
                    found[(certificate["path"] as! NSString).lastPathComponent + "#" + (certificate["friendlyName"] as? String ?? "")] = key
                    let rules = (certificate["findings"] as? [[String: Any]] ?? []).compactMap { $0["ruleId"] as? String }
                    #expect(rules.contains("files.private-key-exposed"), "a 0644 container with a key: \(rules)")
                }
            }
            return found
        }
        // A facts cache made without the flag is not reused with it (the parse differs).
        let cache = folder + "/facts.cache"
        #expect(try keys(["--cache", cache]).isEmpty, "no flag: containers get no key check")
        let checked = try keys(["--match-encrypted-keys", "--cache", cache])
        #expect(Set(checked.keys) == ["store.jks#server", "store.jceks#server", "vspc-5.pfx#Veeam Service Provider Console"], "\(checked.keys)")
        for (name, key) in checked {
            #expect(key["match"] as? String == "match", "\(name): \(key)")
            #expect(key["algorithm"] as? String == "rsa" && key["bits"] as? Int == 2048, "\(name): \(key)")
            #expect(key["mode"] as? String == "0644")
        }
        // The store password unknown: the key stays unchecked, and says why.
        let other = Fixtures.temporaryDirectory()
        let locked = Self.makeStore("JCEKS", folder: other, password: "only-keytool-knows")
        let (_, json) = try Self.scan(["--profile", "files", "--match-encrypted-keys", locked])
        let server = (json["certificates"] as? [[String: Any]] ?? []).first { $0["friendlyName"] as? String == "server" }
        let key = try #require(server?["privateKey"] as? [String: Any])
        #expect(key["match"] as? String == "unchecked")
        #expect((key["uncheckedReason"] as? String)?.contains("password is unknown") == true, "\(key)")
    }

    @Test func aKeyPasswordOtherThanTheStorePasswordIsRefusedForANewKey() throws {
        let folder = Fixtures.temporaryDirectory()
        let store = folder + "/tomcat.jks"
        Self.keytool(
            ["-genkeypair", "-alias", "tomcat", "-keyalg", "RSA", "-keysize", "2048", "-dname", "CN=tomcat.example.com",
             "-ext", "KU=keyEncipherment", "-ext", "SAN=dns:tomcat.example.com", "-keystore", store, "-storetype", "JKS",
             "-storepass", "changeit", "-keypass", "another-key-password"])
        let result = Fixtures.run(Fixtures.executable, ["remediate", "--out", folder + "/out", store])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("does not open with the store password"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/tomcat.jks"))
    }

    @Test func aStoreWhosePasswordIsUnknownIsNotRewritten() throws {
        let folder = Fixtures.temporaryDirectory()
        let store = Self.makeStore("JKS", folder: folder, password: "not-given-anywhere")
        let result = Fixtures.run(Fixtures.executable, ["remediate", "--out", folder + "/out", store])
        #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("store's password is unknown"), "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out/store.jks"))
        // The trusted Veeam certificate has no key in the store: said so, not re-issued.
        let known = Fixtures.temporaryDirectory()
        let second = Self.makeStore("JKS", folder: known)
        let dry = Fixtures.run(Fixtures.executable, ["remediate", "--dry-run", "--out", known + "/out", second])
        #expect(dry.stdout.contains("trusted-certificate entry 'veeam' has no private key"), "\(dry.stdout)")
    }
}
