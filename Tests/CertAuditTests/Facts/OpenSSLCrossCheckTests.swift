import Foundation
import Testing
@testable import CertAudit

/// The facts of every sample certificate, cross-checked against `openssl x509 -text` — an independent
/// parser — not against our own output.
@Suite struct OpenSSLCrossCheckTests {
    static let certificateFiles: [String] = {
        var files: [String] = []
        for folder in ["veeam", "tls", "ca"] {
            let path = Fixtures.samples + "/" + folder
            for name in (try? FileManager.default.contentsOfDirectory(atPath: path)) ?? []
            where name.hasSuffix(".crt") || name.hasSuffix(".cer") {
                files.append(folder + "/" + name)
            }
        }
        return files.sorted()
    }()

    static let openSSLKeyUsageNames: [String: String] = [
        "Digital Signature": "digitalSignature", "Non Repudiation": "nonRepudiation",
        "Key Encipherment": "keyEncipherment", "Data Encipherment": "dataEncipherment",
        "Key Agreement": "keyAgreement", "Certificate Sign": "keyCertSign", "CRL Sign": "cRLSign",
        "Encipher Only": "encipherOnly", "Decipher Only": "decipherOnly",
    ]

    /// The line after an extension header in `openssl x509 -text`, and whether the header says critical.
    static func extensionValue(_ text: String, _ header: String) -> (value: String, critical: Bool)? {
        let lines = text.components(separatedBy: "\n")
        guard let index = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(header + ":") }) else {
            return nil
        }
        let critical = lines[index].contains("critical")
        let value = index + 1 < lines.count ? lines[index + 1].trimmingCharacters(in: .whitespaces) : ""
        return (value, critical)
    }

    static func opensslDate(_ text: String) -> UnixTime? {
        // "notAfter=Jan 10 00:00:00 2036 GMT"
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let parts = text.split(separator: "=", maxSplits: 1).last!.split(separator: " ")
        guard parts.count == 5, let month = months.firstIndex(of: String(parts[0])), let day = Int(parts[1]),
            let year = Int(parts[3])
        else { return nil }
        let time = parts[2].split(separator: ":").compactMap { Int($0) }
        return UnixTime(year: Int64(year), month: Int64(month + 1), day: Int64(day), hour: Int64(time[0]), minute: Int64(time[1]), second: Int64(time[2]))
    }

    @Test(arguments: certificateFiles)
    func factsAgreeWithOpenSSL(_ file: String) throws {
        let path = Fixtures.samples + "/" + file
        let inform = file.hasSuffix(".cer") ? ["-inform", "DER"] : []
        let text = Fixtures.openssl(["x509", "-in", path, "-noout", "-text"] + inform)
        let fields = Fixtures.openssl(
            ["x509", "-in", path, "-noout", "-subject", "-startdate", "-enddate", "-fingerprint", "-sha256", "-nameopt", "RFC2253"]
                + inform)
        let report = Fixtures.report(for: path)
        let certificate = try #require(report.certificates.first, "\(file): \(report.problems)")
        let facts = certificate.facts
        let lines = fields.components(separatedBy: "\n")

        // Subject (RFC 2253 text), validity, fingerprint.
        #expect(lines[0] == "subject=" + facts.subject.rfc4514, "\(file)")
        #expect(Self.opensslDate(lines[1]) == facts.notBefore, "\(file) notBefore")
        #expect(Self.opensslDate(lines[2]) == facts.notAfter, "\(file) notAfter")
        let fingerprint = lines[3].split(separator: "=").last!.replacingOccurrences(of: ":", with: "").lowercased()
        #expect(fingerprint == facts.sha256, "\(file) fingerprint")

        // KeyUsage bits and criticality.
        if let (value, critical) = Self.extensionValue(text, "X509v3 Key Usage") {
            let keyUsage = try #require(facts.keyUsage, "\(file): openssl sees KeyUsage, we do not")
            // OpenSSL 3 prints "..." for a KeyUsage it refuses to decode (an empty one, RFC 5280 §4.2.1.3).
            if value == "..." {
                #expect(keyUsage.bits.isEmpty, "\(file): OpenSSL cannot print this KeyUsage")
            } else {
                let names = value.components(separatedBy: ", ").map { Self.openSSLKeyUsageNames[$0] ?? "?\($0)" }
                #expect(Set(names) == Set(keyUsage.bits.names), "\(file) KeyUsage")
            }
            #expect(critical == keyUsage.critical, "\(file) KeyUsage critical")
        } else {
            #expect(facts.keyUsage == nil, "\(file): we see a KeyUsage openssl does not")
        }

        // SubjectAltName DNS names and IPs.
        if let (value, _) = Self.extensionValue(text, "X509v3 Subject Alternative Name") {
            let entries = value.components(separatedBy: ", ")
            let dns = entries.filter { $0.hasPrefix("DNS:") }.map { String($0.dropFirst(4)) }
            #expect(dns == facts.subjectAltNames?.dnsNames ?? [], "\(file) SAN")
        } else {
            #expect(facts.subjectAltNames == nil, "\(file) SAN")
        }

        // Key size: "Public-Key: (2048 bit)".
        let keyLine = try #require(text.components(separatedBy: "\n").first { $0.contains("Public-Key: (") })
        let bits = keyLine.split(separator: "(").last!.split(separator: " ").first!
        #expect(Int(bits) == facts.publicKey.bits, "\(file) key bits")

        // CA flag.
        if let (value, _) = Self.extensionValue(text, "X509v3 Basic Constraints") {
            #expect(value.hasPrefix("CA:TRUE") == facts.isCA, "\(file) CA")
        }
    }

    @Test func pkcs12FriendlyNameAndCertificateAgreeWithOpenSSL() throws {
        let path = Fixtures.samples + "/veeam/vspc-5.pfx"
        let dump = Fixtures.openssl([
            "pkcs12", "-in", path, "-nokeys", "-legacy", "-passin", "file:" + Fixtures.samples + "/passwords.txt",
        ])
        let certificate = try #require(Fixtures.report(for: path).certificates.first)
        #expect(dump.contains("friendlyName: " + (certificate.friendlyName ?? "<none>")))
        let pem = String(dump[dump.range(of: "-----BEGIN CERTIFICATE-----")!.lowerBound...])
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(pem, to: folder + "/c.pem")
        let fingerprint = Fixtures.openssl(["x509", "-in", folder + "/c.pem", "-noout", "-fingerprint", "-sha256"])
            .split(separator: "=").last!.replacingOccurrences(of: ":", with: "").lowercased()
            .trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(fingerprint == certificate.facts.sha256)
    }

    @Test func pkcs7CertificatesAgreeWithOpenSSL() throws {
        for file in ["bundle/chain.p7b", "bundle/chain-pem.p7b"] {
            let path = Fixtures.samples + "/" + file
            let inform = file == "bundle/chain.p7b" ? ["-inform", "DER"] : []
            let dump = Fixtures.openssl(["pkcs7", "-in", path, "-print_certs", "-noout"] + inform)
            let subjects = dump.components(separatedBy: "\n").filter { $0.hasPrefix("subject=") }
            let report = Fixtures.report(for: path)
            #expect(report.certificates.count == subjects.count, "\(file)")
            #expect(report.certificates.allSatisfy { $0.container == .pkcs7 })
        }
    }
}
