import Crypto
import SwiftASN1

/// Reads the facts of an X.509 certificate from its DER with SwiftASN1's BER parser and no policy of
/// its own: RSA-1024, DSA, MD5, RSA-PSS, odd curves, non-minimal encodings and undecodable extensions
/// are all read (and judged later by rules), never refused. Only a structure that is not a certificate
/// at all is an error.
public enum LenientCertificateParser {
    static let keyUsageOID = ObjectIdentifierKey("2.5.29.15")
    static let extendedKeyUsageOID = ObjectIdentifierKey("2.5.29.37")
    static let subjectAltNameOID = ObjectIdentifierKey("2.5.29.17")
    static let basicConstraintsOID = ObjectIdentifierKey("2.5.29.19")
    static let subjectKeyIdentifierOID = ObjectIdentifierKey("2.5.29.14")
    static let authorityKeyIdentifierOID = ObjectIdentifierKey("2.5.29.35")
    static let decodedExtensions: Set<ObjectIdentifierKey> = [
        keyUsageOID, extendedKeyUsageOID, subjectAltNameOID, basicConstraintsOID, subjectKeyIdentifierOID,
        authorityKeyIdentifierOID,
    ]

    /// `der` must hold exactly one certificate (callers cut trailing bytes with `DERFraming`).
    public static func parse(_ der: ArraySlice<UInt8>) throws(CertificateParseError) -> CertificateFacts {
        let root: ASN1Node
        do {
            root = try BER.parse(der)
        } catch {
            throw CertificateParseError(reason: "malformed ASN.1 (\(error))")
        }
        guard root.identifier == .sequence, case .constructed(let top) = root.content else {
            throw CertificateParseError(reason: "outer element is not a SEQUENCE")
        }
        var topIterator = top.makeIterator()
        guard let tbs = topIterator.next(), tbs.identifier == .sequence, case .constructed(let tbsFields) = tbs.content,
            let outerSignatureAlgorithm = topIterator.next(), topIterator.next()?.identifier == .bitString
        else {
            throw CertificateParseError(reason: "expected SEQUENCE { tbsCertificate, signatureAlgorithm, signature }")
        }

        var fields = tbsFields.makeIterator()
        var next = fields.next()
        var version = 1
        if let node = next, node.identifier.tagClass == .contextSpecific, node.identifier.tagNumber == 0 {
            if case .constructed(let inner) = node.content, let integer = inner.first(where: { _ in true }),
                case .primitive(let bytes) = integer.content, let value = bytes.last, bytes.count <= 2
            {
                version = Int(value) + 1
            }
            next = fields.next()
        }
        guard let serialNode = next, serialNode.identifier == .integer, case .primitive(let serial) = serialNode.content
        else {
            throw CertificateParseError(reason: "tbsCertificate has no serialNumber INTEGER")
        }
        guard fields.next()?.identifier == .sequence,
            let issuerNode = fields.next(), issuerNode.identifier == .sequence,
            let validityNode = fields.next(), validityNode.identifier == .sequence,
            let subjectNode = fields.next(), subjectNode.identifier == .sequence,
            let spkiNode = fields.next(), spkiNode.identifier == .sequence
        else {
            throw CertificateParseError(reason: "tbsCertificate lacks signature, issuer, validity, subject or key")
        }

        var warnings: [String] = []
        guard case .constructed(let validity) = validityNode.content else {
            throw CertificateParseError(reason: "validity is not a SEQUENCE")
        }
        var validityIterator = validity.makeIterator()
        guard let notBefore = validityIterator.next().flatMap(time), let notAfter = validityIterator.next().flatMap(time)
        else {
            throw CertificateParseError(reason: "validity times are not UTCTime/GeneralizedTime")
        }

        var facts = CertificateFacts(
            sha256: SHA256.hash(data: der).withUnsafeBytes { Hex.encode($0) },
            version: version,
            serial: Array(serial),
            signatureAlgorithm: signatureAlgorithm(outerSignatureAlgorithm),
            issuer: DistinguishedName(node: issuerNode),
            subject: DistinguishedName(node: subjectNode),
            notBefore: notBefore,
            notAfter: notAfter,
            publicKey: publicKey(spkiNode, warnings: &warnings),
            keyUsage: nil,
            extendedKeyUsage: nil,
            subjectAltNames: nil,
            basicConstraints: nil,
            subjectKeyIdentifier: nil,
            authorityKeyIdentifier: nil,
            extensionOIDs: [],
            parseWarnings: []
        )

        while let node = fields.next() {
            guard node.identifier.tagClass == .contextSpecific, node.identifier.tagNumber == 3,
                case .constructed(let wrapper) = node.content, let list = wrapper.first(where: { _ in true }),
                case .constructed(let extensions) = list.content
            else { continue }
            for extensionNode in extensions {
                readExtension(extensionNode, into: &facts, warnings: &warnings)
            }
        }
        facts.parseWarnings = warnings
        return facts
    }

