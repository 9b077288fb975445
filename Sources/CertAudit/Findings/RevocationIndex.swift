/// What the CRLs known to a scan say about one certificate.
public struct RevocationStatus: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable {
        /// No CRL of the certificate's issuer is known to the scan.
        case none
        /// A CRL of its issuer is known and does not list it.
        case good
        case revoked
    }

    public var state: State
    /// The CRL that decided it (the one that lists it, or the first of its issuer's): path and place.
    public var crl: String
    public var revocationDate: UnixTime?
    /// RFC 5280 §5.3.1 reason name (keyCompromise, superseded, …); nil when the entry gives none.
    public var reason: String?

    static let reasonNames = [
        0: "unspecified", 1: "keyCompromise", 2: "cACompromise", 3: "affiliationChanged", 4: "superseded",
        5: "cessationOfOperation", 6: "certificateHold", 8: "removeFromCRL", 9: "privilegeWithdrawn", 10: "aACompromise",
    ]
}

/// The revoked serials of every CRL a scan knows, by issuer, so that each certificate is judged against
/// the CRLs of its issuer as it is audited. A CRL matches a certificate when its issuer name is the
/// certificate's issuer name, byte for byte (RFC 5280 §5.1.2.3), and, when both carry an authority key
/// identifier, those are equal too (a re-keyed CA's older CRL does not speak for the new key). The CRL's
/// signature is not verified here: a scan reports what the CRLs on disk say.
public final class RevocationIndex: Sendable {
    struct List: Sendable {
        var source: String
        var authorityKeyIdentifier: [UInt8]?
        var entries: [[UInt8]: LenientRevocationListParser.Entry]
    }

    let lists: [[UInt8]: [List]]
    /// Where the CRLs came from, for the report header: "path (N revoked)".
    public let sources: [String]
    /// Files given or found as CRLs that could not be used, with why (a warning each; the scan goes on).
    public let problems: [String]

    public var isEmpty: Bool { lists.isEmpty }

    init(lists: [[UInt8]: [List]], sources: [String], problems: [String]) {
        self.lists = lists
        self.sources = sources
        self.problems = problems
    }

    /// Most entries kept per CRL; a CRL listing more is still judged by its facts, and its rest is said.
    static let entryLimit = 2_000_000

    /// nil for anything but a certificate.
    public func status(of facts: CertificateFacts) -> RevocationStatus? {
        guard facts.document == .certificate else { return nil }
        guard let candidates = lists[facts.issuer.der] else {
            return RevocationStatus(state: .none, crl: "")
        }
        var first: List?
        for list in candidates {
            if let crlKey = list.authorityKeyIdentifier, let certificateKey = facts.authorityKeyIdentifier,
                crlKey != certificateKey
            {
                continue
            }
            if first == nil { first = list }
            if let entry = list.entries[facts.serial] {
                return RevocationStatus(
                    state: .revoked, crl: list.source, revocationDate: entry.revocationDate,
                    reason: entry.reason.map { RevocationStatus.reasonNames[$0] ?? "reason \($0)" })
            }
        }
        guard let first else { return RevocationStatus(state: .none, crl: "") }
        return RevocationStatus(state: .good, crl: first.source)
    }

    /// Reads the CRLs in `files` (`given`: named with `--crl`, where a file without a CRL is a warning;
    /// otherwise found in a folder) with the scan's bounds: `maxFileSize` per file, PEM or DER, any
    /// number of CRLs per file.
    public static func load(files: [(path: String, given: Bool)], maxFileSize: Int, decoder: ContainerDecoder)
        -> RevocationIndex
    {
        var lists: [[UInt8]: [List]] = [:]
        var sources: [String] = []
        var problems: [String] = []
        var seen = Set<String>()
        for (path, given) in files where seen.insert(path).inserted {
            let bytes: [UInt8]
            switch FileReader.load(path: path, limit: maxFileSize) {
            case .bytes(let read): bytes = read
            case .tooLarge(let size):
                problems.append("\(path): CRL larger than --max-file-size (\(size) bytes); not used for revocation")
                continue
            case .failed(let problem):
                problems.append("\(path): \(problem.message)")
                continue
            }
            let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
            let decoded = decoder.decode(bytes, name: name)
            var found = 0
            for extracted in decoded.certificates where extracted.document == .crl {
                do {
                    let (facts, entries) = try LenientRevocationListParser.parseWithEntries(extracted.der, limit: entryLimit)
                    found += 1
                    var bySerial: [[UInt8]: LenientRevocationListParser.Entry] = [:]
                    bySerial.reserveCapacity(entries.count)
                    for entry in entries {
                        bySerial[entry.serial] = entry
                    }
                    let count = facts.revocationList?.revokedCount ?? entries.count
                    if count > entries.count {
                        problems.append("\(path): CRL lists \(count) certificates; the first \(entries.count) are used")
                    }
                    let source = "\(path) (\(extracted.location))"
                    lists[facts.issuer.der, default: []].append(
                        List(source: source, authorityKeyIdentifier: facts.authorityKeyIdentifier, entries: bySerial))
                    sources.append(source)
                } catch {
                    problems.append("\(path) (\(extracted.location)): not a readable CRL: \(error.reason)")
                }
            }
            if found == 0, given, decoded.certificates.allSatisfy({ $0.document != .crl }) {
                problems.append("\(path): holds no CRL")
            }
        }
        return RevocationIndex(lists: lists, sources: sources, problems: problems)
    }

    /// Whether a file's name says it holds a CRL: `*.crl`, `*.crl.pem`, `*.crl.der`, `*crl*.pem`,
    /// `*crl*.der`, and OpenSSL's hashed CRL names (`1a2b3c4d.r0`). The scan reads such files before it
    /// judges any certificate, so that revocation does not depend on the walk's order.
    public static func isNamedLikeCRL(_ name: Substring) -> Bool {
        let lower = name.lowercased()
        if lower.hasSuffix(".crl") || lower.hasSuffix(".crl.pem") || lower.hasSuffix(".crl.der") { return true }
        if lower.contains("crl"), lower.hasSuffix(".pem") || lower.hasSuffix(".der") { return true }
        // c_rehash: eight hex digits, ".r", a number.
        let parts = lower.split(separator: ".", omittingEmptySubsequences: false)
        if parts.count == 2, parts[0].count == 8, parts[0].allSatisfy(\.isHexDigit), parts[1].first == "r",
            parts[1].count >= 2, parts[1].dropFirst().allSatisfy(\.isNumber)
        {
            return true
        }
        return false
    }
}
