/// Counts over a whole scan, for the summary line, report footers and the exit status.
public struct ScanSummary: Sendable {
    public var files = 0
    public var certificates = 0
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
    public var ruleApplications: [String: Int] = [:]
    public var ruleFailures: [String: Int] = [:]
    public var elapsedSeconds = 0.0
    /// The most input bytes read but not yet delivered at once (bounded by `AuditPipeline.inFlightByteLimit`,
    /// or one input larger than that on its own).
    public var peakInFlightBytes = 0

    public init() {}

    public mutating func add(_ report: InputResult) {
        files += 1
        certificates += report.certificates.count
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
        for (id, count) in report.ruleApplications {
            ruleApplications[id, default: 0] += count
        }
        for certificate in report.certificates {
            // One count per rule and certificate (the policy may add a rule's finding more than once).
            let fired = certificate.findings
            for (position, finding) in fired.enumerated()
            where !fired[..<position].contains(where: { $0.ruleId == finding.ruleId }) {
                ruleFailures[finding.ruleId, default: 0] += 1
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

    public func count(atLeast threshold: Severity) -> Int {
        findings.filter { $0.key >= threshold }.values.reduce(0, +)
    }
}
