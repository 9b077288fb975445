import Foundation
import Testing
@testable import CertAudit

/// `certaudit remediate`, checked with independent tools: openssl x509/verify/pkey/pkcs12/req, and a
/// re-scan of what it wrote.
@Suite struct RemediateCommandTests {
    let binary = Fixtures.executable
    static let passwords = Fixtures.samples + "/passwords.txt"
    static let caArguments = [
        "--ca-cert", Fixtures.samples + "/ca/test-intermediate-ca.crt", "--ca-key", Fixtures.samples + "/keys/test-intermediate-ca.key",
    ]

    struct Case: CustomTestStringConvertible, Sendable {
        var sample: String
        var profile: String
        var extra: [String] = []
        /// OpenSSL's names of the KeyUsage bits the replacement must carry.
        var keyUsage: Set<String>
        var caSigned = false
        /// The original already had the target KeyUsage.
        var keyUsageKept = false
        var testDescription: String { "\(sample) --profile \(profile) \(extra.joined(separator: " "))" }
    }

    static let rsaBrowser: Set<String> = ["Digital Signature", "Key Encipherment"]
    static let rsaVendor: Set<String> = ["Digital Signature", "Non Repudiation", "Key Encipherment", "Data Encipherment"]
    static let cases: [Case] = [
        Case(sample: "veeam/veeam-one-10a.crt", profile: "browser", keyUsage: rsaBrowser),
        Case(sample: "veeam/veeam-one-10a.crt", profile: "vendor", keyUsage: rsaVendor),
        Case(sample: "veeam/veeam-one-11.crt", profile: "vendor", keyUsage: rsaVendor),
        Case(sample: "veeam/vbem-10a.cer", profile: "browser", keyUsage: rsaBrowser),
        Case(sample: "veeam/vbem-10a.cer", profile: "vendor", extra: ["--key-type", "ec-p256"], keyUsage: ["Digital Signature", "Non Repudiation"]),
        // vspc-5.pfx is legacy (RC2-40/3DES, SHA-1 MAC): kept legacy by default, AES on request.
        Case(sample: "veeam/vspc-5.pfx", profile: "vendor", keyUsage: rsaVendor),
        Case(sample: "veeam/vspc-5.pfx", profile: "browser", extra: ["--pfx-encryption", "aes"], keyUsage: rsaBrowser),
        Case(sample: "tls/cn-only.crt", profile: "browser", extra: caArguments, keyUsage: rsaBrowser, caSigned: true, keyUsageKept: true),
        Case(sample: "tls/ec-p384-ku-no-ds.crt", profile: "browser", extra: caArguments, keyUsage: ["Digital Signature"], caSigned: true),
        Case(sample: "tls/ec-key-encipherment.crt", profile: "rfc5280", extra: caArguments, keyUsage: ["Digital Signature"], caSigned: true),
        Case(sample: "tls/rsa-1024.crt", profile: "browser", extra: caArguments, keyUsage: rsaBrowser, caSigned: true, keyUsageKept: true),
        Case(sample: "tls/sha1-signature.crt", profile: "browser", extra: caArguments, keyUsage: rsaBrowser, caSigned: true, keyUsageKept: true),
        Case(sample: "tls/dsa-2048.crt", profile: "browser", keyUsage: rsaBrowser),
        Case(sample: "tls/client-auth-only.crt", profile: "browser", extra: caArguments, keyUsage: rsaBrowser, caSigned: true, keyUsageKept: true),
        Case(sample: "tls/expired.crt", profile: "browser", extra: caArguments, keyUsage: rsaBrowser, caSigned: true, keyUsageKept: true),
    ]

    func remediate(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(binary, ["remediate", "--password-file", Self.passwords] + arguments)
    }

    static func keyUsage(_ text: String) -> Set<String> {
        guard let value = OpenSSLCrossCheckTests.extensionValue(text, "X509v3 Key Usage")?.value else { return [] }
        return Set(value.components(separatedBy: ", "))
    }

    static func subjectDER(_ der: [UInt8]) throws -> [UInt8] {
        try LenientCertificateParser.parse(der[...]).subject.der
    }

