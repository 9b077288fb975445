import Crypto

/// Reads a PKCS#10 certificate signing request (RFC 2986) into `CertificateFacts`, as leniently as
/// certificates are read: its subject, key, signature algorithm and the extensions it requests
/// (PKCS#9 extensionRequest, or Microsoft's older certExtensions attribute, as AD CS accepts).
public enum LenientRequestParser {
    static let extensionRequestOID = ObjectIdentifierKey("1.2.840.113549.1.9.14")
    static let microsoftCertExtensionsOID = ObjectIdentifierKey("1.3.6.1.4.1.311.2.1.14")

    typealias Bytes = DERReader.Bytes

    public static func parse(_ der: ArraySlice<UInt8>) throws(CertificateParseError) -> CertificateFacts {
        try DERReader.parsing(der) { (bytes) throws(CertificateParseError) in try parse(bytes) }
    }

    private static func parse(_ bytes: Bytes) throws(CertificateParseError) -> CertificateFacts {
        let (request, info, algorithm) = try DERReader.signed(bytes, names: "certificationRequestInfo, signatureAlgorithm, signature")
        var fields = DERReader.children(bytes, of: info)
        guard let version = fields.next(), version.tag == DERElement.integer,
            let subject = fields.next(), subject.tag == DERElement.sequence,
            let spki = fields.next(), spki.tag == DERElement.sequence
        else {
            throw CertificateParseError(reason: "certificationRequestInfo lacks version, subject or key")
        }
        var warnings: [String] = []
        let versionNumber = version.content.count == 1 ? Int(bytes[version.contentStart]) : -1
        if versionNumber != 0 {
            warnings.append("request version is not v1 (0)")
        }
        var facts = CertificateFacts(
            document: .csr,
            sha256: SHA256.hash(data: Bytes(rebasing: bytes[request.whole])).withUnsafeBytes { Hex.encode($0) },
            version: versionNumber + 1,
            serial: [],
            signatureAlgorithm: LenientCertificateParser.signatureAlgorithm(bytes, algorithm),
            issuer: DistinguishedName(der: [0x30, 0x00], rfc4514: "", commonNames: [], attributeCount: 0),
            subject: DistinguishedName(bytes: bytes, element: subject),
            notBefore: UnixTime(seconds: 0),
            notAfter: UnixTime(seconds: 0),
            publicKey: LenientCertificateParser.publicKey(bytes, spki, warnings: &warnings),
            parseWarnings: [])
        // attributes [0] IMPLICIT SET OF Attribute { type, values SET OF ANY }
        if let attributes = fields.next(), attributes.tag == DERElement.context(0, constructed: true) {
            for attribute in DERReader.children(bytes, of: attributes) where attribute.tag == DERElement.sequence {
                var parts = DERReader.children(bytes, of: attribute)
                guard let type = parts.next(), type.tag == DERElement.objectIdentifier, let values = parts.next(),
                    values.tag == DERElement.set
                else { continue }
                let key = ObjectIdentifierKey(contentBytes: DERReader.content(bytes, of: type))
                guard key == extensionRequestOID || key == microsoftCertExtensionsOID else { continue }
                for list in DERReader.children(bytes, of: values) where list.tag == DERElement.sequence {
                    for extensionNode in DERReader.children(bytes, of: list) {
                        LenientCertificateParser.readExtension(bytes, extensionNode, into: &facts, warnings: &warnings)
                    }
                }
            }
        }
        facts.parseWarnings = warnings
        return facts
    }
}

/// Reads an X.509 CRL (RFC 5280 §5) into `CertificateFacts` with `revocationList` set, and walks its
/// revoked entries for `RevocationIndex`. Lenient in the same way as the certificate parser.
public enum LenientRevocationListParser {
    static let crlNumberOID = ObjectIdentifierKey("2.5.29.20")
    static let authorityKeyIdentifierOID = ObjectIdentifierKey("2.5.29.35")
    static let reasonCodeOID = ObjectIdentifierKey("2.5.29.21")
    static let deltaCRLIndicatorOID = ObjectIdentifierKey("2.5.29.27")
    static let issuingDistributionPointOID = ObjectIdentifierKey("2.5.29.28")
    static let certificateIssuerOID = ObjectIdentifierKey("2.5.29.29")

