/// A configured exception: a rule waived for one certificate (fingerprint) or for paths (glob), with a
/// reason and an expiry date. An expired waiver stops hiding its finding and is reported itself.
public struct Waiver: Sendable {
    public var ruleId: String
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

    func matches(ruleId: String, sha256: String, path: String, relativePath: String) -> Bool {
        guard ruleId == self.ruleId else { return false }
        if let fingerprint, fingerprint != sha256 {
            return false
        }
        if let pathGlob, !(Glob.matches(pathGlob, path) || Glob.matches(pathGlob, relativePath)) {
            return false
        }
        return true
    }
}
