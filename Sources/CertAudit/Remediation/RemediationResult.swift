/// What remediation did, per certificate: the basis of the text output and of `remediation.json`.
public struct RemediationResult: Sendable {
    public struct Replacement: Sendable {
        public var source: String
        public var index: Int
        public var certificate: String?
        public var privateKey: String?
        public var pkcs12: String?
        public var csr: String?
        public var backups: [String]
        public var oldSha256: String
        /// nil for a signing request (no certificate yet).
        public var newSha256: String?
        public var profile: String
        /// The encryption family of a PKCS#12 replacement.
        public var pkcs12Encryption: PKCS12Protection.Family?
        public var changes: [String]
        public var keeps: [String]
    }

    /// A certificate (or a whole input, with no index) that was not replaced, and why: skipped (nothing to
    /// fix, or not something remediation re-issues) or failed (it should have been, and could not be).
    public struct NotReplaced: Sendable {
        public var source: String
        /// nil when the whole file was passed over.
        public var index: Int?
        public var reason: String
    }

    public var replacements: [Replacement] = []
    /// Planned but not written (`--dry-run`).
    public var plans: [ReplacementPlan] = []
    /// Nothing to fix, or not a certificate remediation applies to.
    public var skipped: [NotReplaced] = []
    /// Should have been fixed but could not be: the exit status is 1.
    public var failed: [NotReplaced] = []
    public var manifestPath: String?
    /// In-place changes undone after a failure: "path (restored from backup)".
    public var rolledBack: [String] = []
    /// An in-place transaction ran (and failed), so a manifest is written even without replacements.
    public var attemptedInPlace = false
}
