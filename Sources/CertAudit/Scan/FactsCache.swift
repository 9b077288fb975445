import Crypto
import _CryptoExtras

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The facts cache behind `scan --cache FILE`: what an earlier scan learned about each file (its
/// problems and the facts of its certificates, `ParsedInput`), so that a re-scan does not read or parse a
/// file that has not changed. Facts, not findings: every rule, the reference time (`--at`) and the
/// policy are applied afresh to what is reused.
///
/// A file is unchanged when device, inode, size, mtime and ctime (to the nanosecond) are what they were.
/// Not kept, so read again next time: files changed less than `racySeconds` before they were read (a
/// change in the same clock tick would not show), files whose time budget ran out, files judged with a
/// private key (in them or beside them: the key and its permissions are checked afresh each time), and
/// files with a key candidate beside them now. Everything is dropped when certaudit's version or the
/// cache format changes; entries that needed a password (PKCS#12, keystores) when the password set
/// changes (the header holds a salted PBKDF2 digest of the candidates, never the passwords).
///
/// The file is a header, then one record per file in walk order (each with a checksum): the old cache is
/// read sequentially as the walk goes (memory stays flat whatever its size) and the new one is written
/// under a temporary name (mode 0600) and renamed into place when the scan is complete. A damaged cache
/// is a warning and a cold scan, never a wrong verdict. A walk in a different order (other roots, or the
/// same roots in another order) reuses less, but never wrongly.
public enum FactsCache {
    /// Bumped whenever `CertificateFacts`, `ParsedInput` or their encoding change.
    static let formatVersion: UInt64 = 2
    static let magic = Array("certaudit facts cache\n".utf8)
    /// Files changed this recently before they were read are not kept.
    static let racySeconds: Int64 = 1
    /// A record larger than this is damage (a file of `--max-file-size` yields far less).
    static let recordLimit = 256 << 20

    /// Whose facts a record holds: the file as `fstat`/`lstat` saw it.
    struct Identity: Equatable, Sendable {
        var device: UInt64
        var inode: UInt64
        var size: Int64
        var modified: timespec
        var changed: timespec

        init(_ info: stat) {
            device = UInt64(info.st_dev)
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = info.st_mtim
            changed = info.st_ctim
        }

        init(device: UInt64, inode: UInt64, size: Int64, modified: timespec, changed: timespec) {
            self.device = device
            self.inode = inode
            self.size = size
            self.modified = modified
            self.changed = changed
        }

        static func == (left: Identity, right: Identity) -> Bool {
            left.device == right.device && left.inode == right.inode && left.size == right.size
                && left.modified.tv_sec == right.modified.tv_sec && left.modified.tv_nsec == right.modified.tv_nsec
                && left.changed.tv_sec == right.changed.tv_sec && left.changed.tv_nsec == right.changed.tv_nsec
        }

        /// Changed less than `racySeconds` before `now`, or in the future.
        func isRacy(now: timespec) -> Bool {
            let changedNanoseconds = Int64(changed.tv_sec) * 1_000_000_000 + Int64(changed.tv_nsec)
            let nowNanoseconds = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
            return changedNanoseconds >= nowNanoseconds - FactsCache.racySeconds * 1_000_000_000
        }
    }

    /// Settings that decide what can be reused.
    struct Context: Sendable {
        var toolVersion = CertAuditVersion.current
        var passwords: PasswordCandidates
        /// `--match-encrypted-keys` changes what a file's parse holds (keys inside containers are
        /// checked): a cache made without it is not reused with it, and the other way round.
        var matchEncryptedKeys = false

        /// What the header records besides the format: the tool's version and the settings that change
        /// what parsing a file yields.
        var settings: String {
            toolVersion + (matchEncryptedKeys ? " +match-encrypted-keys" : "")
        }
    }

    /// One cached file, as read from a cache: where it is, whose facts, and the encoded record (written
    /// back unchanged when the file is reused).
    struct Record: Sendable {
        var path: String
        var identity: Identity
        var needsPasswords: Bool
        /// The whole record as stored (path, identity, flags, facts), without length and checksum.
        var bytes: [UInt8]
        /// Where the `ParsedInput` starts in `bytes`.
        var factsOffset: Int
        /// Where the whole record (length, bytes, checksum) lies in the cache file it was read from.
        var fileRange: Range<Int> = 0..<0
    }

    // MARK: Records

    static func encodeRecord(path: String, identity: Identity, parsed: ParsedInput) -> [UInt8] {
        var writer = BinaryWriter(capacity: 256 + parsed.certificates.count * 900)
        writer.string(path)
        writer.unsigned(identity.device)
        writer.unsigned(identity.inode)
        writer.signed(identity.size)
        writer.signed(Int64(identity.modified.tv_sec))
        writer.signed(Int64(identity.modified.tv_nsec))
        writer.signed(Int64(identity.changed.tv_sec))
        writer.signed(Int64(identity.changed.tv_nsec))
        writer.bool(needsPasswords(parsed))
        parsed.encode(into: &writer)
        return writer.bytes
    }

    static func decodeRecord(_ bytes: [UInt8]) throws(BinaryReader.Malformed) -> Record {
        var reader = BinaryReader(bytes[...])
        let path = try reader.string()
        let device = try reader.unsigned()
        let inode = try reader.unsigned()
        let size = try reader.signed()
        let modified = timespec(tv_sec: Int(try reader.signed()), tv_nsec: Int(try reader.signed()))
        let changed = timespec(tv_sec: Int(try reader.signed()), tv_nsec: Int(try reader.signed()))
        let needsPasswords = try reader.bool()
        return Record(
            path: path, identity: Identity(device: device, inode: inode, size: size, modified: modified, changed: changed),
            needsPasswords: needsPasswords, bytes: bytes, factsOffset: reader.position)
    }

    static func parsedInput(of record: Record) throws(BinaryReader.Malformed) -> ParsedInput {
        var reader = BinaryReader(record.bytes[record.factsOffset...])
        let parsed = try ParsedInput(from: &reader)
        guard reader.atEnd else { throw BinaryReader.Malformed(description: "bytes after the facts") }
        return parsed
    }

    /// Whether what the file yields depends on the password candidates.
    static func needsPasswords(_ parsed: ParsedInput) -> Bool {
        parsed.certificates.contains { [.pkcs12, .jks, .jceks].contains($0.container) }
            || parsed.problems.contains { $0.code.rawValue.hasPrefix("pkcs12.") || $0.code.rawValue.hasPrefix("keystore.") }
    }

    /// Whether a freshly parsed file may be kept: none of its results depend on time, the clock or a key.
    static func keepable(_ parsed: ParsedInput, privateKeyCheck: Bool) -> Bool {
        !privateKeyCheck && !parsed.problems.contains { [.inputTimeout, .pkcs12Timeout].contains($0.code) }
    }

    // MARK: Header

    /// The header: magic, format, version, then the salt and digest of the password candidates.
    static func header(context: Context, salt: [UInt8], digest: [UInt8]) -> [UInt8] {
        var writer = BinaryWriter()
        writer.bytes.append(contentsOf: magic)
        writer.unsigned(formatVersion)
        writer.string(context.settings)
        writer.data(salt)
        writer.data(digest)
        return writer.bytes
    }

    static func randomSalt() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        return (0..<16).map { _ in generator.next() }
    }

    /// Without passwords of the user's, the built-in candidates only: a fixed mark, nothing to hide.
    static let builtInPasswords = Array("built-in candidates".utf8)

    /// PBKDF2-HMAC-SHA256 (210,000 rounds) over the candidates (each length-prefixed, "no password" apart
    /// from ""), salted per cache file: the header tells whether the set changed, not what it holds.
    /// Empty when it cannot be computed (then it never matches).
    static func passwordDigest(_ passwords: PasswordCandidates, salt: [UInt8]) -> [UInt8] {
        if passwords.sources.isEmpty {
            return builtInPasswords
        }
        var material = BinaryWriter()
        for candidate in passwords.values {
            material.bool(candidate != nil)
            if let candidate { material.string(candidate) }
        }
        defer { Secrets.wipe(&material.bytes) }
        let key = try? KDF.Insecure.PBKDF2.deriveKey(
            from: material.bytes, salt: salt, using: .sha256, outputByteCount: 32, rounds: 210_000)
        return key?.withUnsafeBytes { Array($0) } ?? []
    }

    // MARK: Checksum

    /// A 64-bit checksum of a record (FNV-1a over 8-byte words, then a final mix): finds a torn or
    /// damaged record; the cache is the user's file, not an adversary's.
    static func checksum(_ bytes: [UInt8]) -> UInt64 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325 ^ UInt64(bytes.count)
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset + 8 <= raw.count {
                hash = (hash ^ raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self)) &* 0x0000_0100_0000_01b3
                hash ^= hash >> 29
                offset += 8
            }
            while offset < raw.count {
                hash = (hash ^ UInt64(raw[offset])) &* 0x0000_0100_0000_01b3
                offset += 1
            }
        }
        hash ^= hash >> 33
        hash = hash &* 0xff51_afd7_ed55_8ccd
        hash ^= hash >> 33
        return hash
    }

    /// Orders paths as the walk visits them: byte by byte, a `/` before any other byte (so `a/b` comes
    /// before `a.x`, as the folder `a` is listed before the file `a.x`).
    static func walkOrder(_ left: String, _ right: String) -> Int {
        var left = left
        var right = right
        return left.withUTF8 { l in
            right.withUTF8 { r in
                let common = min(l.count, r.count)
                var index = 0
                while index < common {
                    let a = l[index] == 0x2f ? 0 : Int(l[index]) + 1
                    let b = r[index] == 0x2f ? 0 : Int(r[index]) + 1
                    if a != b { return a - b }
                    index += 1
                }
                return l.count - r.count
            }
        }
    }
}