    @Test(arguments: cases)
    func replacementIsCompliantAndKeepsTheNames(_ testCase: Case) throws {
        let folder = Fixtures.temporaryDirectory()
        let out = folder + "/out"
        let source = Fixtures.samples + "/" + testCase.sample
        let result = remediate(["--profile", testCase.profile, "--out", out] + testCase.extra + [source])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let name = String(testCase.sample.split(separator: "/").last!)
        let written = out + "/" + name
        let stem = PlanBuilder.stem(of: written)
        let original = Fixtures.report(for: source).certificates[0]

        // The certificate as OpenSSL sees it, in PEM.
        let certificatePEM = folder + "/new.pem"
        var keyPath = stem + ".key"
        switch original.container {
        case .pkcs12:
            let dump = Fixtures.openssl(["pkcs12", "-in", written, "-passin", "file:" + Self.passwords, "-nodes"])
            let info = Fixtures.run("/usr/bin/openssl", ["pkcs12", "-in", written, "-passin", "file:" + Self.passwords, "-info", "-noout"])
            if testCase.extra.contains("aes") {
                #expect(info.stderr.contains("AES-256-CBC"), "\(info.stderr)")
                #expect(info.stderr.contains("MAC: sha256"))
            } else {
                #expect(info.stderr.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "\(info.stderr)")
                #expect(info.stderr.contains("MAC: sha1"))
            }
            let expectedName = testCase.profile == "vendor"
                ? PlanBuilder.datedFriendlyName(original.friendlyName!, now: UnixTime.now()) : original.friendlyName!
            #expect(dump.contains("friendlyName: " + expectedName))
            Fixtures.write(dump, to: certificatePEM)
            keyPath = certificatePEM  // the key is inside the PKCS#12 dump
        case .der:
            Fixtures.openssl(["x509", "-inform", "DER", "-in", written, "-out", certificatePEM])
            keyPath = stem + ".key.der"
        default:
            Fixtures.openssl(["x509", "-in", written, "-out", certificatePEM])
        }
        let text = Fixtures.openssl(["x509", "-in", certificatePEM, "-noout", "-text"])
        #expect(Self.keyUsage(text) == testCase.keyUsage, "\(text)")
        #expect(text.contains("CA:FALSE"))

        // Names: subject DER identical, SANs the same (or made from the CN), EKU has serverAuth.
        let replacement = Fixtures.report(for: certificatePEM).certificates[0]
        #expect(replacement.facts.subject.der == original.facts.subject.der)
        if let san = original.facts.subjectAltNames {
            #expect(replacement.facts.subjectAltNames?.der == san.der)
        } else {
            #expect(replacement.facts.subjectAltNames?.dnsNames == original.facts.subject.commonNames)
        }
        #expect(replacement.facts.extendedKeyUsage?.permitsServerAuth ?? true)
        #expect(replacement.facts.sha256 != original.facts.sha256)

        // Signature chain.
        if testCase.caSigned {
            let verify = Fixtures.run(
                "/usr/bin/openssl",
                ["verify", "-CAfile", Fixtures.samples + "/ca/test-root-ca.crt", "-untrusted", Fixtures.samples + "/ca/test-intermediate-ca.crt", certificatePEM])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        } else {
            let verify = Fixtures.run("/usr/bin/openssl", ["verify", "-CAfile", certificatePEM, certificatePEM])
            #expect(verify.status == 0, "\(verify.stdout)\(verify.stderr)")
        }

        // The private key matches the certificate, and is written 0600.
        let certificateKey = Fixtures.openssl(["x509", "-in", certificatePEM, "-noout", "-pubkey"])
        let keyForm = keyPath.hasSuffix(".der") ? ["-inform", "DER"] : []
        let privateKey = Fixtures.openssl(["pkey", "-in", keyPath, "-pubout"] + keyForm)
        #expect(certificateKey == privateKey)
        let keyFile = original.container == .pkcs12 ? written : keyPath
        let mode = try FileManager.default.attributesOfItem(atPath: keyFile)[.posixPermissions] as? Int
        #expect(mode == 0o600)

        // Re-scanning the output under the chosen profile finds no error.
        let rescan = Fixtures.run(
            binary, ["scan", "--profile", testCase.profile, "--profile", "browser", "--password-file", Self.passwords, written])
        #expect(rescan.status == 0, "\(rescan.stdout)")

        // The manifest names the change.
        let manifest = try #require(FileManager.default.contents(atPath: out + "/remediation.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        let entry = try #require((json["replacements"] as? [[String: Any]])?.first)
        #expect(entry["source"] as? String == source)
        #expect(entry["oldSha256"] as? String == original.facts.sha256)
        #expect(entry["newSha256"] as? String == replacement.facts.sha256)
        #expect(entry["profile"] as? String == testCase.profile)
        let changes = entry["changes"] as? [String] ?? []
        #expect(changes.contains { $0.hasPrefix("fixes: ") })
        #expect(changes.contains { $0.hasPrefix("KeyUsage") } == !testCase.keyUsageKept)
        #expect(replacement.facts.serialIsPositive && replacement.facts.serial.count <= 20)
    }
}
