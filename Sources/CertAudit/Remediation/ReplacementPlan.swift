/// What a replacement will be, decided before any key is generated or file written: the basis of
/// `--dry-run`, of the manifest's change list, and of the issuing itself.
public struct ReplacementPlan: Sendable {
    public enum Issuer: Sendable {
        case selfSigned
        case authority(IssuingAuthority)
        /// No certificate: a PKCS#10 request for an external CA.
        case signingRequest
    }

    public enum KeySource: Sendable {
        case generate(KeySpec)
        case reuse(KeyMaterial, from: String)
    }

    public var sourcePath: String
    public var index: Int
    public var container: ContainerKind
    public var original: CertificateFacts
    public var issuer: Issuer
    public var key: KeySource
    /// The original subject Name DER, copied byte for byte.
    public var subjectDER: [UInt8]
    /// SubjectAltName extension value (GeneralNames DER): the original's, or one made from the CN.
    public var subjectAltNameDER: [UInt8]
    public var subjectAltNameCritical: Bool
    public var keyUsage: KeyUsageSet
    public var keyUsageCritical: Bool
    /// ExtendedKeyUsage purposes as dotted OIDs, in order; nil for no EKU extension.
    public var extendedKeyUsageOIDs: [String]?
    public var notBefore: UnixTime
    public var notAfter: UnixTime
    public var friendlyName: String?
    /// For a PKCS#12 replacement: the encryption family it is written with.
    public var pkcs12Encryption: PKCS12Protection.Family?
    /// Human sentences: what changes, and what stays.
    public var changes: [String]
    public var keeps: [String]
}
