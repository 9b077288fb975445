/// Where a certificate sits in a chain.
public enum CertificateRole: String, CaseIterable, Sendable {
    /// An end-entity certificate (not a CA), including self-signed server certificates; also whatever
    /// certificate a live server presents first, and a self-issued CA shaped as a server certificate.
    case leaf
    /// A CA certificate whose issuer differs from its subject.
    case intermediate
    /// A self-issued CA certificate, or a self-issued version 1 certificate (old trust anchors).
    case root
}

/// Why the rules judge a certificate in the role they do.
public enum RoleBasis: String, CaseIterable, Sendable {
    /// Its basicConstraints (and version) say so.
    case declared
    /// A live server presented it first: Chrome/Edge judge that certificate as the server's, whatever
    /// its CA flag.
    case presentedFirst = "presented-first"
    /// On disk: self-issued, marked CA:TRUE, but with a DNS/IP SubjectAltName or serverAuth, the shape of
    /// a server certificate (`openssl req -x509` sets CA:TRUE by default).
    case serverShaped = "server-shaped"
}
