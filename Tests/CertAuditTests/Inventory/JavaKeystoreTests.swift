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

    @Test func remediateSaysKeystoresAreNotRewritten() throws {
        let folder = Fixtures.temporaryDirectory()
        let store = Self.makeStore("JKS", folder: folder)
        let result = Fixtures.run(Fixtures.executable, ["remediate", "--output", folder + "/out", store])
        #expect(result.status != 0)
        #expect((result.stdout + result.stderr).contains("Java keystores are read but not rewritten yet"), "\(result.stdout)\(result.stderr)")
    }
}
