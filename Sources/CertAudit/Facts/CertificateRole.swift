/// Where a certificate sits in a chain, judged from the certificate alone.
public enum CertificateRole: String, CaseIterable, Sendable {
    /// An end-entity certificate (not a CA), including self-signed server certificates.
    case leaf
    /// A CA certificate whose issuer differs from its subject.
    case intermediate
    /// A self-issued CA certificate, or a self-issued version 1 certificate (old trust anchors).
    case root
}
