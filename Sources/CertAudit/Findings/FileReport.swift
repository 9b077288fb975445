/// Everything one input path produced: its certificates, or why it was skipped, or what went wrong.
public struct FileReport: Sendable {
    public var path: String
    public var certificates: [AuditedCertificate] = []
    /// Per-file errors (unreadable, truncated, wrong password…); the scan goes on.
    public var problems: [String] = []
    /// Why a file without certificates was passed over (not an error).
    public var skipReason: String?

    public init(path: String) {
        self.path = path
    }
}
