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

    public var worstSeverity: Severity? {
        findings.first?.severity
    }
}
