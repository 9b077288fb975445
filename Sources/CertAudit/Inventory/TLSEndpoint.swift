import CCertAuditOpenSSL

/// A live TLS server named on the command line as `tls://host[:port]` or `https://host[:port][/…]`
/// (port 443 by default; IPv6 literals in brackets). Its presented chain is read through the OpenSSL
/// shim with a bounded timeout, trust is not checked (the rules judge the certificates).
public struct TLSEndpoint: Sendable, Hashable {
    public var host: String
    public var port: Int

    public var display: String {
        host.contains(":") ? "tls://[\(host)]:\(port)" : "tls://\(host):\(port)"
    }

    public init?(argument: String) {
        var rest: Substring
        if argument.hasPrefix("tls://") {
            rest = argument.dropFirst(6)
        } else if argument.hasPrefix("https://") {
            rest = argument.dropFirst(8)
        } else {
            return nil
        }
        if let slash = rest.firstIndex(of: "/") {
            rest = rest[..<slash]
        }
        var host: Substring
        var port = 443
        if rest.hasPrefix("[") {
            guard let close = rest.firstIndex(of: "]") else { return nil }
            host = rest[rest.index(after: rest.startIndex)..<close]
            let after = rest[rest.index(after: close)...]
            if after.hasPrefix(":") {
                guard let parsed = Int(after.dropFirst()) else { return nil }
                port = parsed
            } else if !after.isEmpty {
                return nil
            }
        } else if let colon = rest.lastIndex(of: ":") {
            host = rest[..<colon]
            guard let parsed = Int(rest[rest.index(after: colon)...]) else { return nil }
            port = parsed
        } else {
            host = rest
        }
        guard !host.isEmpty, (1...65_535).contains(port) else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// The presented certificates (leaf first) as a decoded input, or a per-endpoint problem.
    public func fetch(timeoutMilliseconds: Int) -> DecodedInput {
        var result = DecodedInput()
        var chain = ca_tls_chain()
        defer { ca_tls_chain_free(&chain) }
        // SNI only for names: RFC 6066 forbids IP literals in server_name.
        let isAddress = host.contains(":") || host.allSatisfy { $0.isNumber || $0 == "." }
        let ok = host.withCString { hostText in
            String(port).withCString { portText in
                if isAddress {
                    return ca_tls_fetch_chain(hostText, portText, nil, Int32(timeoutMilliseconds), &chain)
                }
                return ca_tls_fetch_chain(hostText, portText, hostText, Int32(timeoutMilliseconds), &chain)
            }
        }
        func text<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
        guard ok == 1 else {
            let code: InputProblem.Code =
                switch chain.failure {
                case CA_TLS_RESOLVE: .tlsResolve
                case CA_TLS_CONNECT: .tlsConnect
                case CA_TLS_TIMEOUT: .tlsTimeout
                case CA_TLS_SETUP: .tlsSetup
                default: .tlsHandshake
                }
            result.problems.append(InputProblem(code, text(chain.message)))
            return result
        }
        let negotiated = "\(text(chain.protocol)) \(text(chain.cipher))"
        for index in 0..<chain.count {
            let certificate = chain.certs[index]
            let der = Array(UnsafeBufferPointer(start: certificate.der, count: certificate.der_len))
            result.certificates.append(
                ExtractedCertificate(
                    der: der[...], container: .presented, friendlyName: nil,
                    location: "presented certificate \(index + 1) (\(negotiated))"))
        }
        if result.certificates.isEmpty {
            result.problems.append(InputProblem(.tlsNoCertificate, "the server presented no certificate"))
        }
        return result
    }
}
