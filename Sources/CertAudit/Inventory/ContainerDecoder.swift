import SwiftASN1

/// Sniffs a file's content (never its name alone) and cuts out every certificate: PEM (any number of
/// blocks, text around them), DER (one or several concatenated), PKCS#7 in PEM or DER, PKCS#12.
public struct ContainerDecoder: Sendable {
    public var passwords: PasswordCandidates

    public init(passwords: PasswordCandidates = PasswordCandidates()) {
        self.passwords = passwords
    }

    static let certificateLabels: Set<String> = [
        "CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE", "TRUSTED CERTIFICATE",
    ]
    static let pkcs7Labels: Set<String> = ["PKCS7", "PKCS #7 SIGNED DATA", "CMS"]
    /// File name endings that promise certificate data: such a file without any is an error, not a skip.
    static let certificateExtensions: [String] = [
        ".crt", ".cer", ".cert", ".der", ".pem", ".p7b", ".p7c", ".pfx", ".p12",
    ]

    static func isNamedLikeCertificate(_ name: String) -> Bool {
        let lower = name.lowercased()
        return certificateExtensions.contains { lower.hasSuffix($0) }
    }

    public func decode(_ bytes: [UInt8], name: String) -> DecodedInput {
        if PEMScanner.containsPEM(bytes) {
            return decodePEM(bytes, name: name)
        }
        if bytes.first == 0x30 {
            return decodeDER(bytes[...], name: name)
        }
        var result = DecodedInput()
        if bytes.isEmpty {
            result.skipReason = "empty file"
        } else if ContainerDecoder.isNamedLikeCertificate(name) {
            result.problems.append("named like a certificate file but holds no PEM, DER, PKCS#7 or PKCS#12 data")
        } else {
            result.skipReason = "no certificate data"
        }
        return result
    }

    private func decodePEM(_ bytes: [UInt8], name: String) -> DecodedInput {
        var result = DecodedInput()
        var otherLabels: [String] = []
        for block in PEMScanner.blocks(in: bytes) {
            let isCertificate = ContainerDecoder.certificateLabels.contains(block.label)
            let isPKCS7 = ContainerDecoder.pkcs7Labels.contains(block.label)
            guard isCertificate || isPKCS7 else {
                if block.label.hasSuffix("PRIVATE KEY") {
                    result.privateKeys += 1
                }
                otherLabels.append(block.label)
                continue
            }
            let place = "\(block.label) block at line \(block.line)"
            guard block.complete else {
                result.problems.append("\(place) has no matching END line (truncated file?)")
                continue
            }
            let der: [UInt8]
            do {
                der = try Base64.decode(bytes[block.body])
            } catch {
                result.problems.append("\(place) is not valid base64")
                continue
            }
            if isCertificate {
                // TRUSTED CERTIFICATE carries OpenSSL trust settings after the certificate: cut at its end.
                switch DERFraming.first(der[...]) {
                case .element(_, let length):
                    result.certificates.append(
                        ExtractedCertificate(der: der[..<length], container: .pem, friendlyName: nil, location: place))
                case .truncated:
                    result.problems.append("\(place) holds truncated DER")
                case .invalid:
                    result.problems.append("\(place) does not hold DER data")
                }
            } else {
                appendPKCS7(der[...], place: place, to: &result)
            }
        }
        if result.certificates.isEmpty, result.problems.isEmpty {
            let labels = Array(Set(otherLabels)).sorted()
            result.skipReason = labels.isEmpty ? "PEM markers without blocks" : "PEM without certificates (\(labels.joined(separator: ", ")))"
        }
        return result
    }

    private func appendPKCS7(_ der: ArraySlice<UInt8>, place: String, to result: inout DecodedInput) {
        do {
            let node = try BER.parse(der)
            let certificates = try PKCS7CertificateReader.certificates(in: node)
            if certificates.isEmpty {
                result.skipReason = "PKCS#7 without certificates"
            }
            for (index, certificate) in certificates.enumerated() {
                result.certificates.append(
                    ExtractedCertificate(
                        der: certificate, container: .pkcs7, friendlyName: nil,
                        location: "\(place), certificate \(index + 1)"))
            }
        } catch {
            result.problems.append("\(place) is not a readable PKCS#7 SignedData")
        }
    }

