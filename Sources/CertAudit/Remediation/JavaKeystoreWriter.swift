import CCertAuditOpenSSL
import Crypto

/// Java's private-key protection in keystores, both directions: JKS's (OID 1.3.6.1.4.1.42.2.17.1.1, a
/// SHA-1 keystream XORed with the PKCS#8 key, then SHA-1(password ‖ key) as a check) and JCEKS's
/// PBEWithMD5AndTripleDES (OID 1.3.6.1.4.1.42.2.19.1, Sun's MD5 key derivation and DES-EDE3-CBC).
/// Passwords are Java chars: UTF-16BE for JKS, 7-bit ASCII for JCEKS, as the JDK's KeyProtectors use them.
enum JavaKeyProtector {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static let jksOID: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x11, 0x01, 0x01]
    static let jceOID: [UInt8] = [0x2b, 0x06, 0x01, 0x04, 0x01, 0x2a, 0x02, 0x13, 0x01]
    /// The JDK's default (jdk.jceks.iterationCount) and its upper bound when recovering.
    static let jceIterations = 200_000
    static let jceMaximumIterations = 5_000_000

    // MARK: JKS

    static func protectJKS(_ key: [UInt8], password: String) -> [UInt8] {
        var salt = [UInt8](repeating: 0, count: 20)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        var passwordBytes = JavaKeystoreReader.utf16BigEndian(password)
        defer { Secrets.wipe(&passwordBytes) }
        var stream = keystream(salt: salt, password: passwordBytes, count: key.count)
        defer { Secrets.wipe(&stream) }
        var protected = salt
        for index in key.indices { protected.append(key[index] ^ stream[index]) }
        protected += sha1(passwordBytes, key)
        return encryptedPrivateKeyInfo(oid: jksOID, parameters: [0x05, 0x00], data: protected)
    }

    static func recoverJKS(_ data: [UInt8], password: String) throws(Failure) -> [UInt8] {
        guard data.count > 40 else { throw Failure(description: "the protected key is too short") }
        var passwordBytes = JavaKeystoreReader.utf16BigEndian(password)
        defer { Secrets.wipe(&passwordBytes) }
        let salt = Array(data[0..<20])
        let body = data[20..<(data.count - 20)]
        var stream = keystream(salt: salt, password: passwordBytes, count: body.count)
        defer { Secrets.wipe(&stream) }
        var key = [UInt8](repeating: 0, count: body.count)
        for (offset, byte) in body.enumerated() { key[offset] = byte ^ stream[offset] }
        guard sha1(passwordBytes, key) == Array(data.suffix(20)) else {
            Secrets.wipe(&key)
            throw Failure(description: "the store password does not open the key (its key password differs)")
        }
        return key
    }

    private static func keystream(salt: [UInt8], password: [UInt8], count: Int) -> [UInt8] {
        var stream: [UInt8] = []
        stream.reserveCapacity(count + 20)
        var digest = salt
        while stream.count < count {
            digest = sha1(password, digest)
            stream += digest
        }
        return Array(stream.prefix(count))
    }

    private static func sha1(_ first: [UInt8], _ second: [UInt8]) -> [UInt8] {
        var hash = Insecure.SHA1()
        hash.update(data: first)
        hash.update(data: second)
        return Array(hash.finalize())
    }

    // MARK: JCEKS (PBEWithMD5AndTripleDES)

    static func protectJCE(_ key: [UInt8], password: String) throws(Failure) -> [UInt8] {
        var salt = [UInt8](repeating: 0, count: 8)
        var generator = SystemRandomNumberGenerator()
        for index in salt.indices { salt[index] = generator.next() }
        var material = try derive(password: password, salt: salt, iterations: jceIterations)
        defer { Secrets.wipe(&material) }
        let encrypted = try des(material, key, encrypt: true)
        let parameters = tlv(0x30, tlv(0x04, salt) + integer(jceIterations))
        return encryptedPrivateKeyInfo(oid: jceOID, parameters: parameters, data: encrypted)
    }

    static func recoverJCE(parameters: [UInt8], data: [UInt8], password: String) throws(Failure) -> [UInt8] {
        let parsed: (salt: [UInt8], iterations: Int)? = parameters.withUnsafeBufferPointer { bytes in
            guard let sequence = DERReader.element(bytes, at: 0, end: bytes.count), sequence.tag == DERElement.sequence else { return nil }
            var children = DERReader.children(bytes, of: sequence)
            guard let salt = children.next(), salt.tag == DERElement.octetString, let count = children.next(),
                count.tag == DERElement.integer, (1...4).contains(count.content.count)
            else { return nil }
            return (Array(bytes[salt.content]), bytes[count.content].reduce(0) { $0 << 8 | Int($1) })
        }
        guard let parsed, parsed.salt.count == 8, (1...jceMaximumIterations).contains(parsed.iterations) else {
            throw Failure(description: "the JCEKS key's PBE parameters are not readable (or ask for more than \(jceMaximumIterations) iterations)")
        }
        var material = try derive(password: password, salt: parsed.salt, iterations: parsed.iterations)
        defer { Secrets.wipe(&material) }
        do {
            return try des(material, data, encrypt: false)
        } catch {
            throw Failure(description: "the store password does not open the key (its key password differs)")
        }
    }

    /// Sun's PBES1 derivation for DESede: each salt half (the first inverted if both are equal) is
    /// hashed with the password `iterations` times; key = 24 bytes, IV = the last 8.
    private static func derive(password: String, salt: [UInt8], iterations: Int) throws(Failure) -> [UInt8] {
        guard password.unicodeScalars.allSatisfy({ $0.value >= 0x20 && $0.value < 0x7f }) else {
            throw Failure(description: "a JCEKS key password must be printable ASCII")
        }
        var passwordBytes = password.unicodeScalars.map { UInt8($0.value & 0x7f) }
        defer { Secrets.wipe(&passwordBytes) }
        var salt = salt
        if salt[0..<4] == salt[4..<8] {
            salt.swapAt(0, 3)
            salt.swapAt(1, 2)
        }
        var result: [UInt8] = []
        for half in 0..<2 {
            var value = Array(salt[(half * 4)..<(half * 4 + 4)])
            for _ in 0..<iterations {
                var md5 = Insecure.MD5()
                md5.update(data: value)
                md5.update(data: passwordBytes)
                value = Array(md5.finalize())
            }
            result += value
        }
        return result
    }

    private static func des(_ material: [UInt8], _ input: [UInt8], encrypt: Bool) throws(Failure) -> [UInt8] {
        var buffer = ca_buffer()
        defer { ca_buffer_free(&buffer) }
        let ok = material.withUnsafeBufferPointer { keyAndIV in
            input.withUnsafeBufferPointer { bytes in
                ca_des_ede3_cbc(keyAndIV.baseAddress, keyAndIV.baseAddress! + 24, bytes.baseAddress, bytes.count, encrypt ? 1 : 0, &buffer)
            }
        }
        guard ok == 1, let data = buffer.data else { throw Failure(description: "3DES failed") }
        return Array(UnsafeBufferPointer(start: data, count: buffer.len))
    }

    // MARK: DER

    static func encryptedPrivateKeyInfo(oid: [UInt8], parameters: [UInt8], data: [UInt8]) -> [UInt8] {
        tlv(0x30, tlv(0x30, tlv(0x06, oid) + parameters) + tlv(0x04, data))
    }

    /// The key of an EncryptedPrivateKeyInfo as either protector wrote it.
    static func recover(_ info: ArraySlice<UInt8>, password: String) throws(Failure) -> [UInt8] {
        let parts: (oid: [UInt8], parameters: [UInt8], data: [UInt8])? = Array(info).withUnsafeBufferPointer { bytes in
            guard let outer = DERReader.element(bytes, at: 0, end: bytes.count), outer.tag == DERElement.sequence else { return nil }
            var children = DERReader.children(bytes, of: outer)
            guard let algorithm = children.next(), algorithm.tag == DERElement.sequence, let data = children.next(),
                data.tag == DERElement.octetString
            else { return nil }
            var fields = DERReader.children(bytes, of: algorithm)
            guard let oid = fields.next(), oid.tag == DERElement.objectIdentifier else { return nil }
            let parameters = fields.next().map { Array(bytes[$0.whole]) } ?? []
            return (Array(bytes[oid.content]), parameters, Array(bytes[data.content]))
        }
        guard let parts else { throw Failure(description: "the protected key is not an EncryptedPrivateKeyInfo") }
        switch parts.oid {
        case jksOID: return try recoverJKS(parts.data, password: password)
        case jceOID: return try recoverJCE(parameters: parts.parameters, data: parts.data, password: password)
        default: throw Failure(description: "the key is protected with an algorithm Java's keystores do not use")
        }
    }

    static func tlv(_ tag: UInt8, _ content: [UInt8]) -> [UInt8] {
        let count = content.count
        var header: [UInt8] = [tag]
        if count < 0x80 {
            header.append(UInt8(count))
        } else {
            var length: [UInt8] = []
            var rest = count
            while rest > 0 {
                length.insert(UInt8(rest & 0xff), at: 0)
                rest >>= 8
            }
            header.append(0x80 | UInt8(length.count))
            header += length
        }
        return header + content
    }

    private static func integer(_ value: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        var rest = value
        repeat {
            bytes.insert(UInt8(rest & 0xff), at: 0)
            rest >>= 8
        } while rest > 0
        if bytes[0] & 0x80 != 0 { bytes.insert(0, at: 0) }
        return tlv(0x02, bytes)
    }
}