// MARK: Reading an old cache

/// The old cache, read front to back alongside the walk. Used by the walker's thread only (`problem` is
/// read once the walk is over, after the pipeline's lock ordered it), hence unchecked.
final class FactsCacheReader: @unchecked Sendable {
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var start = 0
    /// The file offset of `buffer[0]`.
    private var bufferOrigin = 0
    /// The cache file's size when it was opened, and whether every record so far went to the walk in
    /// order (none skipped): then an unchanged scan need not rewrite the file (`FactsCacheWriter`).
    private(set) var fileSize = 0
    private(set) var skippedAny = false
    /// Where the header ends.
    private(set) var headerEnd = 0
    private var endOfFile = false
    private var current: FactsCache.Record?
    /// The password candidates differ from those the cache was made with.
    private(set) var passwordsChanged = false
    /// The old cache's salt, and the digest of today's candidates with it (the new cache keeps both:
    /// the key derivation runs once per scan).
    private(set) var salt: [UInt8] = []
    private(set) var digest: [UInt8] = []
    /// Why the cache could not be used, or stopped being used (a warning for the user).
    private(set) var problem: String?

    /// What is at the cache's path.
    enum Opened {
        /// Nothing yet: the first scan makes it.
        case missing
        case usable(FactsCacheReader)
        /// A cache of another certaudit version or format, or empty: every file is read, then it is
        /// replaced.
        case stale(String)
        /// Not a facts cache (a report given by mistake?), or unreadable: it is neither used nor replaced.
        case refused(String)
    }

