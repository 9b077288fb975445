import CCertAuditOpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private key found with a certificate: in the certificate's own PEM file, or beside it (`NAME.key`,
/// `NAME-key.pem`, `key.pem` beside `cert.pem`, certbot's `privkey.pem`/`privkeyN.pem`). Whether it
/// belongs to the certificate (whole public keys compared by OpenSSL, the key read once), and who can
/// read it: the file's mode, and whether every folder above it lets others through. The key's bytes are
/// read, compared and wiped; they never reach a report. A file beside the certificate that is not a key
/// OpenSSL reads (an OpenSSH key, junk) is no key.
/// How a key inside a container (a PKCS#12 key bag, a keystore's key entry) compared with the
/// container's certificates, with `--match-encrypted-keys`: a `ca_key_match`, the certificate it was
/// judged with, the key's type and size, and where it lies.
struct ContainerKeyMatch: Sendable {
    var result: Int32
    var certificate: Int
    var algorithm: KeyAlgorithm?
    var bits: Int
    var place: String
    var reason: String?
}

public struct PrivateKeyCheck: Sendable, Hashable {
    public enum Match: String, CaseIterable, Sendable {
        /// No key was found with the certificate.
        case none
        case match
        /// The key belongs to another certificate (a renewal that replaced one file of the pair).
        case mismatch
        /// Encrypted (never decrypted), or not comparable: not compared.
        case unchecked
    }

    /// The key's file (the certificate's own file when the key is inside it).
    public var path: String
    public var match: Match
    /// Permission bits of the key's file (after symbolic links, as the service opens it).
    public var mode: UInt32
    /// The key's file belongs to another user than the certificate's.
    public var ownerDiffers: Bool
    /// Why the match was not checked; nil otherwise.
    public var uncheckedReason: String?
    /// Every folder above the key lets others (`o+x`) / the group (`g+x`) through: without that, the
    /// file's own read bits reach nobody (Debian's /etc/ssl/private is 0710, certbot's archive/ 0700).
    public var othersCanReach = true
    public var groupCanReach = true
    /// The key's own type and size, once it could be read (not for a key left encrypted).
    public var keyAlgorithm: KeyAlgorithm?
    public var keyBits = 0

    /// "RSA-2048", "EC-256"; empty when the key was not read.
    public var keyName: String {
        guard let keyAlgorithm else { return "" }
        return PublicKeyInfo(algorithm: keyAlgorithm, algorithmOID: keyAlgorithm.oid, bits: keyBits, curve: nil).displayName
    }

    /// OpenSSL's EVP_PKEY base ids (the NIDs of the key types) as the audit names key types.
    static func algorithm(evpType: Int32) -> KeyAlgorithm? {
        switch evpType {
        case 6: .rsa  // NID_rsaEncryption
        case 912: .rsaPss  // NID_rsassaPss
        case 408: .ec  // NID_X9_62_id_ecPublicKey
        case 116: .dsa  // NID_dsa
        case 1087: .ed25519
        case 1088: .ed448
        case 1034: .x25519
        case 1035: .x448
        case 0: nil
        default: .unknown
        }
    }

    public init(path: String, match: Match, mode: UInt32, ownerDiffers: Bool = false, uncheckedReason: String? = nil) {
        self.path = path
        self.match = match
        self.mode = mode
        self.ownerDiffers = ownerDiffers
        self.uncheckedReason = uncheckedReason
    }

    /// Readable by every user of the machine: the file is o+r and every folder above it o+x.
    public var worldReadable: Bool { mode & 0o004 != 0 && othersCanReach }
    /// Readable by the file's group (Debian's ssl-cert convention and HAProxy use 0640 with a service
    /// group on purpose).
    public var groupReadable: Bool { mode & 0o040 != 0 && groupCanReach }

    /// `0640`.
    public var modeText: String {
        let octal = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }

    /// The largest key file read, and the most certificates one key is compared with.
    static let fileLimit = 1 << 20
    static let comparisonLimit = 64

    /// The key found with the certificates of the file at `path` (its bytes already read), and the index
    /// (in `decoded.certificates`) of the certificate it is judged with: the one it belongs to, else the
    /// first end-entity certificate. nil when no key lies with them, or the file holds only CAs (certbot's
    /// chain.pem).
    /// Passwords to decrypt encrypted keys with, only to compare them (`--match-encrypted-keys`; nil:
    /// encrypted keys stay unchecked), and the file's time budget, checked between candidates.
    struct Decryption {
        var passwords: PasswordCandidates
        var deadline: Deadline?
    }

