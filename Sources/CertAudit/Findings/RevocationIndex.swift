/// What the CRLs known to a scan say about one certificate.
public struct RevocationStatus: Sendable, Hashable {
    public enum State: String, Sendable, CaseIterable {
        /// No CRL of the certificate's issuer is known to the scan.
        case none
        /// Its issuer's newest CRL is complete, covers every certificate and is current, and does not list it.
        case good
        case revoked
        /// Its issuer's CRLs do not list it but cannot vouch for it: past their nextUpdate, scoped by an
        /// issuingDistributionPoint, or cut at the scan's entry budget.
        case unknown
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

/// The revoked serials of the CRLs a scan knows, by issuer, so that each certificate is judged against
/// the CRLs of its issuer as it is audited. A CRL speaks for a certificate when its issuer name is the
/// certificate's issuer name, byte for byte (RFC 5280 §5.1.2.3), and, when both carry an authority key
/// identifier, those are equal too (a re-keyed CA's CRL does not speak for the other key). Of several
/// complete CRLs of one issuer and key, only the newest (highest cRLNumber, else latest thisUpdate)
/// counts. Delta and indirect CRLs are not used. A certificate a CRL does not list is `good` only when
/// that CRL is complete, unscoped (no issuingDistributionPoint) and not past its nextUpdate; otherwise
/// `unknown`. The CRL's signature is not verified: a scan reports what the CRLs on disk say.
///
/// Serials are kept in one sorted buffer per CRL (about 30 bytes an entry), and at most
/// `totalEntryLimit` entries over the whole scan: memory stays bounded whatever CRLs a tree holds.
public final class RevocationIndex: Sendable {
    struct List: Sendable {
        var source: String
        var authorityKeyIdentifier: [UInt8]?
        var number: [UInt8]?
        var thisUpdate: UnixTime
        var nextUpdate: UnixTime?
        /// Every entry was kept (not cut at the scan's entry budget).
        var complete: Bool
        var scoped: Bool
        /// Serials, sorted by length then bytes, back to back; `offsets[i]..<offsets[i + 1]` is the i-th.
        var serials: [UInt8] = []
        var offsets: [Int32] = [0]
        var dates: [Int64] = []
        var reasons: [Int8] = []
        /// While loading: the CRL's issuer name and facts (not kept past `load`'s choice).
        var issuerAndFacts: ([UInt8], RevocationListFacts)?

        var count: Int { dates.count }

        func serial(_ index: Int) -> ArraySlice<UInt8> {
            serials[Int(offsets[index])..<Int(offsets[index + 1])]
        }

        /// Orders serials by length, then bytes (so equal serials compare equal whatever their place).
        static func less(_ left: ArraySlice<UInt8>, _ right: ArraySlice<UInt8>) -> Bool {
            left.count != right.count ? left.count < right.count : left.lexicographicallyPrecedes(right)
        }

        func find(_ serial: [UInt8]) -> Int? {
            var low = 0
            var high = count
            let wanted = serial[...]
            while low < high {
                let middle = (low + high) / 2
                let candidate = self.serial(middle)
                if candidate.elementsEqual(wanted) { return middle }
                if List.less(candidate, wanted) { low = middle + 1 } else { high = middle }
            }
            return nil
        }

        /// Newer than `other`: a higher cRLNumber when both have one, else a later thisUpdate.
        func isNewer(than other: List) -> Bool {
            if let mine = number, let theirs = other.number {
                let a = mine.drop { $0 == 0 }
                let b = theirs.drop { $0 == 0 }
                if a.count != b.count { return a.count > b.count }
                if a != b { return !a.lexicographicallyPrecedes(b) }
            }
            return thisUpdate > other.thisUpdate
        }
    }

    let lists: [[UInt8]: [List]]
    /// Where the CRLs that count came from, for reports: "path (place)".
    public let sources: [String]
    /// Files given or found as CRLs that could not be used, with why (a warning each; the scan goes on).
    public let problems: [String]

    public var isEmpty: Bool { lists.isEmpty }

    init(lists: [[UInt8]: [List]], sources: [String], problems: [String]) {
        self.lists = lists
        self.sources = sources
        self.problems = problems
    }

    /// Most entries kept over the whole scan (about 30 MB); a CRL cut at it can still revoke, but no
    /// longer vouches for what it does not list.
    static let totalEntryLimit = 1_000_000

    /// nil for anything but a certificate.
    public func status(of facts: CertificateFacts, now: UnixTime) -> RevocationStatus? {
        guard facts.document == .certificate else { return nil }
        let candidates = (lists[facts.issuer.der] ?? []).filter { list in
            guard let crlKey = list.authorityKeyIdentifier, let certificateKey = facts.authorityKeyIdentifier else { return true }
            return crlKey == certificateKey
        }
        guard let first = candidates.first else { return RevocationStatus(state: .none, crl: "") }
        for list in candidates {
            guard let found = list.find(facts.serial) else { continue }
            let reason = list.reasons[found]
            if reason == 8 { continue }  // removeFromCRL: released from hold
            return RevocationStatus(
                state: .revoked, crl: list.source, revocationDate: UnixTime(seconds: list.dates[found]),
                reason: reason < 0 ? nil : RevocationStatus.reasonNames[Int(reason)] ?? "reason \(reason)")
        }
        if let vouching = candidates.first(where: { $0.complete && !$0.scoped && !($0.nextUpdate.map { $0 < now } ?? false) }) {
            return RevocationStatus(state: .good, crl: vouching.source)
        }
        return RevocationStatus(state: .unknown, crl: first.source)
    }

