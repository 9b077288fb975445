import Foundation
import Testing
@testable import CertAudit

/// Every PKCS#12 that `remediate` writes is read back by the programs that import them: OpenSSL
/// (`pkcs12 -info` for the algorithms), Java's `keytool -list` and NSS's `pk12util -l`. By default a
/// replacement keeps the original's encryption family (legacy in → 3DES + SHA-1 MAC out, which
/// Windows Server 2016 imports; AES in → AES out), its friendlyName and its localKeyID;
/// `--pfx-encryption` (and its alias `--legacy-pfx`) overrides the family.
@Suite(.serialized) struct PKCS12InteropTests {
    static let passwordFile = Fixtures.samples + "/passwords.txt"
    static let keytool = "/usr/bin/keytool"
    static let pk12util = "/usr/bin/pk12util"
    static let certutil = "/usr/bin/certutil"

    struct Case: CustomTestStringConvertible, Sendable {
        /// "legacy": samples/veeam/vspc-5.pfx (RC2-40 certificates, 3DES key, SHA-1 MAC); "aes": an
        /// OpenSSL 3 default export (AES-256-CBC, SHA-256 MAC) of the Veeam ONE 10a certificate.
        var input: PKCS12Protection.Family
        var options: [String]
        var expected: PKCS12Protection.Family
        var testDescription: String { "\(input) in, \(options.joined(separator: " ")) → \(expected) out" }
    }

    static let cases: [Case] = [
        Case(input: .legacy, options: [], expected: .legacy),
        Case(input: .aes, options: [], expected: .aes),
        Case(input: .legacy, options: ["--pfx-encryption", "aes"], expected: .aes),
        Case(input: .aes, options: ["--pfx-encryption", "legacy"], expected: .legacy),
        Case(input: .aes, options: ["--legacy-pfx"], expected: .legacy),
    ]

    /// The input PFX for a case, and its friendlyName.
    static func input(_ family: PKCS12Protection.Family, in folder: String) -> (path: String, friendlyName: String) {
        switch family {
        case .legacy:
            return (Fixtures.samples + "/veeam/vspc-5.pfx", "Veeam Service Provider Console")
        case .aes:
            let path = folder + "/vone.pfx"
            Fixtures.openssl([
                "pkcs12", "-export", "-in", Fixtures.samples + "/veeam/veeam-one-10a.crt", "-inkey",
                Fixtures.samples + "/keys/veeam-one-10a.key", "-name", "Veeam ONE web certificate", "-passout",
                "file:" + passwordFile, "-out", path,
            ])
            return (path, "Veeam ONE web certificate")
        }
    }

    /// `openssl pkcs12 -info` lines naming algorithms (OpenSSL prints them on standard error).
    static func info(_ path: String) -> String {
        let result = Fixtures.run(
            "/usr/bin/openssl", ["pkcs12", "-info", "-noout", "-legacy", "-in", path, "-passin", "file:" + passwordFile])
        #expect(result.status == 0, "openssl pkcs12 -info: \(result.stderr)")
        return result.stderr + result.stdout
    }

    /// The localKeyID lines of every bag, as `openssl pkcs12` prints them.
    static func localKeyIDs(_ path: String) -> Set<String> {
        let dump = Fixtures.openssl(["pkcs12", "-in", path, "-legacy", "-nodes", "-passin", "file:" + passwordFile])
        return Set(dump.components(separatedBy: "\n").filter { $0.contains("localKeyID:") }.map {
            $0.trimmingCharacters(in: .whitespaces)
        })
    }