    private static func time(_ node: ASN1Node) -> UnixTime? {
        guard case .primitive(let bytes) = node.content else { return nil }
        if node.identifier == .utcTime {
            return UnixTime.parseASN1(bytes, generalized: false)
        }
        if node.identifier == .generalizedTime {
            return UnixTime.parseASN1(bytes, generalized: true)
        }
        return nil
    }

    /// The first child's OID content bytes and the second child (parameters) of an AlgorithmIdentifier.
    private static func algorithmIdentifier(_ node: ASN1Node) -> (oid: ArraySlice<UInt8>, parameters: ASN1Node?)? {
        guard case .constructed(let children) = node.content else { return nil }
        var iterator = children.makeIterator()
        guard let oidNode = iterator.next(), oidNode.identifier == .objectIdentifier,
            case .primitive(let oid) = oidNode.content
        else { return nil }
        return (oid, iterator.next())
    }

    static func signatureAlgorithm(_ node: ASN1Node) -> SignatureAlgorithm {
        guard let (oid, parameters) = algorithmIdentifier(node) else {
            return SignatureAlgorithm(name: "malformed", hash: .unknown, oid: "")
        }
        let key = ObjectIdentifierKey(contentBytes: oid)
        let dotted = ObjectIdentifierKey.dotted(contentBytes: oid)
        if let known = SignatureAlgorithm.byOID[key] {
            return SignatureAlgorithm(name: known.name, hash: known.hash, oid: dotted)
        }
        if key == SignatureAlgorithm.rsaPSSKey {
            return SignatureAlgorithm(name: "rsassaPss", hash: pssHash(parameters), oid: dotted)
        }
        return SignatureAlgorithm(name: dotted, hash: .unknown, oid: dotted)
    }

    /// RSASSA-PSS-params: `hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1` (RFC 4055).
    private static func pssHash(_ parameters: ASN1Node?) -> HashAlgorithm {
        guard let parameters, case .constructed(let fields) = parameters.content else { return .sha1 }
        for field in fields where field.identifier.tagClass == .contextSpecific && field.identifier.tagNumber == 0 {
            guard case .constructed(let wrapped) = field.content, let inner = wrapped.first(where: { _ in true }),
                let (oid, _) = algorithmIdentifier(inner)
            else { return .unknown }
            return HashAlgorithm.byOID[ObjectIdentifierKey(contentBytes: oid)] ?? .unknown
        }
        return .sha1
    }

    static func publicKey(_ spki: ASN1Node, warnings: inout [String]) -> PublicKeyInfo {
        guard case .constructed(let children) = spki.content else {
            return PublicKeyInfo(algorithm: .unknown, algorithmOID: "", bits: 0, curve: nil)
        }
        var iterator = children.makeIterator()
        guard let algorithmNode = iterator.next(), let (oid, parameters) = algorithmIdentifier(algorithmNode),
            let keyNode = iterator.next(), keyNode.identifier == .bitString, case .primitive(let bitString) = keyNode.content
        else {
            return PublicKeyInfo(algorithm: .unknown, algorithmOID: "", bits: 0, curve: nil)
        }
        let dotted = ObjectIdentifierKey.dotted(contentBytes: oid)
        let algorithm = KeyAlgorithm.byOID[ObjectIdentifierKey(contentBytes: oid)] ?? .unknown
        let keyBytes = bitString.dropFirst()  // unused-bits octet
        var info = PublicKeyInfo(algorithm: algorithm, algorithmOID: dotted, bits: 0, curve: nil)
        switch algorithm {
        case .rsa, .rsaPss:
            if let modulus = (try? BER.parse(keyBytes)).flatMap(firstInteger) {
                info.bits = bitLength(ofUnsigned: modulus)
            } else {
                warnings.append("RSA public key could not be decoded")
            }
        case .dsa:
            if let parameters, let prime = firstInteger(parameters) {
                info.bits = bitLength(ofUnsigned: prime)
            }
        case .ec:
            if let parameters, parameters.identifier == .objectIdentifier, case .primitive(let curveOID) = parameters.content {
                if let curve = NamedCurves.byOID[ObjectIdentifierKey(contentBytes: curveOID)] {
                    info.curve = curve.name
                    info.bits = curve.bits
                } else {
                    info.curve = ObjectIdentifierKey.dotted(contentBytes: curveOID)
                }
            } else {
                info.curve = "explicit"
            }
            if info.bits == 0, keyBytes.first == 0x04 {
                info.bits = (keyBytes.count - 1) / 2 * 8
            }
        case .ed25519, .x25519:
            info.bits = 256
        case .ed448:
            info.bits = 456
        case .x448:
            info.bits = 448
        case .unknown:
            break
        }
        return info
    }

