import CCertAuditOpenSSL

/// A live server named as `SCHEME://host[:port][/…]`: implicit TLS (`tls://`, `https://`, port 443 by
/// default) or a STARTTLS protocol (`smtp://` 25, `submission://` 587, `imap://` 143, `pop3://` 110,
/// `ldap://` 389, `ftp://` 21, `postgres://` 5432). IPv6 literals go in brackets.
public struct TLSEndpoint: Sendable, Hashable {
    public var service: Service
    public var host: String
    public var port: Int
    /// The host name to send as SNI and to match the certificate against when `host` is an address
    /// (`tls://10.0.0.5:443?sni=www.corp.example`, or the name nmap printed beside the address).
    public var serverName: String?

    /// How the connection reaches TLS.
    public enum Service: String, CaseIterable, Sendable {
        case tls, https, smtp, submission, imap, pop3, ldap, ftp, postgres

        public var defaultPort: Int {
            switch self {
            case .tls, .https: 443
            case .smtp: 25
            case .submission: 587
            case .imap: 143
            case .pop3: 110
            case .ldap: 389
            case .ftp: 21
            case .postgres: 5432
            }
        }

        var starttls: ca_starttls {
            switch self {
            case .tls, .https: CA_STARTTLS_NONE
            case .smtp, .submission: CA_STARTTLS_SMTP
            case .imap: CA_STARTTLS_IMAP
            case .pop3: CA_STARTTLS_POP3
            case .ldap: CA_STARTTLS_LDAP
            case .ftp: CA_STARTTLS_FTP
            case .postgres: CA_STARTTLS_POSTGRES
            }
        }

        /// Implicit TLS: the ClientHello offers ALPN h2 and http/1.1, as Chrome's does.
        var offersHTTP: Bool { self == .tls || self == .https }

        /// As reports name it: `https://` endpoints are named `tls://` (one name per server).
        var displayScheme: String { self == .https ? "tls" : rawValue }
    }

    public init(service: Service, host: String, port: Int, serverName: String? = nil) {
        self.service = service
        self.host = host
        self.port = port
        self.serverName = serverName
    }

    public var display: String {
        let shownHost = host.contains(":") ? "[\(host)]" : host
        return "\(service.displayScheme)://\(shownHost):\(port)" + (serverName.map { "?sni=" + $0 } ?? "")
    }

    /// The name sent as SNI: `serverName`, else the host when it is a name (RFC 6066 forbids addresses).
    public var sniName: String? {
        serverName ?? (hostIsAddress ? nil : host)
    }

    /// The name (or address) the endpoint is asked by, which the certificate must cover.
    public var requestedName: String {
        serverName ?? host
    }

    /// The host is an IPv4 or IPv6 literal (no SNI; matched against IP SubjectAltNames).
    public var hostIsAddress: Bool {
        host.contains(":") || (!host.isEmpty && host.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x2e })
    }

    /// The scheme of `argument` when it names an endpoint (`smtp://…`), whether or not the rest parses.
    public static func service(of argument: String) -> Service? {
        guard let separator = argument.range(of: "://") else { return nil }
        return Service(rawValue: String(argument[..<separator.lowerBound]).lowercased())
    }

    public init?(argument: String) {
        guard let service = TLSEndpoint.service(of: argument), let separator = argument.range(of: "://") else {
            return nil
        }
        var rest = argument[separator.upperBound...]
        var serverName: String?
        if let question = rest.firstIndex(of: "?") {
            // `?sni=NAME`: the only query understood; anything else is an error, not ignored.
            let query = rest[rest.index(after: question)...]
            guard query.hasPrefix("sni="), case let name = String(query.dropFirst(4)), !name.isEmpty,
                HostNames.looksLikeHostName(name), name.contains(where: { $0.isLetter })
            else { return nil }
            serverName = name.lowercased()
            rest = rest[..<question]
        }
        if let slash = rest.firstIndex(of: "/") {
            rest = rest[..<slash]
        }
        guard let (host, port) = TLSEndpoint.hostAndPort(rest, defaultPort: service.defaultPort) else { return nil }
        // An IPv4 literal must be four decimal octets: getaddrinfo would read `010.0.0.1` as octal and
        // `10.0.1` as 10.0.0.1.
        if host.allSatisfy({ $0.isASCII && ($0.isNumber || $0 == ".") }) {
            let octets = host.split(separator: ".", omittingEmptySubsequences: false)
            guard octets.count == 4,
                octets.allSatisfy({ !$0.isEmpty && $0.count <= 3 && (Int($0) ?? 256) <= 255 && ($0.count == 1 || $0.first != "0") })
            else { return nil }
        }
        // https:// is tls:// by another name: one server, one name in reports and baselines.
        self.init(service: service == .https ? .tls : service, host: host, port: port, serverName: serverName)
    }

    /// Splits `host[:port]` or `[v6][:port]`.
    static func hostAndPort(_ text: Substring, defaultPort: Int) -> (String, Int)? {
        var host: Substring
        var port = defaultPort
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]") else { return nil }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()) else { return nil }
                port = parsed
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = text.lastIndex(of: ":") {
            host = text[..<colon]
            guard !host.contains(":"), let parsed = Int(text[text.index(after: colon)...]) else { return nil }
            port = parsed
        } else {
            host = text
        }
        let allowed = host.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                || byte == 0x2d || byte == 0x2e || byte == 0x5f || byte == 0x3a || byte == 0x25
        }
        guard !host.isEmpty, host.utf8.count <= 253, allowed, (1...65_535).contains(port) else { return nil }
        return (String(host), port)
    }
}