    /// Compares an unencrypted key (PKCS#8 DER, already decrypted by the caller, who wipes it) with one
    /// certificate: a `ca_key_match`, the key's type and size.
    static func compareDecrypted(_ key: [UInt8], certificate: [UInt8]) -> (Int32, KeyAlgorithm?, Int) {
        var matched = 0
        var keyType: Int32 = 0
        var keyBits: Int32 = 0
        let result: Int32 = key.withUnsafeBufferPointer { keyBytes in
            withPointers([certificate]) { pointers, lengths in
                ca_private_key_matches(keyBytes.baseAddress, keyBytes.count, pointers, lengths, 1, &matched, &keyType, &keyBits)
            }
        }
        return (result, algorithm(evpType: keyType), Int(keyBits))
    }

    /// A key inside the container (PKCS#12, JKS, JCEKS) as the decoder compared it: judged with the
    /// container file's own mode and owner.
    static func inContainer(path: String, _ key: ContainerKeyMatch) -> (Int, PrivateKeyCheck)? {
        guard let info = statOf(path) else { return nil }
        var check = PrivateKeyCheck(path: path, match: .unchecked, mode: UInt32(info.st_mode))
        check.keyAlgorithm = key.algorithm
        check.keyBits = key.bits
        (check.othersCanReach, check.groupCanReach) = reach(path)
        switch key.result {
        case CA_KEY_MATCH.rawValue:
            check.match = .match
        case CA_KEY_MISMATCH.rawValue:
            check.match = .mismatch
        default:
            check.uncheckedReason = key.reason ?? "\(key.place) could not be decrypted or compared"
        }
        return (key.certificate, check)
    }

    static func find(
        path: String, bytes: [UInt8], decoded: DecodedInput, siblings: FolderListing? = nil, decryption: Decryption? = nil
    ) -> (Int, PrivateKeyCheck)? {
        if let key = decoded.containerKey {
            return inContainer(path: path, key)
        }
        let certificates = decoded.certificates
        // Keys are matched to certificates: a file of requests or CRLs has none to match.
        guard !certificates.isEmpty, path != "-",
            certificates.allSatisfy({ ($0.container == .pem || $0.container == .der) && $0.document == .certificate })
        else { return nil }
        // In the same file (a combined PEM, as HAProxy reads it): looked for only when the decoder saw a
        // key block, so that the scan's hot path reads each file once. The certificate file itself is
        // stat'ed only once a key is found (the common file with no key costs the beside lookups alone).
        if decoded.privateKeys > 0, var check = inFile(bytes: bytes, certificates: certificates, decryption: decryption),
            let ownInfo = statOf(path)
        {
            check.1.path = path
            check.1.mode = UInt32(ownInfo.st_mode)
            (check.1.othersCanReach, check.1.groupCanReach) = reach(path)
            return check
        }
        if let siblings, !siblings.mayHoldKeys {
            return nil  // no name in the folder could be a key: no need to build candidates
        }
        for candidate in besidePaths(path) {
            if let siblings, !siblings.contains(FolderListing.name(of: candidate)) {
                continue  // not in the folder's listing: no need to ask the disk
            }
            guard let (key, info) = readBeside(candidate) else { continue }
            var bytes = firstKeyBlock(of: key)
            var whole = key
            defer {
                Secrets.wipe(&bytes)
                Secrets.wipe(&whole)
            }
            guard var check = compare(key: bytes, certificates: certificates, decryption: decryption), let ownInfo = statOf(path)
            else { continue }  // not a key
            check.1.path = candidate
            check.1.mode = UInt32(info.st_mode)
            check.1.ownerDiffers = info.st_uid != ownInfo.st_uid
            (check.1.othersCanReach, check.1.groupCanReach) = reach(candidate)
            return check
        }
        return nil
    }

    /// The first complete private-key block of a PEM file, compared with its certificates (mode and path
    /// left for the caller). Also the fuzz target's entry.
    static func inFile(bytes: [UInt8], certificates: [ExtractedCertificate], decryption: Decryption? = nil) -> (Int, PrivateKeyCheck)? {
        for block in PEMScanner.blocks(in: bytes) where block.complete && block.label.hasSuffix("PRIVATE KEY") {
            var key = Array(bytes[block.extent])
            defer { Secrets.wipe(&key) }
            return compare(key: key, certificates: certificates, decryption: decryption)
        }
        return nil
    }

