import CCertAuditOpenSSL
import Crypto

/// Reads the certificates out of a Java keystore, JKS (magic FEEDFEED) or JCEKS (CECECECE), as
/// `keytool` and Java's `KeyStore` write them: every trusted-certificate entry and every private-key
/// entry's chain, named by the entry's alias. Private keys are never decrypted; JCEKS secret-key entries
/// (Java-serialised sealed objects) are stepped over.
///
/// The store's integrity digest, SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ store bytes), is
/// checked with each password candidate (the empty one first): certificates are read without it, and
/// the result says whether the integrity was checked. Every length is checked against the bytes left.
enum JavaKeystoreReader {
    static let jksMagic: [UInt8] = [0xfe, 0xed, 0xfe, 0xed]
    static let jcejksMagic: [UInt8] = [0xce, 0xce, 0xce, 0xce]

    /// Bounds against hostile stores (a real one holds a few hundred entries of a few certificates).
    static let entryLimit = 100_000
    static let chainLimit = 100

    enum Kind: String, Sendable {
        case jks = "JKS"
        case jceks = "JCEKS"
    }

    struct Entry: Sendable {
        var alias: String
        /// True for a private-key entry (its chain, leaf first), false for a trusted certificate; a JCEKS
        /// secret key is an entry with neither (`isSecretKey`).
        var isKeyEntry: Bool
        var certificates: [ArraySlice<UInt8>]
        var isSecretKey = false
        /// Where the whole entry lies in the store (from its tag), so that a rewrite copies it unchanged.
        var range: Range<Int> = 0..<0
        /// The alias as stored (its length and modified UTF-8), and the creation time's 8 bytes.
        var aliasRange: Range<Int> = 0..<0
        /// A private-key entry's protected key (EncryptedPrivateKeyInfo): never decrypted by a scan.
        var protectedKey: Range<Int>?
    }

    enum Integrity: Sendable, Equatable {
        /// The digest matched this candidate (nil: the empty password).
        case checked
        /// No candidate matched; `passwordsGiven`: the user supplied passwords (a wrong password).
        case notChecked(passwordsGiven: Bool)
    }

    struct Store: Sendable {
        var kind: Kind
        var entries: [Entry]
        var integrity: Integrity
        /// JCEKS secret-key entries stepped over (no certificate in them).
        var secretKeys: Int
        var version: UInt32 = 2
        /// The candidate that matched the integrity digest (remediation writes the new store with it);
        /// nil when none did.
        var password: String?
    }

    struct ReadError: Error, CustomStringConvertible, Sendable {
        var description: String
    }

    static func sniff(_ bytes: [UInt8]) -> Kind? {
        if bytes.starts(with: jksMagic) { return .jks }
        if bytes.starts(with: jcejksMagic) { return .jceks }
        return nil
    }

    /// Java's default store password (cacerts, many installers): always tried after the empty one.
    static let defaultPassword = "changeit"

