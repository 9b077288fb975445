/// What changed between two recorded runs: the nightly digest.
public struct HistoryDiff: Sendable {
    public enum Since: Sendable, Equatable {
        /// The run before the latest.
        case last
        /// The last run at least this many days before the latest.
        case days(Int)
        /// The last run at or before this time.
        case date(UnixTime)

        /// `Nd` takes 1 to 36,500 days (a century), so that no date arithmetic can overflow.
        public static let dayRange = 1...36_500

        public init?(_ text: String) {
            if text == "last" {
                self = .last
            } else if text.hasSuffix("d"), let days = Int(text.dropLast()), Since.dayRange.contains(days) {
                self = .days(days)
            } else if let date = UnixTime(iso8601: text) {
                self = .date(date)
            } else {
                return nil
            }
        }
    }

    public struct Replacement: Sendable {
        public var old: HistoryStore.CertificateRow
        public var new: HistoryStore.CertificateRow
    }

    public var latest: HistoryStore.Run
    public var previous: HistoryStore.Run?
    public var newFindings: [HistoryStore.FindingRow] = []
    public var resolvedFindings: [HistoryStore.FindingRow] = []
    public var appeared: [HistoryStore.CertificateRow] = []
    public var disappeared: [HistoryStore.CertificateRow] = []
    public var replaced: [Replacement] = []
    /// Certificates of the latest run expiring within `Limits.digestExpiryHorizonDays` of `now`, soonest first.
    public var expiring: [HistoryStore.CertificateRow] = []
    public var now: UnixTime

    public var newErrors: Int {
        newFindings.filter { $0.severity == .error }.count
    }

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public static func compute(store: HistoryStore, since: Since, now: UnixTime) throws -> HistoryDiff {
        let runs = try store.runs()
        guard let latest = runs.last else {
            throw Failure(description: "\(store.path) holds no runs yet (record some with 'certaudit scan --history')")
        }
        let earlier = runs.dropLast()
        let previous: HistoryStore.Run?
        switch since {
        case .last:
            previous = earlier.last
        case .days(let days):
            let limit = latest.startedAt.seconds - Int64(days) * 86_400
            previous = earlier.last { $0.startedAt.seconds <= limit } ?? earlier.first
        case .date(let date):
            previous = earlier.last { $0.startedAt <= date } ?? earlier.first
        }
        var diff = HistoryDiff(latest: latest, previous: previous, now: now)
        let latestCertificates = try store.certificates(run: latest.id)
        let latestFindings = try store.findings(run: latest.id)
        let previousCertificates = try previous.map { (run) throws(HistoryStore.Failure) in try store.certificates(run: run.id) } ?? []
        let previousFindings = try previous.map { (run) throws(HistoryStore.Failure) in try store.findings(run: run.id) } ?? []

        struct FindingKey: Hashable {
            var path: String
            var sha256: String
            var ruleId: String
        }
        func key(_ row: HistoryStore.FindingRow) -> FindingKey { FindingKey(path: row.path, sha256: row.sha256, ruleId: row.ruleId) }
        let before = Set(previousFindings.filter { !$0.suppressed }.map(key))
        let after = Set(latestFindings.filter { !$0.suppressed }.map(key))
        diff.newFindings = latestFindings.filter { !$0.suppressed && !before.contains(key($0)) }
        diff.resolvedFindings = previousFindings.filter { !$0.suppressed && !after.contains(key($0)) }

        struct Slot: Hashable {
            var path: String
            var index: Int
        }
        let old = Dictionary(previousCertificates.map { (Slot(path: $0.path, index: $0.index), $0) }, uniquingKeysWith: { a, _ in a })
        let new = Dictionary(latestCertificates.map { (Slot(path: $0.path, index: $0.index), $0) }, uniquingKeysWith: { a, _ in a })
        for row in latestCertificates {
            let slot = Slot(path: row.path, index: row.index)
            if let earlierRow = old[slot] {
                if earlierRow.sha256 != row.sha256 {
                    diff.replaced.append(Replacement(old: earlierRow, new: row))
                }
            } else if previous != nil {
                diff.appeared.append(row)
            }
        }
        diff.disappeared = previousCertificates.filter { new[Slot(path: $0.path, index: $0.index)] == nil }
        diff.expiring = latestCertificates.filter {
            $0.document == .certificate && $0.notAfter.seconds - now.seconds < Int64(Limits.digestExpiryHorizonDays) * 86_400
        }
            .sorted { $0.notAfter < $1.notAfter }
        return diff
    }
}