    /// A PEM key file's first complete private-key block (what a service loads, and what the shim is
    /// given: its own header alone says how it is encrypted); the bytes as they are otherwise (DER).
    private static func firstKeyBlock(of bytes: [UInt8]) -> [UInt8] {
        guard PEMScanner.containsPEM(bytes) else { return bytes }
        for block in PEMScanner.blocks(in: bytes) where block.complete && block.label.hasSuffix("PRIVATE KEY") {
            return Array(bytes[block.extent])
        }
        return bytes
    }

    /// Opens a key file once (through symbolic links, as services do, but not through a link someone
    /// other than root or the target's owner planted) and reads it from that descriptor: mode and owner
    /// come from the same open file, so a swap between a stat and the open changes nothing.
    private static func readBeside(_ path: String) -> ([UInt8], stat)? {
        var link = stat()
        guard lstat(path, &link) == 0 else { return nil }
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, InputWalker.isRegular(info), Int(info.st_size) <= fileLimit else { return nil }
        if (link.st_mode & S_IFMT) == S_IFLNK, link.st_uid != 0, link.st_uid != info.st_uid {
            return nil  // as the kernel's protected_symlinks: a user's link to another user's file
        }
        guard case .bytes(let bytes) = FileReader.readAll(descriptor, expected: Int(info.st_size), limit: fileLimit) else {
            return nil
        }
        return (bytes, info)
    }

    /// Compares a key with at most `comparisonLimit` certificates; nil when the bytes are no key.
    private static func compare(key: [UInt8], certificates: [ExtractedCertificate], decryption: Decryption?) -> (
        Int, PrivateKeyCheck
    )? {
        let considered = Array(certificates.prefix(comparisonLimit))
        var check = PrivateKeyCheck(path: "", match: .mismatch, mode: 0)
        var matched = 0
        var keyType: Int32 = 0
        var keyBits: Int32 = 0
        let ders = considered.map { Array($0.der) }
        var result: Int32 = key.withUnsafeBufferPointer { keyBytes in
            withPointers(ders) { pointers, lengths in
                ca_private_key_matches(keyBytes.baseAddress, keyBytes.count, pointers, lengths, ders.count, &matched, &keyType, &keyBits)
            }
        }
        if result == CA_KEY_ENCRYPTED.rawValue {
            if let decryption {
                (result, check.uncheckedReason) = decrypting(
                    key, ders: ders, with: decryption, matched: &matched, keyType: &keyType, keyBits: &keyBits)
            } else {
                check.uncheckedReason = "the key is encrypted (not decrypted to compare it; --match-encrypted-keys with its password does)"
            }
        }
        check.keyAlgorithm = algorithm(evpType: keyType)
        check.keyBits = Int(keyBits)
        switch result {
        case CA_KEY_MATCH.rawValue:
            check.match = .match
            check.uncheckedReason = nil
            return (matched, check)
        case CA_KEY_ENCRYPTED.rawValue:
            check.match = .unchecked
        case CA_KEY_UNREADABLE.rawValue:
            return nil
        case CA_KEY_CERTIFICATE_UNREADABLE.rawValue:
            check.match = .unchecked
            check.uncheckedReason = "no certificate here could be compared with the key"
        default:
            // A mismatch means something only where an end-entity certificate is (not in a CA bundle).
            guard considered.contains(where: { isEndEntity($0.der) }) else { return nil }
        }
        return (considered.firstIndex { isEndEntity($0.der) } ?? 0, check)
    }

