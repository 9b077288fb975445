import CCertAuditOpenSSL

/// Encodes replacement files in the container the original came in; PKCS#12 and PKCS#7 through the
/// OpenSSL shim.
enum ContainerEncoder {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func pkcs12(
        certificate: [UInt8], key: KeyMaterial, chain: [[UInt8]], friendlyName: String?, localKeyID: [UInt8]?,
        password: String, family: PKCS12Protection.Family
    ) throws(Failure) -> [UInt8] {
        var keyDER = key.pkcs8DER
        defer { Secrets.wipe(&keyDER) }
        let legacy: Int32 = family == .legacy ? 1 : 0
        let keyID = localKeyID ?? []
        var buffer = ca_buffer()
        defer { ca_buffer_free(&buffer) }
        let ok = withPointers(chain) { pointers, lengths in
            certificate.withUnsafeBufferPointer { cert in
                keyDER.withUnsafeBufferPointer { keyBytes in
                    keyID.withUnsafeBufferPointer { id in
                        password.withCString { pass in
                            if let friendlyName {
                                return friendlyName.withCString { name in
                                    ca_p12_create(
                                        cert.baseAddress, cert.count, keyBytes.baseAddress, keyBytes.count, pointers,
                                        lengths, chain.count, name, id.baseAddress, id.count, pass, legacy, &buffer)
                                }
                            }
                            return ca_p12_create(
                                cert.baseAddress, cert.count, keyBytes.baseAddress, keyBytes.count, pointers, lengths,
                                chain.count, nil, id.baseAddress, id.count, pass, legacy, &buffer)
                        }
                    }
                }
            }
        }
        return try take(&buffer, ok: ok)
    }

    static func pkcs7(_ certificates: [[UInt8]]) throws(Failure) -> [UInt8] {
        var buffer = ca_buffer()
        defer { ca_buffer_free(&buffer) }
        let ok = withPointers(certificates) { pointers, lengths in
            ca_p7_create(pointers, lengths, certificates.count, &buffer)
        }
        return try take(&buffer, ok: ok)
    }

    private static func take(_ buffer: inout ca_buffer, ok: Int32) throws(Failure) -> [UInt8] {
        guard ok == 1, let data = buffer.data else {
            let message = withUnsafeBytes(of: buffer.message) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            throw Failure(description: message.isEmpty ? "OpenSSL could not encode the file" : message)
        }
        return Array(UnsafeBufferPointer(start: data, count: buffer.len))
    }

    /// Hands C arrays of pointers and lengths for `blobs` to `body`.
    private static func withPointers<Result>(
        _ blobs: [[UInt8]], _ body: (UnsafePointer<UnsafePointer<UInt8>?>?, UnsafePointer<Int>?) -> Result
    ) -> Result {
        let copies = blobs.map { blob -> UnsafeMutableBufferPointer<UInt8> in
            let copy = UnsafeMutableBufferPointer<UInt8>.allocate(capacity: max(blob.count, 1))
            _ = copy.initialize(from: blob)
            return copy
        }
        defer { copies.forEach { $0.deallocate() } }
        let pointers: [UnsafePointer<UInt8>?] = copies.map { UnsafePointer($0.baseAddress) }
        let lengths = blobs.map(\.count)
        return pointers.withUnsafeBufferPointer { p in
            lengths.withUnsafeBufferPointer { l in body(p.baseAddress, l.baseAddress) }
        }
    }
}