    static func open(path: String, context: FactsCache.Context) -> Opened {
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else {
            return errno == ENOENT ? .missing : .refused("cannot read the cache \(path): \(InputWalker.describe(errno))")
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0, InputWalker.isRegular(info) else {
            close(descriptor)
            return .refused("the cache \(path) is not a regular file")
        }
        let reader = FactsCacheReader(descriptor: descriptor)
        reader.fileSize = Int(info.st_size)
        switch reader.readHeader(context: context) {
        case .foreign:
            return info.st_size == 0 ? .stale("the cache \(path) is empty") : .refused("\(path) is not a certaudit facts cache; it is left as it is")
        case .otherVersion:
            return .stale("the cache \(path) was made by another certaudit version; every file is read and the cache made anew")
        case .current(let salt, let digest):
            reader.salt = salt
            reader.digest = FactsCache.passwordDigest(context.passwords, salt: salt)
            // No digest (it could not be computed) counts as a change.
            reader.passwordsChanged = digest.isEmpty || reader.digest != digest
            return .usable(reader)
        }
    }

    private init(descriptor: Int32) {
        self.descriptor = descriptor
        buffer.reserveCapacity(1 << 20)
    }

    deinit {
        close(descriptor)
    }

    /// The record kept for `path`, if any (whether the file is unchanged is checked by the caller, on a
    /// worker); records of paths the walk has passed are skipped (files deleted since), and so are those
    /// that needed passwords when the candidates changed.
    func record(for path: String) -> FactsCache.Record? {
        while true {
            if current == nil {
                current = nextRecord()
            }
            guard let record = current else { return nil }
            let order = FactsCache.walkOrder(record.path, path)
            if order < 0 {
                current = nil
                skippedAny = true
                continue
            }
            if order > 0 {
                return nil  // a file the old scan did not see
            }
            current = nil
            if record.needsPasswords && passwordsChanged {
                skippedAny = true
                return nil
            }
            return record
        }
    }

    /// Every record in turn, whatever its path (the fuzz target's way through a whole file).
    func nextForFuzzing() -> FactsCache.Record? {
        defer { current = nil }
        return current ?? nextRecord()
    }

    private enum Header {
        case foreign
        case otherVersion
        case current(salt: [UInt8], digest: [UInt8])
    }

    private func readHeader(context: FactsCache.Context) -> Header {
        fill(atLeast: 4096)
        let magic = FactsCache.magic
        guard buffer.count - start >= magic.count, buffer[start..<start + magic.count].elementsEqual(magic) else { return .foreign }
        var reader = BinaryReader(buffer[(start + magic.count)...])
        guard (try? reader.unsigned()) == FactsCache.formatVersion, (try? reader.string()) == context.settings,
            let salt = try? reader.data(), let digest = try? reader.data()
        else { return .otherVersion }
        start = reader.position
        headerEnd = bufferOrigin + start
        return .current(salt: salt, digest: digest)
    }

    /// The next record, or nil at the end or on damage (then `problem` says so and the rest is unused).
    private func nextRecord() -> FactsCache.Record? {
        guard problem == nil else { return nil }
        // length (LEB128, ≤ 10 bytes), record, checksum (8 bytes).
        _ = fill(atLeast: 10)
        guard buffer.count > start else { return nil }
        var reader = BinaryReader(buffer[start...])
        guard let length = try? reader.unsigned(), length <= UInt64(FactsCache.recordLimit) else {
            return damaged("a record's length is unreadable")
        }
        let headerLength = reader.position - start
        let total = headerLength + Int(length) + 8
        guard fill(atLeast: total), buffer.count - start >= total else { return damaged("it ends inside a record") }
        let body = Array(buffer[(start + headerLength)..<(start + headerLength + Int(length))])
        var trailer = BinaryReader(buffer[(start + headerLength + Int(length))..<(start + total)])
        let fileRange = (bufferOrigin + start)..<(bufferOrigin + start + total)
        start += total
        guard let stored = try? trailer.fixed64(), stored == FactsCache.checksum(body) else {
            return damaged("a record's checksum does not match")
        }
        guard var record = try? FactsCache.decodeRecord(body) else { return damaged("a record cannot be read") }
        record.fileRange = fileRange
        return record
    }

    private func damaged(_ why: String) -> FactsCache.Record? {
        skippedAny = true
        problem = "the cache is damaged (\(why)); the files after that point are read"
        return nil
    }

    /// Makes at least `count` unread bytes available, unless the file ends first; false on a read error.
    @discardableResult
    private func fill(atLeast count: Int) -> Bool {
        if buffer.count - start >= count { return true }
        if start > 0 {
            buffer.removeFirst(start)
            bufferOrigin += start
            start = 0
        }
        while buffer.count < count, !endOfFile {
            // A MiB at a time: a record's length is what the file claims (up to 256 MiB), and a small
            // damaged file must not make the scan allocate and clear that much before the read ends.
            let want = 1 << 20
            let old = buffer.count
            buffer.append(contentsOf: repeatElement(0, count: want))
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + old, want) }
            if got < 0, errno == EINTR {
                buffer.removeSubrange(old...)
                continue
            }
            buffer.removeSubrange((old + max(got, 0))...)
            if got <= 0 {
                endOfFile = true
                if got < 0 { problem = "the cache cannot be read: \(InputWalker.describe(errno))" }
            }
        }
        return buffer.count >= count
    }
}