/// Writes a replacement JKS or JCEKS store: every entry of the original copied byte for byte (trusted
/// certificates, other key entries, JCEKS secret keys), except the private-key entries being replaced,
/// which get their new chain under the same alias and their key protected anew (a new key) or copied
/// unchanged (the same key); the integrity digest with the store's password.
enum JavaKeystoreWriter {
    struct Replacement {
        /// The new chain, leaf first.
        var chain: [[UInt8]]
        /// A new key (PKCS#8 DER) to protect with the store password; nil keeps the entry's protected key.
        var newKey: [UInt8]?
    }

    static func rewrite(
        _ original: [UInt8], store: JavaKeystoreReader.Store, replacing replacements: [Int: Replacement], password: String,
        now: UnixTime
    ) throws(JavaKeyProtector.Failure) -> [UInt8] {
        var out: [UInt8] = Array(original[0..<12])  // magic, version, entry count: unchanged
        for (index, entry) in store.entries.enumerated() {
            guard let replacement = replacements[index] else {
                out += original[entry.range]
                continue
            }
            guard entry.isKeyEntry, let protectedRange = entry.protectedKey else {
                throw JavaKeyProtector.Failure(description: "entry '\(entry.alias)' holds no private key")
            }
            let protected: [UInt8]
            if let key = replacement.newKey {
                protected = store.kind == .jks
                    ? JavaKeyProtector.protectJKS(key, password: password) : try JavaKeyProtector.protectJCE(key, password: password)
            } else {
                protected = Array(original[protectedRange])
            }
            out += u32(1)
            out += original[entry.aliasRange.lowerBound..<(entry.aliasRange.upperBound - 8)]  // the alias as stored
            out += u64(UInt64(max(0, now.seconds)) * 1000)
            out += u32(protected.count) + protected
            out += u32(replacement.chain.count)
            for certificate in replacement.chain {
                if store.version == 2 {
                    out += [0x00, 0x05] + Array("X.509".utf8)
                }
                out += u32(certificate.count) + certificate
            }
        }
        out += JavaKeystoreReader.integrityDigest(of: out[...], password: password)
        return out
    }

    private static func u32(_ value: Int) -> [UInt8] {
        [UInt8(value >> 24 & 0xff), UInt8(value >> 16 & 0xff), UInt8(value >> 8 & 0xff), UInt8(value & 0xff)]
    }

    private static func u64(_ value: UInt64) -> [UInt8] {
        (0..<8).map { UInt8(value >> (56 - 8 * UInt64($0)) & 0xff) }
    }
}