    static func read(_ bytes: [UInt8], passwords: PasswordCandidates, deadline: Deadline? = nil) throws(ReadError) -> Store {
        guard let kind = sniff(bytes) else { throw ReadError(description: "not a Java keystore") }
        var reader = Reader(bytes: bytes, at: 4)
        let version = try reader.u32()
        guard version == 1 || version == 2 else {
            throw ReadError(description: "\(kind.rawValue) version \(version) is not 1 or 2")
        }
        let count = try reader.u32()
        guard count <= entryLimit else {
            throw ReadError(description: "\(kind.rawValue) claims \(count) entries (at most \(entryLimit))")
        }
        var entries: [Entry] = []
        var secretKeys = 0
        for number in 0..<Int(count) {
            let number = number + 1
            let start = reader.at
            let tag = try reader.u32()
            let aliasStart = reader.at
            let alias = try reader.utf()
            _ = try reader.bytes(8)  // creation time, milliseconds
            let aliasRange = aliasStart..<reader.at
            switch tag {
            case 1:
                let keyLength = try reader.u32()
                let keyStart = reader.at
                _ = try reader.bytes(Int(keyLength))  // EncryptedPrivateKeyInfo (or JCEKS's own): never decrypted
                let protectedKey = keyStart..<reader.at
                let chainLength = try reader.u32()
                guard chainLength <= chainLimit else {
                    throw ReadError(description: "entry \(number) ('\(alias)') claims a chain of \(chainLength) certificates")
                }
                var chain: [ArraySlice<UInt8>] = []
                for _ in 0..<chainLength {
                    chain.append(try reader.certificate(version: version))
                }
                entries.append(
                    Entry(
                        alias: alias, isKeyEntry: true, certificates: chain, range: start..<reader.at, aliasRange: aliasRange,
                        protectedKey: protectedKey))
            case 2:
                let certificate = try reader.certificate(version: version)
                entries.append(
                    Entry(alias: alias, isKeyEntry: false, certificates: [certificate], range: start..<reader.at, aliasRange: aliasRange))
            case 3 where kind == .jceks:
                try JavaSerialization.skipObject(&reader)
                secretKeys += 1
                entries.append(
                    Entry(
                        alias: alias, isKeyEntry: false, certificates: [], isSecretKey: true, range: start..<reader.at,
                        aliasRange: aliasRange))
            default:
                throw ReadError(description: "entry \(number) ('\(alias)') has an unknown tag \(tag)")
            }
        }
        let digestStart = reader.at
        let digest = try reader.bytes(20)
        guard reader.at == bytes.count else {
            throw ReadError(description: "\(bytes.count - reader.at) bytes after the integrity digest")
        }
        let body = bytes[..<digestStart]
        var integrity = Integrity.notChecked(passwordsGiven: !passwords.sources.isEmpty)
        var matched: String?
        // "" (no password and the empty one hash alike), "changeit", then the user's, each once; the
        // file's time budget is checked between candidates.
        var candidates: [String] = ["", defaultPassword]
        for case let value? in passwords.values where !candidates.contains(value) {
            candidates.append(value)
        }
        for candidate in candidates {
            if let deadline, deadline.passed { break }
            if integrityDigest(of: body, password: candidate) == Array(digest) {
                integrity = .checked
                matched = candidate
                break
            }
        }
        return Store(
            kind: kind, entries: entries, integrity: integrity, secretKeys: secretKeys, version: version, password: matched)
    }

    /// `--match-encrypted-keys`: every private-key entry's key, recovered with the store password (the
    /// one that matched the integrity digest), compared with the entry's own certificate and wiped. The
    /// first entry whose key does not match is reported, else the first entry; the file's time budget is
    /// checked between entries (a JCEKS key costs its PBE iterations, at most Java's 5,000,000).
    static func matchKeys(of store: Store, in bytes: [UInt8], deadline: Deadline?) -> ContainerKeyMatch? {
        var first: ContainerKeyMatch?
        var index = 0
        for entry in store.entries {
            defer { index += entry.certificates.count }
            guard entry.isKeyEntry, let range = entry.protectedKey, let certificate = entry.certificates.first else { continue }
            var found = ContainerKeyMatch(
                result: CA_KEY_ENCRYPTED.rawValue, certificate: index, algorithm: nil, bits: 0, place: "entry '\(entry.alias)'")
            if let deadline, deadline.passed {
                found.reason = "the file's time budget (--file-timeout) ran out before entry '\(entry.alias)'"
                return first ?? found
            }
            if let password = store.password {
                do {
                    var key = try JavaKeyProtector.recover(bytes[range], password: password)
                    defer { Secrets.wipe(&key) }
                    (found.result, found.algorithm, found.bits) = PrivateKeyCheck.compareDecrypted(key, certificate: Array(certificate))
                } catch {
                    found.reason = "entry '\(entry.alias)': \(error.description)"
                }
            } else {
                found.reason = "the \(store.kind.rawValue) store's password is unknown, so entry '\(entry.alias)''s key was not decrypted"
            }
            if found.result == CA_KEY_MISMATCH.rawValue {
                return found
            }
            first = first ?? found
        }
        return first
    }

    /// SHA-1(password as UTF-16BE ‖ "Mighty Aphrodite" ‖ store bytes), as Java's JKS and JCEKS compute it.
    static func integrityDigest(of body: ArraySlice<UInt8>, password: String) -> [UInt8] {
        var hash = Insecure.SHA1()
        var salted = utf16BigEndian(password)
        hash.update(data: salted)
        hash.update(data: Array("Mighty Aphrodite".utf8))
        hash.update(data: body)
        Secrets.wipe(&salted)
        return Array(hash.finalize())
    }

