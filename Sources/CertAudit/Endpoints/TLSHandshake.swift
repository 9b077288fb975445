/// What a live server negotiated with a ClientHello like Chrome/Edge's, and which key exchanges it
/// accepts when each is offered alone: what decides ERR_SSL_KEY_USAGE_INCOMPATIBLE.
public struct TLSHandshake: Sendable, Hashable {
    public enum ProtocolVersion: String, CaseIterable, Sendable {
        /// No handshake (files).
        case none
        case tls10 = "TLSv1"
        case tls11 = "TLSv1.1"
        case tls12 = "TLSv1.2"
        case tls13 = "TLSv1.3"
        case other

        init(openSSLName: String) {
            self = ProtocolVersion(rawValue: openSSLName) ?? .other
        }
    }

    public enum KeyExchange: String, CaseIterable, Sendable {
        /// No handshake (files).
        case none
        /// Elliptic-curve Diffie-Hellman (TLS 1.3 with an EC group, TLS 1.2 ECDHE suites): the server
        /// key signs, so KeyUsage needs digitalSignature.
        case ecdhe
        case dhe
        /// TLS 1.2 plain RSA key exchange (`TLS_RSA_WITH_*`): the client encrypts to the server key, so
        /// KeyUsage needs keyEncipherment.
        case rsa
        case psk
        case other
    }

    /// How the endpoint reaches TLS (the `tls.service` fact).
    public enum Service: String, CaseIterable, Sendable {
        case none, tls, smtp, submission, imap, pop3, ldap, ftp, postgres

        init(_ service: TLSEndpoint.Service) {
            self = service == .https ? .tls : Service(rawValue: service.rawValue) ?? .tls
        }
    }

    public var service: Service = .tls

    /// The protocol, suite and key exchange of the handshake the certificates come from: Chrome's offer,
    /// or when the server refused it, the legacy probe (`chromeCompatible` false).
    public var protocolVersion: ProtocolVersion
    public var cipher: String
    public var keyExchange: KeyExchange
    /// The key exchange group (`x25519`, `prime256v1`, …); empty for plain RSA.
    public var group: String
    /// The ALPN protocol the server chose (`h2`, `http/1.1`); empty when none.
    public var alpn: String
    /// The server completed a handshake with Chrome's offer (TLS 1.2/1.3, Chrome's suites and groups).
    /// When false, Chrome/Edge fail with ERR_SSL_VERSION_OR_CIPHER_MISMATCH.
    public var chromeCompatible: Bool
    /// Offered alone: TLS 1.3; TLS 1.2 with Chrome's ECDHE suites; TLS 1.2 with Chrome's plain-RSA suites.
    /// nil when unknown: not probed (`--no-probes`), or the probe timed out or could not connect.
    public var acceptsTLS13: Bool?
    public var acceptsECDHE: Bool?
    public var acceptsRSAKeyExchange: Bool?
    /// The server chose a TLS 1.2 ECDHE-ECDSA suite and sent its chain, and the handshake stopped on the
    /// certificate (an ECDSA key whose KeyUsage lacks digitalSignature): what Chrome gets too.
    public var stoppedAtCertificate = false
    /// The name sent as SNI and matched against the leaf (the host as given; an address when no name).
    public var requestedName: String

    public init(
        protocolVersion: ProtocolVersion, cipher: String, keyExchange: KeyExchange, group: String = "", alpn: String = "",
        chromeCompatible: Bool = true, acceptsTLS13: Bool? = nil, acceptsECDHE: Bool? = nil,
        acceptsRSAKeyExchange: Bool? = nil, requestedName: String = ""
    ) {
        self.protocolVersion = protocolVersion
        self.cipher = cipher
        self.keyExchange = keyExchange
        self.group = group
        self.alpn = alpn
        self.chromeCompatible = chromeCompatible
        self.acceptsTLS13 = acceptsTLS13
        self.acceptsECDHE = acceptsECDHE
        self.acceptsRSAKeyExchange = acceptsRSAKeyExchange
        self.requestedName = requestedName
    }

    /// "TLSv1.3 with ECDHE (x25519)", "TLSv1.2 with plain RSA key exchange (AES128-GCM-SHA256)".
    public var summary: String {
        let version = protocolVersion.rawValue
        switch keyExchange {
        case .rsa: return "\(version) with plain RSA key exchange (\(cipher))"
        case .none: return "no handshake"
        default:
            let exchange = keyExchange.rawValue.uppercased()
            return group.isEmpty ? "\(version) with \(exchange) (\(cipher))" : "\(version) with \(exchange) (\(group), \(cipher))"
        }
    }

    /// The sentence messages append for a live server: what it negotiated with Chrome's offer.
    public var note: String {
        if stoppedAtCertificate {
            return "The server chose \(summary) for a ClientHello like Chrome's and sent this certificate; the handshake stops there."
        }
        return chromeCompatible
            ? "The server negotiated \(summary) with a ClientHello like Chrome's."
            : "The server refused a ClientHello like Chrome's; it answered only an older offer: \(summary)."
    }

    /// Every probe gave an answer (none skipped, timed out or unreachable).
    public var probed: Bool {
        acceptsTLS13 != nil && acceptsECDHE != nil && acceptsRSAKeyExchange != nil
    }
}
