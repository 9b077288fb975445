/// What a profile's replacement certificates look like (the `remediation:` section of a rule file):
/// data next to the rules, never code constants.
public struct RemediationTarget: Sendable {
    /// How the ExtendedKeyUsage extension is treated.
    public enum ServerAuthPolicy: String, Sendable {
        /// Keep the original EKU; add serverAuth when an EKU is present without it. No EKU stays no EKU.
        case ensureServerAuth = "ensure-server-auth"
        /// Like `ensureServerAuth`, and add an EKU with serverAuth when there is none (CA/B Forum).
        case requireServerAuth = "require-server-auth"
    }

    public enum ValidityPolicy: Sendable, Equatable {
        /// The original's lifetime (notAfter − notBefore), starting now.
        case originalLifetime
        case days(Int)
    }

    public enum FriendlyNamePolicy: String, Sendable {
        case keep
        /// `yyMMdd <original friendly name without an old date prefix>`, as Veeam's scripts name them.
        case dated
    }

    /// KeyUsage per key family: `rsa` and `ec` (EdDSA keys use `ec`'s set).
    public var rsaKeyUsage: KeyUsageSet
    public var ecKeyUsage: KeyUsageSet
    public var keyUsageCritical: Bool
    public var serverAuth: ServerAuthPolicy
    public var validity: ValidityPolicy
    public var friendlyName: FriendlyNamePolicy

    public func keyUsage(for key: KeySpec) -> KeyUsageSet {
        key.isRSA ? rsaKeyUsage : ecKeyUsage
    }
}
