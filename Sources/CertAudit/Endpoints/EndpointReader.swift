import CCertAuditOpenSSL

extension TLSEndpoint {
    /// Reads what the server presents to Chrome/Edge: one handshake with Chrome's offer (its chain and
    /// what was negotiated), then, with `probes`, one handshake per key exchange the first did not settle
    /// (TLS 1.2 ECDHE alone, TLS 1.2 plain RSA alone). When the server refuses Chrome's offer, a legacy
    /// handshake (TLS 1.0–1.2, every suite) still gets its chain for the audit. One deadline,
    /// `timeoutMilliseconds` from the call, bounds all of it, DNS included.
    public func fetch(timeoutMilliseconds: Int, probes: Bool = true) -> DecodedInput {
        let deadline = ca_monotonic_ms() + Int64(max(1, timeoutMilliseconds))
        var result = DecodedInput()
        var chrome = attempt(.chrome, deadline: deadline, wantChain: true)
        defer { chrome.free() }
        if !chrome.ok {
            guard chrome.failure == CA_TLS_HANDSHAKE else {
                result.problems.append(InputProblem(chrome.problemCode, chrome.message))
                return result
            }
            var legacy = attempt(.legacy, deadline: deadline, wantChain: true)
            defer { legacy.free() }
            guard legacy.ok else {
                result.problems.append(
                    InputProblem(.tlsHandshake, chrome.message + " (also with TLS 1.0–1.2 and every suite)"))
                return result
            }
            var handshake = legacy.handshake(requestedName: requestedName)
            handshake.service = TLSHandshake.Service(service)
            handshake.chromeCompatible = false
            return certificates(legacy, handshake: handshake)
        }
        var handshake = chrome.handshake(requestedName: requestedName)
        handshake.service = TLSHandshake.Service(service)
        // The probes go to the address the first handshake reached: one name lookup per endpoint, and
        // the same server behind a round-robin name.
        let address = Exchange.text(chrome.chain.address)
        let probeTarget = address.isEmpty ? self : TLSEndpoint(service: service, host: address, port: port, serverName: sniName)
        // What the first handshake settles: a server picks the highest version offered, so TLS 1.2
        // chosen means no TLS 1.3.
        handshake.acceptsTLS13 = handshake.protocolVersion == .tls13
        if handshake.protocolVersion == .tls12 && handshake.keyExchange == .ecdhe { handshake.acceptsECDHE = true }
        if handshake.keyExchange == .rsa { handshake.acceptsRSAKeyExchange = true }
        if probes {
            if handshake.acceptsECDHE == nil {
                handshake.acceptsECDHE = probeTarget.probe(.ecdhe, deadline: deadline)
            }
            if handshake.acceptsRSAKeyExchange == nil {
                handshake.acceptsRSAKeyExchange = probeTarget.probe(.rsa, deadline: deadline)
            }
        }
        return certificates(chrome, handshake: handshake)
    }

    /// true: the server completed the handshake; false: it refused it; nil: no answer (time, network).
    private func probe(_ offer: Offer, deadline: Int64) -> Bool? {
        var exchange = attempt(offer, deadline: deadline, wantChain: false)
        defer { exchange.free() }
        if exchange.ok { return true }  // a stop at the certificate still means the suite was chosen
        return exchange.failure == CA_TLS_HANDSHAKE ? false : nil
    }

    private func certificates(_ exchange: Exchange, handshake: TLSHandshake) -> DecodedInput {
        var result = DecodedInput()
        result.handshake = handshake
        for index in 0..<exchange.chain.count {
            let certificate = exchange.chain.certs[index]
            let der = Array(UnsafeBufferPointer(start: certificate.der, count: certificate.der_len))
            result.certificates.append(
                ExtractedCertificate(
                    der: der[...], container: .presented, friendlyName: nil,
                    location: "presented certificate \(index + 1) (\(handshake.protocolVersion.rawValue) \(handshake.cipher))"))
        }
        if result.certificates.isEmpty {
            result.problems.append(InputProblem(.tlsNoCertificate, "the server presented no certificate"))
        }
        return result
    }

    /// One ClientHello's worth of exchange.
    private enum Offer {
        case chrome, tls13, ecdhe, rsa, legacy

        var value: ca_tls_offer {
            switch self {
            case .chrome: CA_OFFER_CHROME
            case .tls13: CA_OFFER_TLS13
            case .ecdhe: CA_OFFER_TLS12_ECDHE
            case .rsa: CA_OFFER_TLS12_RSA
            case .legacy: CA_OFFER_LEGACY
            }
        }
    }

    private struct Exchange {
        var chain = ca_tls_chain()
        var ok = false

        mutating func free() {
            ca_tls_chain_free(&chain)
        }

        var failure: ca_tls_failure { chain.failure }
        var stoppedAtCertificate: Bool { chain.stopped_at_certificate != 0 }
        var message: String { Exchange.text(chain.message) }

        var problemCode: InputProblem.Code {
            switch chain.failure {
            case CA_TLS_RESOLVE: .tlsResolve
            case CA_TLS_CONNECT: .tlsConnect
            case CA_TLS_TIMEOUT: .tlsTimeout
            case CA_TLS_SETUP: .tlsSetup
            case CA_TLS_STARTTLS: .tlsStartTLS
            default: .tlsHandshake
            }
        }

        func handshake(requestedName: String) -> TLSHandshake {
            var handshake = TLSHandshake(
                protocolVersion: .init(openSSLName: Exchange.text(chain.protocol)), cipher: Exchange.text(chain.cipher),
                keyExchange: TLSHandshake.KeyExchange(rawValue: Exchange.text(chain.key_exchange)) ?? .other,
                group: Exchange.text(chain.group), alpn: Exchange.text(chain.alpn), requestedName: requestedName)
            handshake.stoppedAtCertificate = stoppedAtCertificate
            return handshake
        }

        static func text<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { raw in String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self) }
        }
    }

    private func attempt(_ offer: Offer, deadline: Int64, wantChain: Bool) -> Exchange {
        var chain = ca_tls_chain()
        // SNI only for names: RFC 6066 forbids IP literals in server_name.
        let name = sniName
        let ok = host.withCString { hostText in
            String(port).withCString { portText in
                (name ?? "").withCString { nameText in
                    var request = ca_tls_request(
                        host: hostText, port: portText, server_name: name == nil ? nil : nameText, starttls: service.starttls,
                        offer: offer.value, alpn_http: service.offersHTTP ? 1 : 0, want_chain: wantChain ? 1 : 0,
                        deadline_ms: deadline)
                    return ca_tls_handshake(&request, &chain) == 1
                }
            }
        }
        return Exchange(chain: chain, ok: ok)
    }
}