    /// Reads the CRLs in `files` (`given`: named with `--crl`, where a file without a CRL is a warning;
    /// otherwise found in a folder) with the scan's bounds: `maxFileSize` per file, PEM or DER, any
    /// number of CRLs per file, `totalEntryLimit` entries in all.
    public static func load(files: [(path: String, given: Bool)], maxFileSize: Int, decoder: ContainerDecoder)
        -> RevocationIndex
    {
        var newest: [[UInt8]: List] = [:]  // by issuer name and key identifier
        var issuers: [[UInt8]: [UInt8]] = [:]  // that key → the issuer name
        var problems: [String] = []
        var seen = Set<String>()
        var budget = totalEntryLimit
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
            let crls = decoded.certificates.filter { $0.document == .crl }
            if crls.isEmpty, given {
                problems.append("\(path): holds no CRL")
            }
            for extracted in crls {
                let source = "\(path) (\(extracted.location))"
                var list: List
                do {
                    list = try read(extracted.der, source: source, budget: &budget)
                } catch {
                    problems.append("\(source): not a readable CRL: \(error.reason)")
                    continue
                }
                guard let (issuer, facts) = list.issuerAndFacts else { continue }
                if facts.isDelta || facts.isIndirect {
                    problems.append("\(source): a \(facts.isDelta ? "delta" : "indirect") CRL; not used for revocation")
                    continue
                }
                if !list.complete {
                    problems.append("\(source): the scan's budget of \(totalEntryLimit) CRL entries ran out; what it does not list is not vouched for")
                }
                let key = issuer + [0xff] + (list.authorityKeyIdentifier ?? [])
                issuers[key] = issuer
                if let current = newest[key], !list.isNewer(than: current) { continue }
                newest[key] = list
            }
        }
        var lists: [[UInt8]: [List]] = [:]
        for key in newest.keys.sorted(by: { $0.lexicographicallyPrecedes($1) }) {
            lists[issuers[key]!, default: []].append(newest[key]!)
        }
        let sources = lists.values.flatMap { $0.map(\.source) }.sorted()
        return RevocationIndex(lists: lists, sources: sources, problems: problems)
    }

    /// One CRL into a sorted list, its entries charged to `budget`.
    private static func read(_ der: ArraySlice<UInt8>, source: String, budget: inout Int) throws(CertificateParseError) -> List {
        var serials: [UInt8] = []
        var offsets: [Int32] = [0]
        var dates: [Int64] = []
        var reasons: [Int8] = []
        let limit = budget
        let (facts, _) = try LenientRevocationListParser.parseWithEntries(der, limit: limit) { entry in
            serials += entry.serial
            offsets.append(Int32(serials.count))
            dates.append(entry.revocationDate.seconds)
            reasons.append(entry.reason.map { Int8(clamping: $0) } ?? -1)
        }
        budget -= dates.count
        let list = facts.revocationList
        var result = List(
            source: source, authorityKeyIdentifier: facts.authorityKeyIdentifier, number: list?.number,
            thisUpdate: list?.thisUpdate ?? facts.notBefore, nextUpdate: list?.nextUpdate,
            complete: (list?.revokedCount ?? 0) <= dates.count, scoped: list?.isScoped ?? false)
        result.issuerAndFacts = (facts.issuer.der, list ?? RevocationListFacts(thisUpdate: facts.notBefore, nextUpdate: nil, revokedCount: 0, number: nil))
        // Sort by serial, moving every column together.
        var order = Array(0..<dates.count)
        order.sort { List.less(serials[Int(offsets[$0])..<Int(offsets[$0 + 1])], serials[Int(offsets[$1])..<Int(offsets[$1 + 1])]) }
        result.serials.reserveCapacity(serials.count)
        result.offsets.reserveCapacity(order.count + 1)
        for index in order {
            result.serials += serials[Int(offsets[index])..<Int(offsets[index + 1])]
            result.offsets.append(Int32(result.serials.count))
            result.dates.append(dates[index])
            result.reasons.append(reasons[index])
        }
        return result
    }

    /// Whether a file's name says it holds a CRL: `*.crl`, `*.crl.pem`, `*.crl.der`, `*crl*.pem`,
    /// `*crl*.der`, and OpenSSL's hashed CRL names (`1a2b3c4d.r0`). The scan reads such files before it
    /// judges any certificate, so that revocation does not depend on the walk's order.
    public static func isNamedLikeCRL(_ name: Substring) -> Bool {
        // On the name's bytes, ASCII case folded: the pre-pass asks this of every file in the tree.
        var bytes: [UInt8] = []
        bytes.reserveCapacity(name.utf8.count)
        for byte in name.utf8 {
            bytes.append(byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte)
        }
        func ends(_ suffix: StaticString) -> Bool {
            let count = suffix.utf8CodeUnitCount
            guard bytes.count >= count else { return false }
            return suffix.withUTF8Buffer { bytes[(bytes.count - count)...].elementsEqual($0) }
        }
        if ends(".crl") || ends(".crl.pem") || ends(".crl.der") { return true }
        if ends(".pem") || ends(".der") {
            let crl: [UInt8] = [0x63, 0x72, 0x6c]  // "crl"
            if bytes.count >= 3, (0...(bytes.count - 3)).contains(where: { bytes[$0..<($0 + 3)].elementsEqual(crl) }) {
                return true
            }
        }
        // c_rehash: eight hex digits, ".r", a number.
        guard bytes.count >= 11, bytes[8] == 0x2e, bytes[9] == 0x72 else { return false }
        let hex = bytes[..<8].allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x61 && $0 <= 0x66) }
        return hex && bytes[10...].allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

}