// MARK: Writing the new cache

/// The new cache, written in walk order on the delivery thread and renamed into place at the end.
///
/// While every record is the old cache's next one, reused unchanged, nothing is written: a re-scan of an
/// unchanged tree leaves the old file as it is instead of rewriting it. At the first difference the old
/// file's prefix is copied into the new one, which then goes on as usual.
final class FactsCacheWriter {
    private let path: String
    private let header: [UInt8]
    private var channel: OutputChannel?
    /// The old cache (its own descriptor, for copying its prefix) and how far the new one matches it.
    private var old: (descriptor: Int32, size: Int, matched: Int, reader: FactsCacheReader)?

    /// `reusing`: the old cache, whose salt and digest of today's candidates are kept.
    init(path: String, context: FactsCache.Context, reusing reader: FactsCacheReader?) throws(OutputChannel.OpenError) {
        self.path = path
        let salt = reader?.salt ?? FactsCache.randomSalt()
        let digest = reader?.digest ?? FactsCache.passwordDigest(context.passwords, salt: salt)
        header = FactsCache.header(context: context, salt: salt, digest: digest)
        if let reader, !reader.passwordsChanged, reader.headerEnd == header.count {
            let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
            if descriptor >= 0 {
                old = (descriptor, reader.fileSize, reader.headerEnd, reader)
                // Made now, so that a folder where it cannot be written says so at the start.
                channel = try OutputChannel.file(path, mode: 0o600)
                return
            }
        }
        try start()
    }

