/// Everything one input path produced: its certificates, or why it was skipped, or what went wrong.
public struct InputResult: Sendable {
    public var path: String
    /// In a fleet report (`certaudit merge`): the host whose scan read it; nil for this machine's scan.
    public var host: String?
    /// The path as reports print it: `host:path` in a fleet report.
    public var displayPath: String {
        host.map { "\($0):\(path)" } ?? path
    }
    /// What kind of input it came from (SARIF locates an endpoint by its URI, a file under its root).
    public var origin: Origin = .file

    public enum Origin: Sendable, Hashable {
        case file
        case standardInput
        case endpoint
    }

    /// Only when the pipeline retains sources (remediation): what was read, for writing a replacement
    /// in the same container.
    public var source: InputSource?
    /// How many of this input's certificates each rule applied to (passed or failed); rules that applied
    /// to none are absent.
    public var ruleApplications: [String: Int] {
        get {
            var applications: [String: Int] = [:]
            for (id, count) in zip(ruleIDs, ruleCounts) where count > 0 {
                applications[id] = count
            }
            return applications
        }
        set {
            let ids = newValue.keys.sorted()
            setRuleCounts(ids: ids, counts: ids.map { newValue[$0]! })
        }
    }
    /// The same counts by rule position: `ruleIDs` is the auditor's array, shared by every report, so a
    /// summary adds them up without hashing a rule id.
    private(set) var ruleIDs: [String] = []
    private(set) var ruleCounts: [Int] = []

    mutating func setRuleCounts(ids: [String], counts: [Int]) {
        ruleIDs = ids
        ruleCounts = counts
    }
    public var certificates: [AuditedCertificate] = []
    /// Per-input errors (unreadable, truncated, wrong password…), each with its stable code; the scan
    /// goes on. Add them with `add(_:)`, which sets their path.
    public private(set) var problems: [InputProblem] = []
    /// Why a file without certificates was passed over (not an error).
    public var skipReason: String?
    /// With a facts cache: whether this file's facts were reused or read, and the record to keep.
    var factsCacheUse: FactsCacheUse?
    var factsRecord: [UInt8]?
    /// Where a reused record lay in the old cache.
    var factsRecordRange: Range<Int>?

    enum FactsCacheUse: Sendable {
        case reused
        case read
    }

    public init(path: String) {
        self.path = path
    }

    public init(path: String, problem: InputProblem) {
        self.path = path
        add(problem)
    }

    public mutating func add(_ problem: InputProblem) {
        var problem = problem
        problem.path = path
        problems.append(problem)
    }

    /// Problems that count toward the exit status (not waived, not in the baseline).
    public var countingProblems: [InputProblem] {
        problems.filter { $0.suppression == nil }
    }

    /// Marks problem `index` as covered by a waiver or the baseline.
    mutating func suppressProblem(_ index: Int, _ suppression: Suppression) {
        problems[index].suppression = suppression
    }

    mutating func noteOnProblem(_ index: Int, _ note: String) {
        problems[index].message += note
    }

    /// Keeps at most `limit` problems; the rest are counted in one last problem.
    mutating func boundProblems(_ limit: Int) {
        guard problems.count > limit else { return }
        let rest = problems.count - limit + 1
        problems.removeLast(rest)
        add(InputProblem(.tooManyProblems, "… and \(rest) more problems in this input"))
    }
}
