/// Applies waivers and a baseline to a file's findings: matching findings stay in the reports but are
/// marked suppressed and do not count toward the exit status. Runs on the scan workers (pure).
public struct FindingPolicy: Sendable {
    public var baseline: Baseline?
    public var waivers: [Waiver]
    public var now: UnixTime
    /// The file and folder inputs, for matching waiver globs against paths relative to one.
    public var roots: [String]

    public init(baseline: Baseline?, waivers: [Waiver], now: UnixTime, inputs: [ScanInput]) {
        self.baseline = baseline
        self.waivers = waivers
        self.now = now
        self.roots = inputs.compactMap(\.filePath)
    }

    public var isEmpty: Bool {
        baseline == nil && waivers.isEmpty
    }

    public func apply(to report: inout InputResult) {
        // Only waivers match on paths; a baseline-only scan never needs the relative path.
        let relative = waivers.isEmpty ? report.path : RelativePath.of(report.path, roots: roots)
        for certificateIndex in report.certificates.indices {
            let sha256 = report.certificates[certificateIndex].facts.sha256
            var added: [Finding] = []
            for findingIndex in report.certificates[certificateIndex].findings.indices {
                let finding = report.certificates[certificateIndex].findings[findingIndex]
                if let waiver = waiver(where: {
                    $0.matches(ruleId: finding.ruleId, sha256: sha256, path: report.path, relativePath: relative)
                }) {
                    if let expires = waiver.expires, expires < now {
                        let rule = PolicyRules.waiverExpired
                        added.append(
                            Finding(
                                ruleId: rule.id, profile: rule.profile, severity: rule.severity, title: rule.title,
                                message: "The waiver for \(finding.ruleId) (\"\(waiver.reason)\") expired on \(expires.isoDate); the finding counts again.",
                                remediation: rule.remediation, citation: rule.citations[0].title))
                    } else {
                        report.certificates[certificateIndex].findings[findingIndex].suppression = .waiver(reason: waiver.reason)
                        continue
                    }
                }
                if let baseline, baseline.contains(ruleId: finding.ruleId, sha256: sha256) {
                    report.certificates[certificateIndex].findings[findingIndex].suppression = .baseline
                }
            }
            report.certificates[certificateIndex].findings += added
        }
        applyToProblems(&report, relative: relative)
    }

    /// Of the waivers that match, one still in force wins over expired ones (a renewed waiver listed
    /// after the one it renews); nil when none matches.
    private func waiver(where matches: (Waiver) -> Bool) -> Waiver? {
        var expired: Waiver?
        for waiver in waivers where matches(waiver) {
            guard let expires = waiver.expires, expires < now else { return waiver }
            expired = expired ?? waiver
        }
        return expired
    }

    /// A waived or baselined problem stays in the report, marked, and no longer makes the exit status 3.
    /// An expired problem waiver hides nothing and adds a note to the problem's sentence.
    private func applyToProblems(_ report: inout InputResult, relative: String) {
        for index in report.problems.indices {
            let problem = report.problems[index]
            if let waiver = waiver(where: { $0.matches(problem: problem, relativePath: relative) }) {
                if let expires = waiver.expires, expires < now {
                    report.noteOnProblem(
                        index, " (its waiver, \"\(waiver.reason)\", expired on \(expires.isoDate); it counts again)")
                } else {
                    report.suppressProblem(index, .waiver(reason: waiver.reason))
                    continue
                }
            }
            if let baseline, baseline.contains(problem: problem) {
                report.suppressProblem(index, .baseline)
            }
        }
    }
}