    @Test(arguments: cases)
    func replacementImportsWhereTheOriginalDid(_ testCase: Case) throws {
        let folder = Fixtures.temporaryDirectory()
        let (source, friendlyName) = Self.input(testCase.input, in: folder)
        let before = Self.info(source)
        switch testCase.input {
        case .legacy: #expect(before.contains("MAC: sha1") && before.contains("pbeWithSHA1And40BitRC2-CBC"), "\(before)")
        case .aes: #expect(before.contains("MAC: sha256") && before.contains("AES-256-CBC"), "\(before)")
        }
        let originalIDs = Self.localKeyIDs(source)
        #expect(originalIDs.count == 1, "one localKeyID shared by key and certificate bags: \(originalIDs)")

        let out = folder + "/out"
        let result = Fixtures.run(
            Fixtures.executable,
            ["remediate", "--profile", "browser", "--password-file", Self.passwordFile, "--out", out] + testCase.options
                + [source])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let written = out + "/" + URL(fileURLWithPath: source).lastPathComponent
        #expect(result.stdout.contains("pkcs12  \(testCase.expected.rawValue):"), "the output names the family: \(result.stdout)")

        // OpenSSL: the family's algorithms for certificates, key and MAC.
        let after = Self.info(written)
        switch testCase.expected {
        case .legacy:
            #expect(after.contains("MAC: sha1"), "\(after)")
            #expect(after.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC"), "\(after)")
            #expect(after.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC"), "\(after)")
            #expect(!after.contains("AES"), "\(after)")
        case .aes:
            #expect(after.contains("MAC: sha256"), "\(after)")
            #expect(after.contains("PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC"), "\(after)")
            #expect(after.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC"), "\(after)")
            #expect(!after.contains("pbeWithSHA1"), "\(after)")
        }
        // friendlyName and localKeyID as in the original (profile browser keeps the name).
        #expect(Self.localKeyIDs(written) == originalIDs)
        let replacement = try #require(Fixtures.report(for: written).certificates.first)
        #expect(replacement.friendlyName == friendlyName)
        #expect(replacement.facts.keyUsage?.bits.contains(.digitalSignature) == true)

        // Java imports it: one private-key entry under the friendlyName, with the new certificate.
        let java = Fixtures.run(
            Self.keytool, ["-list", "-v", "-storetype", "PKCS12", "-keystore", written, "-storepass:file", Self.passwordFile])
        #expect(java.status == 0, "keytool: \(java.stdout)\(java.stderr)")
        #expect(java.stdout.contains("Entry type: PrivateKeyEntry"), "\(java.stdout)")
        #expect(java.stdout.contains("Alias name: \(friendlyName.lowercased())"), "\(java.stdout)")
        let fingerprint = stride(from: 0, to: replacement.facts.sha256.count, by: 2).map { offset -> String in
            let start = replacement.facts.sha256.index(replacement.facts.sha256.startIndex, offsetBy: offset)
            return String(replacement.facts.sha256[start..<replacement.facts.sha256.index(start, offsetBy: 2)]).uppercased()
        }.joined(separator: ":")
        #expect(java.stdout.contains("SHA256: " + fingerprint), "\(java.stdout)")

        // NSS imports it: the certificate has its private key, both under the friendlyName.
        let database = folder + "/nssdb"
        try FileManager.default.createDirectory(atPath: database, withIntermediateDirectories: true)
        #expect(Fixtures.run(Self.certutil, ["-N", "--empty-password", "-d", "sql:" + database]).status == 0)
        let nss = Fixtures.run(Self.pk12util, ["-l", written, "-w", Self.passwordFile, "-d", "sql:" + database])
        #expect(nss.status == 0, "pk12util: \(nss.stdout)\(nss.stderr)")
        #expect(nss.stdout.contains("Certificate(has private key):"), "\(nss.stdout)")
        #expect(nss.stdout.contains("Key(shrouded):"), "\(nss.stdout)")
        #expect(nss.stdout.components(separatedBy: "Friendly Name: \(friendlyName)").count == 3, "\(nss.stdout)")
        let expectedCipher = testCase.expected == .legacy ? "Triple DES" : "AES-256"
        #expect(nss.stdout.contains(expectedCipher), "\(nss.stdout)")

        // The manifest records the family.
        let manifest = try #require(FileManager.default.contents(atPath: out + "/remediation.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        let entry = try #require((json["replacements"] as? [[String: Any]])?.first)
        #expect(entry["pkcs12Encryption"] as? String == testCase.expected.rawValue)
    }

    @Test func dryRunSaysWhichFamilyItWouldWrite() {
        let result = Fixtures.run(
            Fixtures.executable,
            ["remediate", "--dry-run", "--password-file", Self.passwordFile, Fixtures.samples + "/veeam/vspc-5.pfx"])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("keep    PKCS#12 encryption family legacy"), "\(result.stdout)")
        #expect(result.stdout.contains("pbeWithSHA1And40BitRC2-CBC"), "the original's algorithms are named: \(result.stdout)")
        #expect(result.stdout.contains("keep    PKCS#12 localKeyID 45b0de7d"), "\(result.stdout)")
    }

    @Test func contradictoryOptionsAreAUsageError() {
        let result = Fixtures.run(
            Fixtures.executable,
            ["remediate", "--dry-run", "--legacy-pfx", "--pfx-encryption", "aes", Fixtures.samples + "/veeam/vspc-5.pfx"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("contradict"))
        let unknown = Fixtures.run(
            Fixtures.executable, ["remediate", "--dry-run", "--pfx-encryption", "rc2", Fixtures.samples + "/veeam/vspc-5.pfx"])
        #expect(unknown.status == 2)
        #expect(unknown.stderr.contains("legacy") && unknown.stderr.contains("aes"), "the allowed values are listed: \(unknown.stderr)")
    }

    @Test func scanReadsCertificatesWithoutDecryptingTheKey() throws {
        // A scan reports the protection it found without touching key material: the decoder of a scan
        // never keeps a key, and the family and algorithms still come back.
        let bytes = [UInt8](try #require(FileManager.default.contents(atPath: Fixtures.samples + "/veeam/vspc-5.pfx")))
        let decoded = ContainerDecoder(passwords: Fixtures.passwords).decode(bytes, name: "vspc-5.pfx")
        #expect(decoded.certificates.count == 1)
        #expect(decoded.privateKeys == 1)
        #expect(decoded.privateKey == nil)
        #expect(decoded.pkcs12Protection?.family == .legacy)
        #expect(decoded.pkcs12Protection?.keyCipher == "pbeWithSHA1And3-KeyTripleDES-CBC")
        #expect(decoded.pkcs12Protection?.certificateCipher == "pbeWithSHA1And40BitRC2-CBC")
        #expect(decoded.pkcs12Protection?.macDigest == "SHA1")
        let kept = ContainerDecoder(passwords: Fixtures.passwords, keepSecrets: true).decode(bytes, name: "vspc-5.pfx")
        #expect(kept.privateKey != nil, "remediation still gets the key")
    }
}
