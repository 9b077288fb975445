/// A configured exception: a rule waived for one certificate (fingerprint) or for paths (glob), or an
/// input problem code waived for paths, with a reason and an expiry date. An expired waiver stops hiding
/// its finding or problem and is reported itself.
public struct Waiver: Sendable {
    /// A rule id, or with `isProblem` an input problem code (`pkcs12.wrong-password`).
    public var ruleId: String
    public var isProblem = false
    public var fingerprint: String?
    public var pathGlob: String?
    public var reason: String
    public var expires: UnixTime?

    public init(ruleId: String, fingerprint: String?, pathGlob: String?, reason: String, expires: UnixTime?) {
        self.ruleId = ruleId
        self.fingerprint = fingerprint?.lowercased().filter { $0 != ":" }
        self.pathGlob = pathGlob
        self.reason = reason
        self.expires = expires
    }

    public init(problem code: InputProblem.Code, pathGlob: String, reason: String, expires: UnixTime?) {
        self.init(ruleId: code.rawValue, fingerprint: nil, pathGlob: pathGlob, reason: reason, expires: expires)
        isProblem = true
    }

    func matches(problem: InputProblem, relativePath: String) -> Bool {
        guard isProblem, problem.code.rawValue == ruleId, let pathGlob else { return false }
        return Glob.matches(pathGlob, problem.path) || Glob.matches(pathGlob, relativePath)
    }

    func matches(ruleId: String, sha256: String, path: String, relativePath: String) -> Bool {
        guard !isProblem, ruleId == self.ruleId else { return false }
        if let fingerprint, fingerprint != sha256 {
            return false
        }
        if let pathGlob, !(Glob.matches(pathGlob, path) || Glob.matches(pathGlob, relativePath)) {
            return false
        }
        return true
    }
}
