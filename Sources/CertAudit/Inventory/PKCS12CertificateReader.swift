import CCertAuditOpenSSL

/// Reads the certificate bags of a PKCS#12 file through the OpenSSL shim, trying each candidate password.
enum PKCS12CertificateReader {
    enum Failure: Error {
        case wrongPassword(triedSources: [String])
        case notPKCS12
        case unreadable(String)
    }

    struct Contents {
        var certificates: [(der: [UInt8], friendlyName: String?)]
        var privateKeys: Int
        /// The first private key, unencrypted PKCS#8 DER.
        var privateKey: [UInt8]?
        /// The candidate that opened the file (nil: "no password").
        var password: String?
    }

    static func read(_ bytes: ArraySlice<UInt8>, passwords: PasswordCandidates) throws(Failure) -> Contents {
        for candidate in passwords.values {
            var contents = ca_p12_contents()
            defer { ca_p12_contents_free(&contents) }
            let status = bytes.withUnsafeBufferPointer { buffer in
                if let candidate {
                    return candidate.withCString { ca_p12_read(buffer.baseAddress, buffer.count, $0, &contents) }
                }
                return ca_p12_read(buffer.baseAddress, buffer.count, nil, &contents)
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
                return Contents(
                    certificates: certificates, privateKeys: Int(contents.private_keys), privateKey: key,
                    password: candidate)
            case CA_P12_BAD_PASSWORD:
                continue
            case CA_P12_NOT_PKCS12:
                throw .notPKCS12
            default:
                let message = withUnsafeBytes(of: contents.message) { raw in
                    String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
                }
                throw .unreadable(message)
            }
        }
        throw .wrongPassword(triedSources: passwords.sources)
    }
}
