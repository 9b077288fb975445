/// What a parsed document is. Certificates are what most rules judge; a certificate signing request
/// (PKCS#10) is judged by the rules that make sense before issuance (KeyUsage, EKU, names, key,
/// signature), a CRL by its own profile. Reports carry the kind so that consumers can tell them apart.
public enum DocumentKind: String, Sendable, CaseIterable, Hashable {
    case certificate
    case csr
    case crl

    /// As people say it in a report line: "certificate", "CSR", "CRL".
    public var displayName: String {
        switch self {
        case .certificate: "certificate"
        case .csr: "CSR"
        case .crl: "CRL"
        }
    }
}

/// What a certificate revocation list says about itself (RFC 5280 §5.1). Its issuer and signature
/// algorithm are the `CertificateFacts` fields of the same names; the revoked serials themselves are not
/// kept here (a CRL can list millions): `RevocationIndex` holds those for the scan.
public struct RevocationListFacts: Sendable, Hashable {
    public var thisUpdate: UnixTime
    /// nil when the CRL has none (RFC 5280 §5.1.2.5: conforming CAs MUST include it).
    public var nextUpdate: UnixTime?
    public var revokedCount: Int
    /// The cRLNumber extension's content octets; nil when absent.
    public var number: [UInt8]?
    /// A delta CRL (deltaCRLIndicator): it lists changes since a base CRL, not every revocation.
    public var isDelta = false
    /// An issuingDistributionPoint narrows what it covers (one partition, some reasons, users or CAs only):
    /// a certificate it does not list may be listed by another.
    public var isScoped = false
    /// An indirect CRL (indirectCRL, or entries naming another certificateIssuer): it speaks for other
    /// issuers too.
    public var isIndirect = false

    public init(
        thisUpdate: UnixTime, nextUpdate: UnixTime?, revokedCount: Int, number: [UInt8]?, isDelta: Bool = false,
        isScoped: Bool = false, isIndirect: Bool = false
    ) {
        self.thisUpdate = thisUpdate
        self.nextUpdate = nextUpdate
        self.revokedCount = revokedCount
        self.number = number
        self.isDelta = isDelta
        self.isScoped = isScoped
        self.isIndirect = isIndirect
    }
}
