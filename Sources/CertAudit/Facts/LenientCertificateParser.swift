import Crypto

/// Reads the facts of an X.509 certificate with no policy of its own: RSA-1024, DSA, MD5, RSA-PSS, odd
/// curves, empty KeyUsage, negative serials, non-minimal length encodings and undecodable extensions are
/// all read (and judged later by rules), never refused. Only a structure that is not a certificate at
/// all is an error. This is the scan's hot path, so it walks the DER in place with `DERReader` instead
/// of building an ASN.1 node tree.
public enum LenientCertificateParser {
    static let keyUsageOID = ObjectIdentifierKey("2.5.29.15")
    static let extendedKeyUsageOID = ObjectIdentifierKey("2.5.29.37")
    static let subjectAltNameOID = ObjectIdentifierKey("2.5.29.17")
    static let basicConstraintsOID = ObjectIdentifierKey("2.5.29.19")
    static let subjectKeyIdentifierOID = ObjectIdentifierKey("2.5.29.14")
    static let authorityKeyIdentifierOID = ObjectIdentifierKey("2.5.29.35")

    typealias Bytes = DERReader.Bytes

    /// `der` must start with the certificate; bytes after it are ignored.
    public static func parse(_ der: ArraySlice<UInt8>) throws(CertificateParseError) -> CertificateFacts {
        try DERReader.parsing(der) { (bytes) throws(CertificateParseError) in try parse(bytes) }
    }

    private static func parse(_ bytes: Bytes) throws(CertificateParseError) -> CertificateFacts {
        let (certificate, tbs, outerSignatureAlgorithm) = try DERReader.signed(
            bytes, names: "tbsCertificate, signatureAlgorithm, signature")

        var fields = DERReader.children(bytes, of: tbs)
        var next = fields.next()
        var version = 1
        if let node = next, node.tag == DERElement.context(0, constructed: true) {
            if let integer = DERReader.children(bytes, of: node).first(where: { _ in true }),
                integer.tag == DERElement.integer, (1...2).contains(integer.content.count)
            {
                version = Int(bytes[integer.end - 1]) + 1
            }
            next = fields.next()
        }
        guard let serial = next, serial.tag == DERElement.integer else {
            throw CertificateParseError(reason: "tbsCertificate has no serialNumber INTEGER")
        }
        guard fields.next()?.tag == DERElement.sequence,
            let issuer = fields.next(), issuer.tag == DERElement.sequence,
            let validity = fields.next(), validity.tag == DERElement.sequence,
            let subject = fields.next(), subject.tag == DERElement.sequence,
            let spki = fields.next(), spki.tag == DERElement.sequence
        else {
            throw CertificateParseError(reason: "tbsCertificate lacks signature, issuer, validity, subject or key")
        }
        var times = DERReader.children(bytes, of: validity)
        guard let notBefore = times.next().flatMap({ time(bytes, $0) }),
            let notAfter = times.next().flatMap({ time(bytes, $0) })
        else {
            throw CertificateParseError(reason: "validity times are not UTCTime/GeneralizedTime")
        }

        var warnings: [String] = []
        let whole = Bytes(rebasing: bytes[certificate.whole])
        var facts = CertificateFacts(
            sha256: SHA256.hash(data: whole).withUnsafeBytes { Hex.encode($0) },
            version: version,
            serial: Array(bytes[serial.content]),
            signatureAlgorithm: signatureAlgorithm(bytes, outerSignatureAlgorithm),
            issuer: DistinguishedName(bytes: bytes, element: issuer),
            subject: DistinguishedName(bytes: bytes, element: subject),
            notBefore: notBefore,
            notAfter: notAfter,
            publicKey: publicKey(bytes, spki, warnings: &warnings),
            keyUsage: nil,
            extendedKeyUsage: nil,
            subjectAltNames: nil,
            basicConstraints: nil,
            subjectKeyIdentifier: nil,
            authorityKeyIdentifier: nil,
            parseWarnings: []
        )
        while let node = fields.next() {
            guard node.tag == DERElement.context(3, constructed: true),
                let list = DERReader.children(bytes, of: node).first(where: { _ in true }),
                list.tag == DERElement.sequence
            else { continue }
            for extensionNode in DERReader.children(bytes, of: list) {
                readExtension(bytes, extensionNode, into: &facts, warnings: &warnings)
            }
        }
        facts.parseWarnings = warnings
        return facts
    }

