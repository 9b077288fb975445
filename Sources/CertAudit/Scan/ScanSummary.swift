/// Counts over a whole scan, for the summary line, report footers and the exit status.
public struct ScanSummary: Sendable {
    public var files = 0
    /// Documents judged, by kind: certificates, certificate signing requests, CRLs.
    public var certificates = 0
    public var requests = 0
    public var crls = 0
    public var skipped = 0
    /// Paths with at least one per-file error.
    public var unreadable = 0
    /// Findings that count (not suppressed), by severity.
    public var findings: [Severity: Int] = [:]
    /// Findings hidden by a baseline or waiver.
    public var suppressed = 0
    /// Problems waived or in the baseline (reported, not counted in `unreadable`).
    public var suppressedProblems = 0
    /// Baseline entries that occurred in this scan (the others are stale).
    public var baselineMatches = Set<Baseline.Key>()
    public var baselineProblemMatches = Set<Baseline.ProblemKey>()
    /// Per rule id: certificates it applied to, and those it failed on (suppressed findings included).
    public var ruleApplications: [String: Int] {
        get {
            var applications = otherApplications
            for (id, count) in zip(indexedIDs, indexedCounts) where count > 0 {
                applications[id, default: 0] += count
            }
            return applications
        }
        set {
            otherApplications = newValue
            indexedIDs = []
            indexedCounts = []
        }
    }
    /// Applications counted by rule position, for reports that share `indexedIDs` (the auditor's), and
    /// by id for any other.
    private var indexedIDs: [String] = []
    private var indexedCounts: [Int] = []
    private var otherApplications: [String: Int] = [:]
    public var ruleFailures: [String: Int] = [:]
    public var elapsedSeconds = 0.0
    /// The most input bytes read but not yet delivered at once (bounded by `AuditPipeline.inFlightByteLimit`,
    /// or one input larger than that on its own).
    public var peakInFlightBytes = 0
    /// With `--cache`: files whose facts were reused (not read), files read and parsed, and what went
    /// wrong with the cache (the scan goes on without it: warnings, not errors).
    public var cacheUsed = false
    public var cacheReused = 0
    public var cacheRead = 0
    public var warnings: [String] = []
    /// The CRLs certificates were judged against (path and place of each).
    public var crlSources: [String] = []

    /// A fleet report's totals per host, in the order hosts first appear (empty for one machine's scan).
    public var hosts: [HostTotals] = []
    private var hostPositions: [String: Int] = [:]

    /// One host's share of a fleet report.
    public struct HostTotals: Sendable, Equatable {
        public var host: String
        public var files = 0
        /// Certificates, requests and CRLs judged.
        public var documents = 0
        public var unreadable = 0
        /// Findings that count, by severity, and those suppressed.
        public var findings: [Severity: Int] = [:]
        public var suppressed = 0

        public init(host: String) {
            self.host = host
        }
    }

    public init() {}

    /// The totals of `host`, created on first use.
    public mutating func withHost(_ host: String, _ body: (inout HostTotals) -> Void) {
        let position =
            hostPositions[host]
            ?? {
                hosts.append(HostTotals(host: host))
                hostPositions[host] = hosts.count - 1
                return hosts.count - 1
            }()
        body(&hosts[position])
    }

    public mutating func add(_ report: InputResult) {
        files += 1
        if let host = report.host {
            withHost(host) { totals in
                totals.documents += report.certificates.count
                totals.unreadable += report.countingProblems.isEmpty ? 0 : 1
                for finding in report.certificates.lazy.flatMap(\.findings) {
                    if finding.suppression == nil {
                        totals.findings[finding.severity, default: 0] += 1
                    } else {
                        totals.suppressed += 1
                    }
                }
            }
        }
        switch report.factsCacheUse {
        case .reused?: cacheReused += 1
        case .read?: cacheRead += 1
        case nil: break
        }
        for certificate in report.certificates {
            switch certificate.document {
            case .certificate: certificates += 1
            case .csr: requests += 1
            case .crl: crls += 1
            }
        }
        if report.skipReason != nil, report.certificates.isEmpty, report.problems.isEmpty {
            skipped += 1
        }
        let counting = report.countingProblems
        if !counting.isEmpty {
            unreadable += 1
        }
        suppressedProblems += report.problems.count - counting.count
        for problem in report.problems where problem.suppression == .baseline {
            baselineProblemMatches.insert(Baseline.ProblemKey(code: problem.code.rawValue, path: report.path))
        }
        if indexedIDs.isEmpty, otherApplications.isEmpty, !report.ruleIDs.isEmpty {
            indexedIDs = report.ruleIDs
            indexedCounts = Array(repeating: 0, count: indexedIDs.count)
        }
        if report.ruleIDs.isEmpty {
            // Nothing judged (skipped, unreadable).
        } else if ScanSummary.same(report.ruleIDs, indexedIDs) {
            for position in report.ruleCounts.indices {
                indexedCounts[position] += report.ruleCounts[position]
            }
        } else {
            for (id, count) in zip(report.ruleIDs, report.ruleCounts) where count > 0 {
                otherApplications[id, default: 0] += count
            }
        }
        for certificate in report.certificates {
            // One count per rule and certificate (the policy may add a rule's finding more than once).
            let fired = certificate.findings
            if fired.count <= 16 {
                for (position, finding) in fired.enumerated()
                where !fired[..<position].contains(where: { $0.ruleId == finding.ruleId }) {
                    ruleFailures[finding.ruleId, default: 0] += 1
                }
            } else {
                // Many findings (a merged report can hold any number): no quadratic search.
                for id in Set(fired.map(\.ruleId)) {
                    ruleFailures[id, default: 0] += 1
                }
            }
            for finding in certificate.findings {
                if finding.suppression == nil {
                    findings[finding.severity, default: 0] += 1
                } else {
                    suppressed += 1
                    if finding.suppression == .baseline {
                        baselineMatches.insert(Baseline.Key(ruleId: finding.ruleId, sha256: certificate.facts.sha256))
                    }
                }
            }
        }
    }

    /// "3 certificates", or "3 certificates, 1 CSR, 2 CRLs" when requests or CRLs were read (the
    /// certificates' word stays plural, as the summary line has always printed it).
    public var documentCounts: String {
        var parts = ["\(certificates) certificates"]
        if requests > 0 { parts.append("\(requests) CSR" + (requests == 1 ? "" : "s")) }
        if crls > 0 { parts.append("\(crls) CRL" + (crls == 1 ? "" : "s")) }
        return parts.joined(separator: ", ")
    }

    public func count(atLeast threshold: Severity) -> Int {
        findings.filter { $0.key >= threshold }.values.reduce(0, +)
    }

    /// The same rule list: one shared array (compared by its storage first), or equal ids.
    static func same(_ left: [String], _ right: [String]) -> Bool {
        guard left.count == right.count else { return false }
        let shared = left.withUnsafeBufferPointer { l in right.withUnsafeBufferPointer { r in l.baseAddress == r.baseAddress } }
        return shared || left == right
    }
}