    private func decodeDER(_ bytes: ArraySlice<UInt8>, name: String) -> DecodedInput {
        var result = DecodedInput()
        let namedLikeCertificate = ContainerDecoder.isNamedLikeCertificate(name)
        let element: ArraySlice<UInt8>
        switch DERFraming.first(bytes) {
        case .truncated(let needed):
            if namedLikeCertificate {
                result.problems.append("DER data is truncated: its header announces \(needed) bytes, the file has \(bytes.count)")
            } else {
                result.skipReason = "no certificate data"
            }
            return result
        case .invalid where bytes.dropFirst().first == 0x80:
            element = bytes  // BER indefinite length, as Windows writes some PFX and P7B files
        case .invalid:
            if namedLikeCertificate {
                result.problems.append("named like a certificate file but holds no readable DER")
            } else {
                result.skipReason = "no certificate data"
            }
            return result
        case .element(_, let length):
            element = bytes.prefix(length)
        }
        guard let node = try? BER.parse(element) else {
            if namedLikeCertificate {
                result.problems.append("DER data is malformed")
            } else {
                result.skipReason = "no certificate data"
            }
            return result
        }
        if PKCS12Shape.matches(node) {
            return decodePKCS12(bytes)
        }
        if PKCS7CertificateReader.isSignedData(node) {
            appendPKCS7(element, place: "PKCS#7", to: &result)
            return result
        }
        guard CertificateShape.matches(node) || namedLikeCertificate else {
            result.skipReason = "DER data that is not a certificate, PKCS#7 or PKCS#12 (a key or a request?)"
            return result
        }
        // One certificate, or several concatenated DER certificates.
        var rest = bytes
        var index = 0
        while !rest.isEmpty {
            guard case .element(_, let length) = DERFraming.first(rest), rest.first == 0x30 else {
                if index == 0 || rest.contains(where: { $0 != 0 }) {
                    result.problems.append("\(rest.count) bytes after certificate \(index) are not DER")
                }
                break
            }
            index += 1
            result.certificates.append(
                ExtractedCertificate(
                    der: rest.prefix(length), container: .der, friendlyName: nil,
                    location: index == 1 ? "DER" : "DER certificate \(index)"))
            rest = rest.dropFirst(length)
        }
        return result
    }

    private func decodePKCS12(_ bytes: ArraySlice<UInt8>) -> DecodedInput {
        var result = DecodedInput()
        do throws(PKCS12CertificateReader.Failure) {
            let contents = try PKCS12CertificateReader.read(bytes, passwords: passwords)
            result.privateKeys = contents.privateKeys
            for (index, certificate) in contents.certificates.enumerated() {
                result.certificates.append(
                    ExtractedCertificate(
                        der: certificate.der[...], container: .pkcs12, friendlyName: certificate.friendlyName,
                        location: "PKCS#12 certificate bag \(index + 1)"))
            }
            if contents.certificates.isEmpty {
                result.skipReason = "PKCS#12 without certificates"
            }
        } catch {
            switch error {
            case .wrongPassword(let sources):
                let tried = sources.isEmpty
                    ? "only the empty password was tried; give one with --password-file or CERTAUDIT_PFX_PASSWORD"
                    : "tried the empty password and those from \(sources.joined(separator: " and "))"
                result.problems.append("PKCS#12: wrong password (\(tried))")
            case .unreadable(let message):
                result.problems.append("PKCS#12 could not be read: \(message)")
            }
        }
        return result
    }
}

/// `SEQUENCE { SEQUENCE tbs { ([0] version)? INTEGER … }, SEQUENCE algorithm, BIT STRING }`
enum CertificateShape {
    static func matches(_ node: ASN1Node) -> Bool {
        guard node.identifier == .sequence, case .constructed(let children) = node.content else { return false }
        var iterator = children.makeIterator()
        guard let tbs = iterator.next(), tbs.identifier == .sequence, iterator.next()?.identifier == .sequence,
            iterator.next()?.identifier == .bitString, case .constructed(let fields) = tbs.content,
            let first = fields.first(where: { _ in true })
        else { return false }
        return first.identifier.tagClass == .contextSpecific || first.identifier == .integer
    }
}

/// `PFX ::= SEQUENCE { version INTEGER (3), authSafe ContentInfo (data), macData OPTIONAL }`
enum PKCS12Shape {
    static let dataOID = ObjectIdentifierKey("1.2.840.113549.1.7.1")

    static func matches(_ node: ASN1Node) -> Bool {
        guard node.identifier == .sequence, case .constructed(let children) = node.content else { return false }
        var iterator = children.makeIterator()
        guard let version = iterator.next(), version.identifier == .integer, case .primitive(let value) = version.content,
            value.last == 3, value.count == 1, let authSafe = iterator.next(), authSafe.identifier == .sequence,
            case .constructed(let contentInfo) = authSafe.content, let type = contentInfo.first(where: { _ in true }),
            case .primitive(let oid) = type.content
        else { return false }
        return ObjectIdentifierKey(contentBytes: oid) == dataOID
    }
}
