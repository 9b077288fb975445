/// Every fixed size and horizon, named once.
public enum Limits {
    /// The digests (Markdown, HTML, the nightly `report`) list certificates expiring within this many
    /// days. Not the rules' `--expiry-days` (default 30), which decides findings: a digest looks further
    /// ahead, so that a renewal can be planned before the finding appears.
    public static let digestExpiryHorizonDays = 60
    /// `--max-file-size` by default: inputs larger than this are skipped.
    public static let defaultMaxFileSize = 10 << 20
    /// Files named on the command line or beside an input (password files, keys, CA certificates, the
    /// configuration): read whole, so kept small.
    public static let smallFile = 1 << 20
    /// One rule or product file.
    public static let ruleFile = 4 << 20
    /// A baseline lists every accepted finding of a fleet.
    public static let baselineFile = 256 << 20
    /// A rule example file.
    public static let exampleFile = 10 << 20
}
