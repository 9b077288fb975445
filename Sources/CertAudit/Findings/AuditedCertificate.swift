/// A certificate, where it was found, and what the rules said about it.
public struct AuditedCertificate: Sendable {
    /// 0-based position among the certificates read from its file (blocks that could not be read are
    /// reported as problems and take no index).
    public var index: Int
    public var container: ContainerKind
    public var location: String
    public var friendlyName: String?
    public var facts: CertificateFacts
    /// The role the rules judged it in (see `RoleBasis`); `facts.role` is the declared one.
    public var role: CertificateRole
    public var roleBasis: RoleBasis
    public var products: [ProductMatch]
    /// Sorted: most severe first, then by rule id.
    public var findings: [Finding]
    /// For a certificate a live server presented: its place in the chain, the chain checks and the
    /// handshake.
    public var presentation: Presentation? = nil
    /// The private key found with it (in its file or beside it), when there is one.
    public var privateKey: PrivateKeyCheck? = nil
    /// What the scan's CRLs say of it; nil when no CRL is known to the scan, or for a request or a CRL.
    public var revocation: RevocationStatus? = nil

    /// Certificate, request or CRL.
    public var document: DocumentKind { facts.document }

    public var worstSeverity: Severity? {
        findings.first?.severity
    }
}
