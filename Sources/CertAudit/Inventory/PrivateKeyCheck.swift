import CCertAuditOpenSSL

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// A private key found with a certificate: in the certificate's own PEM file, or beside it (the same
/// stem with `.key`: `server.crt` → `server.key`; certbot's `privkey.pem` beside `cert.pem` and
/// `fullchain.pem`). Whether it belongs to the certificate (whole public keys compared by OpenSSL),
/// and who may read it. The key's bytes are read, compared and wiped; they never reach a report.
public struct PrivateKeyCheck: Sendable, Hashable {
    public enum Match: String, CaseIterable, Sendable {
        /// No key was found with the certificate.
        case none
        case match
        /// The key belongs to another certificate (a renewal that replaced one file of the pair).
        case mismatch
        /// Encrypted, or not a key OpenSSL reads: not compared.
        case unchecked
    }

    /// The key's file (the certificate's own file when the key is inside it).
    public var path: String
    public var match: Match
    /// Permission bits of the key's file (after symbolic links, as the service opens it).
    public var mode: UInt32
    /// The key's file belongs to another user than the certificate's.
    public var ownerDiffers: Bool
    /// Why the match was not checked (encrypted, unreadable); nil otherwise.
    public var uncheckedReason: String?

    public init(path: String, match: Match, mode: UInt32, ownerDiffers: Bool = false, uncheckedReason: String? = nil) {
        self.path = path
        self.match = match
        self.mode = mode
        self.ownerDiffers = ownerDiffers
        self.uncheckedReason = uncheckedReason
    }

    /// Readable by every user of the machine.
    public var worldReadable: Bool { mode & 0o004 != 0 }
    /// Readable by the file's group (Debian's ssl-cert convention and HAProxy use 0640 with a service
    /// group on purpose).
    public var groupReadable: Bool { mode & 0o040 != 0 }

    /// `0640`.
    public var modeText: String {
        let octal = String(mode & 0o7777, radix: 8)
        return String(repeating: "0", count: max(0, 4 - octal.count)) + octal
    }

    /// The largest key file read.
    static let fileLimit = 1 << 20

    /// The key found with the certificates of the file at `path` (its bytes already read), and the
    /// index of the certificate it is judged with: the one it belongs to, else the first. nil when no
    /// key lies with them.
    static func find(path: String, bytes: [UInt8], decoded: DecodedInput) -> (Int, PrivateKeyCheck)? {
        let certificates = decoded.certificates
        guard !certificates.isEmpty, path != "-", certificates.allSatisfy({ $0.container == .pem || $0.container == .der }) else {
            return nil
        }
        var ownInfo = stat()
        guard stat(path, &ownInfo) == 0 else { return nil }
        // In the same file (a combined PEM, as HAProxy reads it): looked for only when the decoder saw a
        // key block, so that the scan's hot path reads each file once.
        for block in decoded.privateKeys > 0 ? PEMScanner.blocks(in: bytes) : [] where block.complete && block.label.hasSuffix("PRIVATE KEY") {
            var key = Array(bytes[block.extent])
            defer { Secrets.wipe(&key) }
            return judge(key: &key, path: path, info: ownInfo, ownerDiffers: false, certificates: certificates)
        }
        // Beside it.
        for candidate in besidePaths(path) {
            var info = stat()
            guard stat(candidate, &info) == 0, InputWalker.isRegular(info) else { continue }
            guard case .bytes(var key) = FileReader.load(path: candidate, limit: fileLimit) else {
                return (0, PrivateKeyCheck(path: candidate, match: .unchecked, mode: UInt32(info.st_mode), ownerDiffers: info.st_uid != ownInfo.st_uid, uncheckedReason: "the key file cannot be read"))
            }
            defer { Secrets.wipe(&key) }
            return judge(key: &key, path: candidate, info: info, ownerDiffers: info.st_uid != ownInfo.st_uid, certificates: certificates)
        }
        return nil
    }

    /// `dir/name.crt` → `dir/name.key` (also for .pem, .cer, .cert, .der); certbot's names → `privkey.pem`.
    static func besidePaths(_ path: String) -> [String] {
        let slash = path.lastIndex(of: "/")
        let folder = slash.map { String(path[...$0]) } ?? ""
        let name = slash.map { String(path[path.index(after: $0)...]) } ?? path
        var paths: [String] = []
        if ["cert.pem", "fullchain.pem", "chain.pem"].contains(name) {
            paths.append(folder + "privkey.pem")
        }
        for suffix in [".crt", ".pem", ".cer", ".cert", ".der"] where name.lowercased().hasSuffix(suffix) && name.count > suffix.count {
            paths.append(folder + name.dropLast(suffix.count) + ".key")
        }
        return paths
    }

    private static func judge(
        key: inout [UInt8], path: String, info: stat, ownerDiffers: Bool, certificates: [ExtractedCertificate]
    ) -> (Int, PrivateKeyCheck) {
        var check = PrivateKeyCheck(path: path, match: .mismatch, mode: UInt32(info.st_mode), ownerDiffers: ownerDiffers)
        for (index, certificate) in certificates.enumerated() {
            let result = key.withUnsafeBufferPointer { keyBytes in
                certificate.der.withUnsafeBufferPointer { der in
                    ca_private_key_matches(keyBytes.baseAddress, keyBytes.count, der.baseAddress, der.count)
                }
            }
            switch result {
            case CA_KEY_MATCH.rawValue:
                check.match = .match
                return (index, check)
            case CA_KEY_ENCRYPTED.rawValue:
                check.match = .unchecked
                check.uncheckedReason = "the key is encrypted (not decrypted to compare it)"
                return (0, check)
            case CA_KEY_UNREADABLE.rawValue:
                check.match = .unchecked
                check.uncheckedReason = "not a private key OpenSSL reads"
                return (0, check)
            default:
                continue
            }
        }
        return (0, check)
    }
}