    /// A Java password's chars as UTF-16BE code units, as the JKS key protector and digest use them.
    static func utf16BigEndian(_ password: String) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(password.utf16.count * 2)
        for unit in password.utf16 {
            bytes.append(UInt8(unit >> 8))
            bytes.append(UInt8(unit & 0xff))
        }
        return bytes
    }

    /// Big-endian reads with bounds.
    struct Reader {
        let bytes: [UInt8]
        var at: Int

        mutating func bytes(_ count: Int) throws(ReadError) -> ArraySlice<UInt8> {
            guard count >= 0, count <= bytes.count - at else {
                throw ReadError(description: "truncated at byte \(at) (\(count) more bytes expected, \(bytes.count - at) left)")
            }
            defer { at += count }
            return bytes[at..<at + count]
        }

        mutating func u8() throws(ReadError) -> UInt8 {
            try bytes(1).first!
        }

        mutating func u16() throws(ReadError) -> Int {
            let two = try bytes(2)
            return Int(two[two.startIndex]) << 8 | Int(two[two.startIndex + 1])
        }

        mutating func u32() throws(ReadError) -> UInt32 {
            let four = try bytes(4)
            return four.reduce(0) { $0 << 8 | UInt32($1) }
        }

        /// Java's modified UTF-8 with a 16-bit length (DataOutput.writeUTF): NUL as C0 80, characters
        /// outside the BMP as two 3-byte surrogates. Decoded to UTF-16 code units, then to a String.
        mutating func utf() throws(ReadError) -> String {
            let encoded = try bytes(u16())
            var units: [UInt16] = []
            units.reserveCapacity(encoded.count)
            var index = encoded.startIndex
            while index < encoded.endIndex {
                let first = UInt16(encoded[index])
                if first < 0x80 {
                    units.append(first)
                    index += 1
                } else if first & 0xe0 == 0xc0, index + 1 < encoded.endIndex {
                    units.append((first & 0x1f) << 6 | UInt16(encoded[index + 1] & 0x3f))
                    index += 2
                } else if first & 0xf0 == 0xe0, index + 2 < encoded.endIndex {
                    units.append((first & 0x0f) << 12 | UInt16(encoded[index + 1] & 0x3f) << 6 | UInt16(encoded[index + 2] & 0x3f))
                    index += 3
                } else {
                    units.append(0xfffd)
                    index += 1
                }
            }
            return String(decoding: units, as: UTF16.self)
        }

        /// A certificate: (version 2) its type name, then a 32-bit length and the encoding.
        mutating func certificate(version: UInt32) throws(ReadError) -> ArraySlice<UInt8> {
            if version == 2 {
                let type = try utf()
                guard type == "X.509" else { throw ReadError(description: "a certificate of type '\(type)', not X.509") }
            }
            let length = try u32()
            guard length > 0 else { throw ReadError(description: "an empty certificate at byte \(at)") }
            return try bytes(Int(length))
        }
    }
}

/// Just enough of Java's object serialisation (java.io.ObjectOutputStream, protocol 2) to step over one
/// object — a JCEKS secret-key entry's `SealedObjectForKeyProtector` — without reading it: class
/// descriptors with their fields, strings, arrays, nested objects, null and back references.
enum JavaSerialization {
    private static let maximumDepth = 32

    static func skipObject(_ reader: inout JavaKeystoreReader.Reader) throws(JavaKeystoreReader.ReadError) {
        guard try reader.u16() == 0xaced, try reader.u16() == 5 else {
            throw .init(description: "a JCEKS secret-key entry is not a Java serialisation stream")
        }
        var session = Session()
        try session.content(&reader, depth: 0)
    }

    /// Class descriptors seen so far (back references point at them), with their field types.
    private struct Session {
        struct ClassInfo {
            var name: String
            var fields: [(type: UInt8, className: String?)]
            var superClass: Int?
            var serializable: Bool
        }
        var handles: [ClassInfo?] = []