    typealias Bytes = DERReader.Bytes

    /// One revoked entry: the serial's content octets, when, and the reason code (RFC 5280 §5.3.1) if given.
    public struct Entry: Sendable, Hashable {
        public var serial: [UInt8]
        public var revocationDate: UnixTime
        public var reason: Int?
    }

    public static func parse(_ der: ArraySlice<UInt8>) throws(CertificateParseError) -> CertificateFacts {
        try DERReader.parsing(der) { (bytes) throws(CertificateParseError) in try parse(bytes, collect: nil, limit: 0) }
    }

    /// The facts and the revoked entries (the first `limit`; the facts' count is still exact).
    public static func parseWithEntries(_ der: ArraySlice<UInt8>, limit: Int = .max) throws(CertificateParseError)
        -> (CertificateFacts, [Entry])
    {
        var entries: [Entry] = []
        let (facts, _) = try parseWithEntries(der, limit: limit) { entries.append($0) }
        return (facts, entries)
    }

    /// The facts, each of the first `limit` revoked entries handed to `each` as it is read (nothing
    /// collected here), and how many were handed.
    static func parseWithEntries(_ der: ArraySlice<UInt8>, limit: Int, each: (Entry) -> Void) throws(CertificateParseError)
        -> (CertificateFacts, Int)
    {
        let outcome = withoutActuallyEscaping(each) { each in
            Result { () throws(CertificateParseError) -> (CertificateFacts, Int) in
                try DERReader.parsing(der) { (bytes) throws(CertificateParseError) in
                    var handed = 0
                    let facts = try parse(
                        bytes,
                        collect: { entry in
                            handed += 1
                            each(entry)
                        }, limit: limit)
                    return (facts, handed)
                }
            }
        }
        return try outcome.get()
    }