    private static func firstInteger(_ sequence: ASN1Node) -> ArraySlice<UInt8>? {
        guard case .constructed(let children) = sequence.content, let first = children.first(where: { _ in true }),
            first.identifier == .integer, case .primitive(let bytes) = first.content
        else { return nil }
        return bytes
    }

    static func bitLength(ofUnsigned bytes: ArraySlice<UInt8>) -> Int {
        guard let index = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        let leading = bytes[index]
        return (bytes.endIndex - index - 1) * 8 + (8 - leading.leadingZeroBitCount)
    }

    private static func readExtension(_ node: ASN1Node, into facts: inout CertificateFacts, warnings: inout [String]) {
        guard case .constructed(let parts) = node.content else { return }
        var iterator = parts.makeIterator()
        guard let oidNode = iterator.next(), oidNode.identifier == .objectIdentifier, case .primitive(let oid) = oidNode.content
        else { return }
        var critical = false
        var valueNode = iterator.next()
        if let node = valueNode, node.identifier == .boolean {
            if case .primitive(let bytes) = node.content {
                critical = bytes.first.map { $0 != 0 } ?? false
            }
            valueNode = iterator.next()
        }
        let dotted = ObjectIdentifierKey.dotted(contentBytes: oid)
        facts.extensionOIDs.append(dotted)
        guard let valueNode, valueNode.identifier == .octetString, case .primitive(let value) = valueNode.content else {
            warnings.append("extension \(dotted) has no OCTET STRING value")
            return
        }
        let key = ObjectIdentifierKey(contentBytes: oid)
        guard decodedExtensions.contains(key) else { return }
        guard let inner = try? BER.parse(value) else {
            warnings.append("extension \(dotted) could not be decoded")
            return
        }
        switch key {
        case keyUsageOID:
            guard inner.identifier == .bitString, case .primitive(let bits) = inner.content,
                let set = KeyUsageSet.decode(bitStringContent: bits)
            else {
                warnings.append("KeyUsage extension could not be decoded")
                return
            }
            facts.keyUsage = KeyUsageExtension(bits: set, critical: critical)
        case extendedKeyUsageOID:
            guard case .constructed(let purposes) = inner.content else {
                warnings.append("ExtendedKeyUsage extension could not be decoded")
                return
            }
            var names: [String] = []
            for purpose in purposes {
                if case .primitive(let purposeOID) = purpose.content {
                    names.append(ExtendedKeyUsageNames.name(contentBytes: purposeOID))
                }
            }
            facts.extendedKeyUsage = ExtendedKeyUsageExtension(purposes: names, critical: critical)
        case subjectAltNameOID:
            facts.subjectAltNames = SubjectAltNames(generalNames: inner, critical: critical)
        case basicConstraintsOID:
            var constraints = CertificateFacts.BasicConstraints(isCA: false, pathLength: nil, critical: critical)
            if case .constructed(let fields) = inner.content {
                for field in fields {
                    if field.identifier == .boolean, case .primitive(let bytes) = field.content {
                        constraints.isCA = bytes.first.map { $0 != 0 } ?? false
                    } else if field.identifier == .integer, case .primitive(let bytes) = field.content, bytes.count <= 4 {
                        constraints.pathLength = bytes.reduce(0) { $0 << 8 | Int($1) }
                    }
                }
            }
            facts.basicConstraints = constraints
        case subjectKeyIdentifierOID:
            if case .primitive(let identifier) = inner.content {
                facts.subjectKeyIdentifier = Array(identifier)
            }
        case authorityKeyIdentifierOID:
            if case .constructed(let fields) = inner.content {
                for field in fields where field.identifier.tagClass == .contextSpecific && field.identifier.tagNumber == 0 {
                    if case .primitive(let identifier) = field.content {
                        facts.authorityKeyIdentifier = Array(identifier)
                    }
                }
            }
        default:
            break
        }
    }
}
