/// Everything the rules can see about one certificate, read once from its DER. Holds no reference to
/// the DER itself so that a scan keeps memory flat. A certificate signing request and a CRL are read
/// into the same shape (`document` says which): a request has no issuer, serial or validity (empty
/// name, empty serial, times 0); a CRL has no subject or key, its validity is thisUpdate…nextUpdate and
/// the rest is in `revocationList`.
public struct CertificateFacts: Sendable {
    public var document: DocumentKind = .certificate
    /// Lowercase hex SHA-256 of the certificate DER (the usual "fingerprint").
    public var sha256: String
    /// X.509 version as people say it: 1, 2 or 3.
    public var version: Int
    /// Serial number content octets (two's complement, as encoded).
    public var serial: [UInt8]
    public var signatureAlgorithm: SignatureAlgorithm
    public var issuer: DistinguishedName
    public var subject: DistinguishedName
    public var notBefore: UnixTime
    public var notAfter: UnixTime
    public var publicKey: PublicKeyInfo
    /// nil when the certificate has no KeyUsage extension.
    public var keyUsage: KeyUsageExtension?
    /// nil when the certificate has no ExtendedKeyUsage extension.
    public var extendedKeyUsage: ExtendedKeyUsageExtension?
    /// nil when the certificate has no SubjectAltName extension.
    public var subjectAltNames: SubjectAltNames?
    public var basicConstraints: BasicConstraints?
    public var subjectKeyIdentifier: [UInt8]?
    public var authorityKeyIdentifier: [UInt8]?
    /// A CRL's own facts; nil for certificates and requests.
    public var revocationList: RevocationListFacts?
    /// Things the lenient parser had to step over (an undecodable extension, an odd time format…).
    public var parseWarnings: [String]

    public struct BasicConstraints: Hashable, Sendable {
        public var isCA: Bool
        public var pathLength: Int?
        public var critical: Bool
    }

    /// Subject and issuer are the same name (byte-exact DER comparison, as RFC 5280's "self-issued").
    public var selfIssued: Bool {
        document == .certificate && subject.der == issuer.der
    }

    public var isCA: Bool {
        basicConstraints?.isCA ?? false
    }

    /// The role its basicConstraints (and version) declare, before anything about how it is used is
    /// known. `EvaluationInput.role` is the role the rules judge it in.
    public var role: CertificateRole {
        if isCA || (version == 1 && selfIssued) {
            return selfIssued ? .root : .intermediate
        }
        return .leaf
    }

    /// Shaped like a TLS server certificate: a DNS or IP SubjectAltName, or an ExtendedKeyUsage that
    /// lists serverAuth. `openssl req -x509` marks such certificates CA:TRUE by default.
    public var serverShaped: Bool {
        !hostNames.isEmpty || (extendedKeyUsage?.purposes.contains("serverAuth") ?? false)
    }

    public var serialHex: String {
        Hex.encode(serial, separator: UInt8(ascii: ":"))
    }

    /// RFC 5280 §4.1.2.2: positive (content's top bit clear and not all zero).
    public var serialIsPositive: Bool {
        guard let first = serial.first, first & 0x80 == 0 else { return false }
        return serial.contains { $0 != 0 }
    }

    /// DNS and IP SANs, the names browsers match.
    public var hostNames: [String] {
        (subjectAltNames?.dnsNames ?? []) + (subjectAltNames?.ipAddresses ?? [])
    }
}