        mutating func content(_ reader: inout JavaKeystoreReader.Reader, depth: Int) throws(JavaKeystoreReader.ReadError) {
            guard depth < JavaSerialization.maximumDepth else { throw .init(description: "a serialised object nested too deep") }
            let code = try reader.u8()
            switch code {
            case 0x70:  // TC_NULL
                return
            case 0x71:  // TC_REFERENCE
                _ = try reader.u32()
            case 0x74:  // TC_STRING
                _ = try reader.bytes(reader.u16())
                handles.append(nil)
            case 0x7c:  // TC_LONGSTRING
                let high = try reader.u32()
                let low = try reader.u32()
                guard high == 0 else { throw .init(description: "a serialised string longer than 4 GiB") }
                _ = try reader.bytes(Int(low))
                handles.append(nil)
            case 0x75:  // TC_ARRAY: class descriptor, handle, length, elements
                let descriptor = try classDescriptor(&reader, depth: depth + 1)
                handles.append(nil)
                let length = Int(try reader.u32())
                guard let name = descriptor.name, name.hasPrefix("[") else { throw .init(description: "a serialised array without an array class") }
                let element = name.utf8.dropFirst().first ?? 0
                if let size = primitiveSize(element) {
                    _ = try reader.bytes(length * size)
                } else {
                    guard length <= reader.bytes.count - reader.at else { throw .init(description: "a serialised array longer than the store") }
                    for _ in 0..<length {
                        try content(&reader, depth: depth + 1)
                    }
                }
            case 0x73:  // TC_OBJECT: class descriptor, handle, class data from the top superclass down
                let descriptor = try classDescriptor(&reader, depth: depth + 1)
                handles.append(nil)
                var chain: [ClassInfo] = []
                var next = descriptor.handle
                while let index = next, index < handles.count, let info = handles[index], chain.count < JavaSerialization.maximumDepth {
                    chain.append(info)
                    next = info.superClass
                }
                for info in chain.reversed() where info.serializable {
                    for field in info.fields {
                        if let size = primitiveSize(field.type) {
                            _ = try reader.bytes(size)
                        } else {
                            try content(&reader, depth: depth + 1)
                        }
                    }
                }
            default:
                throw .init(description: "a serialised element the reader does not know (0x\(String(code, radix: 16)))")
            }
        }

        /// A class descriptor (new, reference or null): its name and handle.
        mutating func classDescriptor(_ reader: inout JavaKeystoreReader.Reader, depth: Int) throws(JavaKeystoreReader.ReadError)
            -> (name: String?, handle: Int?)
        {
            guard depth < JavaSerialization.maximumDepth else { throw .init(description: "serialised classes nested too deep") }
            let code = try reader.u8()
            switch code {
            case 0x70:
                return (nil, nil)
            case 0x71:
                let handle = Int(try reader.u32()) - 0x7e0000
                guard handle >= 0, handle < handles.count, let info = handles[handle] else {
                    throw .init(description: "a serialised back reference out of range")
                }
                return (info.name, handle)
            case 0x72:  // TC_CLASSDESC
                let name = try reader.utf()
                _ = try reader.bytes(8)  // serialVersionUID
                let handle = handles.count
                handles.append(nil)
                let flags = try reader.u8()
                let count = try reader.u16()
                var fields: [(type: UInt8, className: String?)] = []
                for _ in 0..<count {
                    let type = try reader.u8()
                    _ = try reader.utf()  // field name
                    var className: String?
                    if type == UInt8(ascii: "L") || type == UInt8(ascii: "[") {
                        try content(&reader, depth: depth + 1)  // the field's class name, a string or reference
                        className = ""
                    } else if primitiveSize(type) == nil {
                        throw .init(description: "a serialised field of unknown type")
                    }
                    fields.append((type, className))
                }
                // Class annotation: contents up to TC_ENDBLOCKDATA.
                while true {
                    let mark = reader.at
                    if try reader.u8() == 0x78 { break }
                    reader.at = mark
                    try content(&reader, depth: depth + 1)
                }
                let superClass = try classDescriptor(&reader, depth: depth + 1)
                // Classes with writeObject methods (flag 0x01) add block data the reader cannot step over
                // field by field; the sealed-object classes of JCEKS have none.
                guard flags & 0x01 == 0 else { throw .init(description: "a serialised class with custom data (\(name))") }
                handles[handle] = ClassInfo(name: name, fields: fields, superClass: superClass.handle, serializable: flags & 0x02 != 0)
                return (name, handle)
            default:
                throw .init(description: "a serialised class descriptor the reader does not know")
            }
        }

        func primitiveSize(_ type: UInt8) -> Int? {
            switch type {
            case UInt8(ascii: "B"), UInt8(ascii: "Z"): 1
            case UInt8(ascii: "C"), UInt8(ascii: "S"): 2
            case UInt8(ascii: "I"), UInt8(ascii: "F"): 4
            case UInt8(ascii: "J"), UInt8(ascii: "D"): 8
            default: nil
            }
        }
    }
}
