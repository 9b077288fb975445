/// Everything `certaudit remediate` was asked to do.
public struct RemediationRequest: Sendable {
    public enum KeyMode: String, Sendable, CaseIterable {
        case new
        case reuse
    }

    public enum Destination: Sendable {
        /// Mirror each input's path below this folder.
        case directory(String)
        /// Replace the input files, keeping timestamped backups.
        case inPlace
    }

    public var profile: Profile
    public var target: RemediationTarget
    /// The rules that choose what to fix and re-audit every replacement.
    public var rules: [Rule]
    public var products: [ProductCatalog]
    /// Vendor ids whose guidance applies to every certificate (`--vendor`).
    public var declaredVendors: Set<String> = []
    public var now: UnixTime
    public var keyMode: KeyMode = .new
    public var keySpec: KeySpec?
    /// `--key-file`, already read, with its path.
    public var keyFile: (key: KeyMaterial, path: String)?
    public var authority: IssuingAuthority?
    public var signingRequest = false
    public var validityDays: Int?
    public var destination: Destination
    public var dryRun = false
    /// PKCS#12 output password (`--password-file`); nil keeps each original's password.
    public var outputPassword: String?
    /// Encryption of PKCS#12 outputs; nil keeps each original's family (legacy in, legacy out).
    public var pfxEncryption: PKCS12Protection.Family?
    /// Candidates for opening PKCS#12 inputs.
    public var passwords = PasswordCandidates()
    /// How inputs are read: the same walk options as a scan (globs, size limit, symbolic links).
    public var walk = WalkOptions()
    /// Bound for a whole `tls://` exchange, and each input's time budget (`--timeout`, `--file-timeout`).
    public var endpointTimeoutMilliseconds = 10_000
    /// Endpoints read at once.
    public var endpointConcurrency = 64
    public var fileTimeoutSeconds: Int? = 30
    /// Folder for the manifest (`remediation.json`).
    public var manifestFolder: String

    public init(
        profile: Profile, target: RemediationTarget, rules: [Rule], products: [ProductCatalog], now: UnixTime,
        destination: Destination, manifestFolder: String
    ) {
        self.profile = profile
        self.target = target
        self.rules = rules
        self.products = products
        self.now = now
        self.destination = destination
        self.manifestFolder = manifestFolder
    }
}