    deinit {
        if let old { close(old.descriptor) }
    }

    private func start() throws(OutputChannel.OpenError) {
        if channel == nil {
            channel = try OutputChannel.file(path, mode: 0o600)
        }
        channel?.write(bytes: header)
    }

    /// Appends one record; `reused` is where it lay in the old cache when it was reused unchanged.
    func append(_ record: [UInt8], reused: Range<Int>?) {
        if let current = old {
            if let reused, reused.lowerBound == current.matched {
                old?.matched = reused.upperBound
                return
            }
            diverge()
        }
        var writer = BinaryWriter(capacity: 16)
        writer.unsigned(UInt64(record.count))
        channel?.write(bytes: writer.bytes)
        channel?.write(bytes: record)
        var trailer = BinaryWriter(capacity: 8)
        trailer.fixed64(FactsCache.checksum(record))
        channel?.write(bytes: trailer.bytes)
    }

    /// Stops mirroring: writes the header and the old records matched so far into the new file.
    private func diverge() {
        guard let current = old, let channel else { return }
        old = nil
        defer { close(current.descriptor) }
        channel.write(bytes: header)
        var offset = current.reader.headerEnd
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while offset < current.matched {
            let want = min(chunk.count, current.matched - offset)
            let got = chunk.withUnsafeMutableBytes { pread(current.descriptor, $0.baseAddress, want, off_t(offset)) }
            if got < 0, errno == EINTR { continue }
            guard got > 0 else {
                channel.fail("cannot copy the old cache: \(InputWalker.describe(errno))")
                return
            }
            channel.write(bytes: Array(chunk[..<got]))
            offset += got
        }
    }

    /// Renames the new cache into place; an error sentence on failure (the old cache then stays).
    /// Unchanged (every old record reused in order, none left over), the old file stays as it is.
    func finish() -> String? {
        if let current = old {
            if current.matched == current.size, !current.reader.skippedAny, current.reader.problem == nil {
                channel?.discard()
                return nil
            }
            diverge()
        }
        return channel?.close()
    }

    func discard() {
        channel?.discard()
    }
}

// MARK: ParsedInput in binary

extension ParsedInput {
    func encode(into writer: inout BinaryWriter) {
        writer.unsigned(UInt64(problems.count))
        for problem in problems {
            writer.string(problem.code.rawValue)
            writer.optionalString(problem.location)
            writer.string(problem.message)
        }
        writer.optionalString(skipReason)
        writer.int(certificateCount)
        writer.unsigned(UInt64(certificates.count))
        for certificate in certificates {
            writer.int(certificate.position)
            writer.string(certificate.container.rawValue)
            writer.optionalString(certificate.friendlyName)
            writer.string(certificate.location)
            certificate.facts.encode(into: &writer)
        }
    }

    init(from reader: inout BinaryReader) throws(BinaryReader.Malformed) {
        self.init()
        let problemCount = try reader.count()
        for _ in 0..<problemCount {
            guard let code = InputProblem.Code(rawValue: try reader.string()) else {
                throw BinaryReader.Malformed(description: "unknown problem code")
            }
            problems.append(InputProblem(code, location: try reader.optionalString(), try reader.string()))
        }
        skipReason = try reader.optionalString()
        certificateCount = try reader.int()
        let count = try reader.count()
        for _ in 0..<count {
            let position = try reader.int()
            guard position >= 0, position < certificateCount else { throw BinaryReader.Malformed(description: "bad position") }
            guard let container = ContainerKind(rawValue: try reader.string()) else {
                throw BinaryReader.Malformed(description: "unknown container")
            }
            let friendlyName = try reader.optionalString()
            let location = try reader.string()
            certificates.append(
                Certificate(
                    position: position, container: container, friendlyName: friendlyName, location: location,
                    facts: try CertificateFacts(from: &reader)))
        }
    }
}