    private static func parse(_ bytes: Bytes, collect: ((Entry) -> Void)?, limit: Int) throws(CertificateParseError)
        -> CertificateFacts
    {
        let (list, tbs, algorithm) = try DERReader.signed(bytes, names: "tbsCertList, signatureAlgorithm, signatureValue")
        var fields = DERReader.children(bytes, of: tbs)
        var next = fields.next()
        var version = 1
        if let node = next, node.tag == DERElement.integer {
            version = node.content.count == 1 ? Int(bytes[node.contentStart]) + 1 : 0
            next = fields.next()
        }
        guard next?.tag == DERElement.sequence, let issuer = fields.next(), issuer.tag == DERElement.sequence,
            let thisUpdateNode = fields.next(), let thisUpdate = LenientCertificateParser.time(bytes, thisUpdateNode)
        else {
            throw CertificateParseError(reason: "tbsCertList lacks signature, issuer or a UTCTime/GeneralizedTime thisUpdate")
        }
        next = fields.next()
        var nextUpdate: UnixTime?
        if let node = next, node.tag == DERElement.utcTime || node.tag == DERElement.generalizedTime {
            nextUpdate = LenientCertificateParser.time(bytes, node)
            next = fields.next()
        }
        var warnings: [String] = []
        var revokedCount = 0
        var indirect = false
        if let node = next, node.tag == DERElement.sequence {
            for entry in DERReader.children(bytes, of: node) where entry.tag == DERElement.sequence {
                revokedCount += 1
                guard collect != nil || !indirect else { continue }
                if collect == nil {
                    // Only the indirect flag is wanted: an entry naming another certificateIssuer.
                    var parts = DERReader.children(bytes, of: entry)
                    _ = parts.next()
                    _ = parts.next()
                    if let extensions = parts.next(), extensions.tag == DERElement.sequence {
                        indirect = DERReader.children(bytes, of: extensions).contains { extensionValue(bytes, $0)?.0 == certificateIssuerOID }
                    }
                    continue
                }
                guard let collect, revokedCount <= limit else { continue }
                var parts = DERReader.children(bytes, of: entry)
                guard let serial = parts.next(), serial.tag == DERElement.integer, let dateNode = parts.next(),
                    let date = LenientCertificateParser.time(bytes, dateNode)
                else {
                    warnings.append("revoked entry \(revokedCount) could not be decoded")
                    continue
                }
                var reason: Int?
                if let extensions = parts.next(), extensions.tag == DERElement.sequence {
                    for field in DERReader.children(bytes, of: extensions) {
                        guard let (key, value) = extensionValue(bytes, field) else { continue }
                        if key == certificateIssuerOID {
                            indirect = true
                        } else if key == reasonCodeOID, value.tag == 0x0A, value.content.count == 1 {
                            reason = Int(bytes[value.contentStart])
                        }
                    }
                }
                collect(Entry(serial: Array(bytes[serial.content]), revocationDate: date, reason: reason))
            }
            next = fields.next()
        }
        var number: [UInt8]?
        var authorityKeyIdentifier: [UInt8]?
        var delta = false
        var scoped = false
        if let node = next, node.tag == DERElement.context(0, constructed: true),
            let extensions = DERReader.children(bytes, of: node).first(where: { _ in true }), extensions.tag == DERElement.sequence
        {
            for field in DERReader.children(bytes, of: extensions) {
                guard let (key, value) = extensionValue(bytes, field) else { continue }
                if key == deltaCRLIndicatorOID {
                    delta = true
                } else if key == issuingDistributionPointOID {
                    scoped = true
                    // IssuingDistributionPoint { …, indirectCRL [4] BOOLEAN DEFAULT FALSE, … }
                    if value.tag == DERElement.sequence {
                        for part in DERReader.children(bytes, of: value)
                        where part.tag == DERElement.context(4, constructed: false) && part.content.count == 1 {
                            indirect = indirect || bytes[part.contentStart] != 0
                        }
                    }
                } else if key == crlNumberOID, value.tag == DERElement.integer {
                    number = Array(bytes[value.content])
                } else if key == authorityKeyIdentifierOID, value.tag == DERElement.sequence {
                    for part in DERReader.children(bytes, of: value) where part.tag == DERElement.context(0, constructed: false) {
                        authorityKeyIdentifier = Array(bytes[part.content])
                    }
                }
            }
        }
        let issuerName = DistinguishedName(bytes: bytes, element: issuer)
        return CertificateFacts(
            document: .crl,
            sha256: SHA256.hash(data: Bytes(rebasing: bytes[list.whole])).withUnsafeBytes { Hex.encode($0) },
            version: version,
            serial: [],
            signatureAlgorithm: LenientCertificateParser.signatureAlgorithm(bytes, algorithm),
            issuer: issuerName,
            subject: DistinguishedName(der: [0x30, 0x00], rfc4514: "", commonNames: [], attributeCount: 0),
            notBefore: thisUpdate,
            notAfter: nextUpdate ?? thisUpdate,
            publicKey: PublicKeyInfo(algorithm: .unknown, algorithmOID: "", bits: 0, curve: nil),
            authorityKeyIdentifier: authorityKeyIdentifier,
            revocationList: RevocationListFacts(
                thisUpdate: thisUpdate, nextUpdate: nextUpdate, revokedCount: revokedCount, number: number, isDelta: delta,
                isScoped: scoped, isIndirect: indirect),
            parseWarnings: warnings)
    }

    /// An Extension { extnID, critical?, extnValue OCTET STRING { value } }: its OID and inner element.
    private static func extensionValue(_ bytes: Bytes, _ element: DERElement) -> (ObjectIdentifierKey, DERElement)? {
        guard element.tag == DERElement.sequence else { return nil }
        var parts = DERReader.children(bytes, of: element)
        guard let oid = parts.next(), oid.tag == DERElement.objectIdentifier else { return nil }
        var value = parts.next()
        if value?.tag == DERElement.boolean { value = parts.next() }
        guard let value, value.tag == DERElement.octetString,
            let inner = DERReader.element(bytes, at: value.contentStart, end: value.end)
        else { return nil }
        return (ObjectIdentifierKey(contentBytes: DERReader.content(bytes, of: oid)), inner)
    }
}