    /// Tries each password candidate (but "no password") on an encrypted key, inside the shim, within
    /// the file's budget: the key's match, or CA_KEY_ENCRYPTED with why it stays unchecked.
    private static func decrypting(
        _ key: [UInt8], ders: [[UInt8]], with decryption: Decryption, matched: inout Int, keyType: inout Int32,
        keyBits: inout Int32
    ) -> (Int32, String?) {
        var tried = 0
        for candidate in decryption.passwords.values {
            guard let password = candidate else { continue }
            if let deadline = decryption.deadline, deadline.passed {
                return (CA_KEY_ENCRYPTED.rawValue, "the file's time budget (--file-timeout) ran out after \(tried) password(s)")
            }
            tried += 1
            var cost = 0
            let result: Int32 = key.withUnsafeBufferPointer { keyBytes in
                withPointers(ders) { pointers, lengths in
                    ca_encrypted_key_matches(
                        keyBytes.baseAddress, keyBytes.count, password, pointers, lengths, ders.count, &matched, &cost, &keyType,
                        &keyBits)
                }
            }
            switch result {
            case CA_KEY_WRONG_PASSWORD.rawValue:
                continue
            case CA_KEY_LIMIT.rawValue:
                return (CA_KEY_ENCRYPTED.rawValue, "the key's encryption asks for a KDF cost of \(cost), above the limit: not decrypted")
            case CA_KEY_UNREADABLE.rawValue:
                return (CA_KEY_ENCRYPTED.rawValue, "the key is encrypted with a scheme OpenSSL cannot read")
            default:
                return (result, nil)
            }
        }
        let sources = decryption.passwords.sources
        return (
            CA_KEY_ENCRYPTED.rawValue,
            "the key is encrypted and no password tried opens it (the empty one"
                + (sources.isEmpty ? "; give one with --password-file or CERTAUDIT_PFX_PASSWORD)" : ", and those of \(sources.joined(separator: " and ")))")
        )
    }

    private static func isEndEntity(_ der: ArraySlice<UInt8>) -> Bool {
        (try? LenientCertificateParser.parse(der)).map { !$0.isCA } ?? false
    }

    private static func withPointers<Result>(
        _ arrays: [[UInt8]], _ body: (UnsafePointer<UnsafePointer<UInt8>?>, UnsafePointer<Int>) -> Result
    ) -> Result {
        var pointers: [UnsafePointer<UInt8>?] = []
        var lengths: [Int] = []
        func nest(_ index: Int) -> Result {
            if index == arrays.count {
                return pointers.withUnsafeBufferPointer { p in lengths.withUnsafeBufferPointer { l in body(p.baseAddress!, l.baseAddress!) } }
            }
            return arrays[index].withUnsafeBufferPointer { buffer in
                pointers.append(buffer.baseAddress)
                lengths.append(buffer.count)
                return nest(index + 1)
            }
        }
        return nest(0)
    }

    private static func statOf(_ path: String) -> stat? {
        var info = stat()
        return stat(path, &info) == 0 ? info : nil
    }

    /// Whether others / the group can pass every folder above `path` (its real location).
    private static func reach(_ path: String) -> (Bool, Bool) {
        guard let resolved = realpath(path, nil) else { return (true, true) }
        var folder = String(cString: resolved)
        free(resolved)
        var others = true
        var group = true
        while let slash = folder.lastIndex(of: "/"), folder != "/" {
            folder = slash == folder.startIndex ? "/" : String(folder[..<slash])
            var info = stat()
            guard stat(folder, &info) == 0 else { break }
            others = others && info.st_mode & 0o001 != 0
            group = group && info.st_mode & 0o010 != 0
        }
        return (others, group)
    }

    /// Names a key takes beside a certificate: `dir/NAME.crt` → `dir/NAME.key` (also .pem, .cer, .cert,
    /// .der), `NAME-cert.pem`/`NAME.pem` → `NAME-key.pem` (mkcert, cfssl), `cert.pem` → `key.pem`, and
    /// certbot's `cert.pem`/`fullchain.pem` → `privkey.pem` (`certN.pem` → `privkeyN.pem` in archive/).
    static func besidePaths(_ path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var paths: [String] = []
        for prefix in ["cert", "fullchain"] where name.hasPrefix(prefix) && name.hasSuffix(".pem") {
            let number = name.dropFirst(prefix.count).dropLast(4)
            if number.allSatisfy(\.isNumber) {
                paths.append(folder + "privkey" + number + ".pem")
            }
        }
        if name == "cert.pem" {
            paths.append(folder + "key.pem")
        }
        for suffix in [".crt", ".pem", ".cer", ".cert", ".der"] where name.lowercased().hasSuffix(suffix) && name.count > suffix.count {
            let stem = String(name.dropLast(suffix.count))
            paths.append(folder + stem + ".key")
            if stem.hasSuffix("-cert") {
                paths.append(folder + stem.dropLast(5) + "-key.pem")
            } else if suffix == ".pem" {
                paths.append(folder + stem + "-key.pem")
            }
        }
        return paths
    }
}