    static func time(_ bytes: Bytes, _ element: DERElement) -> UnixTime? {
        switch element.tag {
        case DERElement.utcTime: UnixTime.parseASN1(DERReader.content(bytes, of: element), generalized: false)
        case DERElement.generalizedTime: UnixTime.parseASN1(DERReader.content(bytes, of: element), generalized: true)
        default: nil
        }
    }

    /// An AlgorithmIdentifier's OID content and its parameters element, if any.
    private static func algorithmIdentifier(_ bytes: Bytes, _ element: DERElement) -> (oid: Bytes, parameters: DERElement?)? {
        var children = DERReader.children(bytes, of: element)
        guard let oid = children.next(), oid.tag == DERElement.objectIdentifier else { return nil }
        return (DERReader.content(bytes, of: oid), children.next())
    }

    static func signatureAlgorithm(_ bytes: Bytes, _ element: DERElement) -> SignatureAlgorithm {
        guard let (oid, parameters) = algorithmIdentifier(bytes, element) else {
            return SignatureAlgorithm(name: "malformed", hash: .unknown, oid: "")
        }
        let key = ObjectIdentifierKey(contentBytes: oid)
        if let known = SignatureAlgorithm.byOID[key] {
            return SignatureAlgorithm(name: known.name, hash: known.hash, oid: known.dotted)
        }
        if key == SignatureAlgorithm.rsaPSSKey {
            return SignatureAlgorithm(name: "rsassaPss", hash: pssHash(bytes, parameters), oid: "1.2.840.113549.1.1.10")
        }
        let dotted = ObjectIdentifierKey.dotted(contentBytes: oid)
        return SignatureAlgorithm(name: dotted, hash: .unknown, oid: dotted)
    }

    /// RSASSA-PSS-params: `hashAlgorithm [0] EXPLICIT AlgorithmIdentifier DEFAULT sha1` (RFC 4055).
    private static func pssHash(_ bytes: Bytes, _ parameters: DERElement?) -> HashAlgorithm {
        guard let parameters, parameters.tag == DERElement.sequence else { return .sha1 }
        for field in DERReader.children(bytes, of: parameters) where field.tag == DERElement.context(0, constructed: true) {
            guard let inner = DERReader.children(bytes, of: field).first(where: { _ in true }),
                let (oid, _) = algorithmIdentifier(bytes, inner)
            else { return .unknown }
            return HashAlgorithm.byOID[ObjectIdentifierKey(contentBytes: oid)] ?? .unknown
        }
        return .sha1
    }

