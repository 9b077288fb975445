import CCertAuditOpenSSL

/// Reads the certificate bags of a PKCS#12 file through the OpenSSL shim, trying each candidate password.
enum PKCS12CertificateReader {
    enum Failure: Error {
        case wrongPassword(triedSources: [String])
        case notPKCS12
        case unreadable(String)
        /// An iteration count above the cap (`CA_P12_MAX_ITERATIONS`), refused before any key derivation.
        case iterationLimit(String)
        /// The time budget passed before every candidate was tried (how many were).
        case timedOut(tried: Int)
    }

    struct Contents {
        var certificates: [(der: [UInt8], friendlyName: String?)]
        var privateKeys: Int
        /// The first private key, unencrypted PKCS#8 DER.
        var privateKey: [UInt8]?
        /// The candidate that opened the file (nil: "no password").
        var password: String?
        var protection: PKCS12Protection
        /// With `matchKey`: how the first key compared with the certificates (inside the shim).
        var keyMatch: ContainerKeyMatch?
    }

    /// `wantKey`: decrypt the first shrouded key bag (remediation only; a scan never does).
    /// `matchKey`: decrypt it only to compare it with the certificates, inside the shim (`--match-encrypted-keys`).
    static func read(
        _ bytes: ArraySlice<UInt8>, passwords: PasswordCandidates, wantKey: Bool = false, matchKey: Bool = false,
        deadline: Deadline? = nil
    ) throws(Failure) -> Contents {
        for (tried, candidate) in passwords.values.enumerated() {
            if tried > 0, let deadline, deadline.passed {
                throw .timedOut(tried: tried)
            }
            var contents = ca_p12_contents()
            defer { ca_p12_contents_free(&contents) }
            let want: Int32 = wantKey ? 1 : matchKey ? 2 : 0
            let status = bytes.withUnsafeBufferPointer { buffer in
                if let candidate {
                    return candidate.withCString { ca_p12_read(buffer.baseAddress, buffer.count, $0, want, &contents) }
                }
                return ca_p12_read(buffer.baseAddress, buffer.count, nil, want, &contents)
            }
            switch status {
            case CA_P12_OK:
                var certificates: [(der: [UInt8], friendlyName: String?)] = []
                for index in 0..<contents.count {
                    let bag = contents.certs[index]
                    let der = Array(UnsafeBufferPointer(start: bag.der, count: bag.der_len))
                    certificates.append((der, bag.friendly_name.map { String(cString: $0) }))
                }
                let key = contents.key_pkcs8.map { Array(UnsafeBufferPointer(start: $0, count: contents.key_pkcs8_len)) }
                var keyMatch: ContainerKeyMatch?
                if matchKey, contents.private_keys > 0 {
                    keyMatch = ContainerKeyMatch(
                        result: contents.key_match, certificate: Int(contents.key_match_index),
                        algorithm: PrivateKeyCheck.algorithm(evpType: contents.key_type), bits: Int(contents.key_bits),
                        place: "its PKCS#12 key bag")
                }
                return Contents(
                    certificates: certificates, privateKeys: Int(contents.private_keys), privateKey: key,
                    password: candidate, protection: protection(contents.protection), keyMatch: keyMatch)
            case CA_P12_BAD_PASSWORD:
                continue
            case CA_P12_NOT_PKCS12:
                throw .notPKCS12
            default:
                let message = withUnsafeBytes(of: contents.message) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                throw status == CA_P12_LIMIT ? .iterationLimit(message) : .unreadable(message)
            }
        }
        throw .wrongPassword(triedSources: passwords.sources)
    }

    private static func protection(_ raw: ca_p12_protection) -> PKCS12Protection {
        func text<T>(_ value: T) -> String? {
            let string = withUnsafeBytes(of: value) { bytes in
                String(decoding: bytes.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            return string.isEmpty ? nil : string
        }
        let family: PKCS12Protection.Family? =
            switch raw.family {
            case CA_P12_FAMILY_LEGACY: .legacy
            case CA_P12_FAMILY_AES: .aes
            default: nil
            }
        let idLength = min(raw.local_key_id_len, MemoryLayout.size(ofValue: raw.local_key_id))
        let localKeyID = withUnsafeBytes(of: raw.local_key_id) { Array($0.prefix(idLength)) }
        return PKCS12Protection(
            family: family, macDigest: text(raw.mac_digest), certificateCipher: text(raw.certificate_cipher),
            keyCipher: text(raw.key_cipher), maxIterations: Int(raw.max_iterations),
            localKeyID: localKeyID.isEmpty ? nil : localKeyID)
    }
}