    static func publicKey(_ bytes: Bytes, _ spki: DERElement, warnings: inout [String]) -> PublicKeyInfo {
        var children = DERReader.children(bytes, of: spki)
        guard let algorithmNode = children.next(), let (oid, parameters) = algorithmIdentifier(bytes, algorithmNode),
            let keyNode = children.next(), keyNode.tag == DERElement.bitString, !keyNode.content.isEmpty
        else {
            return PublicKeyInfo(algorithm: .unknown, algorithmOID: "", bits: 0, curve: nil)
        }
        let algorithm = KeyAlgorithm.byOID[ObjectIdentifierKey(contentBytes: oid)] ?? .unknown
        let dotted = algorithm == .unknown ? ObjectIdentifierKey.dotted(contentBytes: oid) : algorithm.oid
        let keyStart = keyNode.contentStart + 1  // skip the unused-bits octet
        var info = PublicKeyInfo(algorithm: algorithm, algorithmOID: dotted, bits: 0, curve: nil)
        switch algorithm {
        case .rsa, .rsaPss:
            if let sequence = DERReader.element(bytes, at: keyStart, end: keyNode.end),
                let modulus = firstInteger(bytes, sequence)
            {
                info.bits = bitLength(ofUnsigned: modulus)
            } else {
                warnings.append("RSA public key could not be decoded")
            }
        case .dsa:
            if let parameters, let prime = firstInteger(bytes, parameters) {
                info.bits = bitLength(ofUnsigned: prime)
            }
        case .ec:
            if let parameters, parameters.tag == DERElement.objectIdentifier {
                let curveOID = DERReader.content(bytes, of: parameters)
                if let curve = NamedCurves.byOID[ObjectIdentifierKey(contentBytes: curveOID)] {
                    info.curve = curve.name
                    info.bits = curve.bits
                } else {
                    info.curve = ObjectIdentifierKey.dotted(contentBytes: curveOID)
                }
            } else {
                info.curve = "explicit"
            }
            if info.bits == 0, keyStart < keyNode.end, bytes[keyStart] == 0x04 {
                info.bits = (keyNode.end - keyStart - 1) / 2 * 8
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

    private static func firstInteger(_ bytes: Bytes, _ sequence: DERElement) -> Bytes? {
        guard sequence.tag == DERElement.sequence,
            let first = DERReader.children(bytes, of: sequence).first(where: { _ in true }),
            first.tag == DERElement.integer
        else { return nil }
        return DERReader.content(bytes, of: first)
    }

    static func bitLength(ofUnsigned bytes: Bytes) -> Int {
        guard let index = bytes.firstIndex(where: { $0 != 0 }) else { return 0 }
        return (bytes.count - index - 1) * 8 + (8 - bytes[index].leadingZeroBitCount)
    }

    static func readExtension(
        _ bytes: Bytes, _ element: DERElement, into facts: inout CertificateFacts, warnings: inout [String]
    ) {
        guard element.tag == DERElement.sequence else { return }
        var parts = DERReader.children(bytes, of: element)
        guard let oidNode = parts.next(), oidNode.tag == DERElement.objectIdentifier else { return }
        var critical = false
        var valueNode = parts.next()
        if let node = valueNode, node.tag == DERElement.boolean {
            critical = node.content.first.map { bytes[$0] != 0 } ?? false
            valueNode = parts.next()
        }
        let oid = DERReader.content(bytes, of: oidNode)
        let key = ObjectIdentifierKey(contentBytes: oid)
        let isKnown = key == keyUsageOID || key == extendedKeyUsageOID || key == subjectAltNameOID
            || key == basicConstraintsOID || key == subjectKeyIdentifierOID || key == authorityKeyIdentifierOID
        guard isKnown else { return }
        guard let valueNode, valueNode.tag == DERElement.octetString,
            let inner = DERReader.element(bytes, at: valueNode.contentStart, end: valueNode.end)
        else {
            warnings.append("extension \(ObjectIdentifierKey.dotted(contentBytes: oid)) could not be decoded")
            return
        }
        switch key {
        case keyUsageOID:
            guard inner.tag == DERElement.bitString,
                let set = KeyUsageSet.decode(bitStringContent: DERReader.content(bytes, of: inner))
            else {
                warnings.append("KeyUsage extension could not be decoded")
                return
            }
            facts.keyUsage = KeyUsageExtension(bits: set, critical: critical)
        case extendedKeyUsageOID:
            guard inner.tag == DERElement.sequence else {
                warnings.append("ExtendedKeyUsage extension could not be decoded")
                return
            }
            var names: [String] = []
            for purpose in DERReader.children(bytes, of: inner) where purpose.tag == DERElement.objectIdentifier {
                names.append(ExtendedKeyUsageNames.name(contentBytes: DERReader.content(bytes, of: purpose)))
            }
            facts.extendedKeyUsage = ExtendedKeyUsageExtension(purposes: names, critical: critical)
        case subjectAltNameOID:
            facts.subjectAltNames = SubjectAltNames(bytes: bytes, generalNames: inner, critical: critical)
        case basicConstraintsOID:
            var constraints = CertificateFacts.BasicConstraints(isCA: false, pathLength: nil, critical: critical)
            for field in DERReader.children(bytes, of: inner) {
                if field.tag == DERElement.boolean, let first = field.content.first {
                    constraints.isCA = bytes[first] != 0
                } else if field.tag == DERElement.integer, field.content.count <= 4 {
                    constraints.pathLength = bytes[field.content].reduce(0) { $0 << 8 | Int($1) }
                }
            }
            facts.basicConstraints = constraints
        case subjectKeyIdentifierOID:
            if inner.tag == DERElement.octetString {
                facts.subjectKeyIdentifier = Array(bytes[inner.content])
            }
        case authorityKeyIdentifierOID:
            for field in DERReader.children(bytes, of: inner) where field.tag == DERElement.context(0, constructed: false) {
                facts.authorityKeyIdentifier = Array(bytes[field.content])
            }
        default:
            break
        }
    }
}
