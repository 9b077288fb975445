/// How a PKCS#12 file is protected, read from its structure without decrypting anything.
public struct PKCS12Protection: Sendable, Hashable {
    /// The family of algorithms: what a replacement keeps so that the system that imported the
    /// original can import it too.
    public enum Family: String, Sendable, CaseIterable {
        /// PKCS#12 PBEs (RC2, RC4, 3DES with SHA-1) or a SHA-1 MAC: older Windows exports, OpenSSL 1.x,
        /// Java before 12. Windows Server 2016 and older import nothing else.
        case legacy
        /// PBES2 (PBKDF2 + AES) with a SHA-2 MAC: OpenSSL 3, Windows Server 2019+ "AES256-SHA256", Java 12+.
        case aes

        /// What certaudit writes for this family.
        public var written: String {
            switch self {
            case .legacy: "3DES (pbeWithSHA1And3-KeyTripleDES-CBC) for certificates and key, SHA-1 MAC"
            case .aes: "AES-256-CBC (PBES2, PBKDF2-HMAC-SHA256) for certificates and key, SHA-256 MAC"
            }
        }
    }

    /// nil when the file has neither a MAC nor encryption.
    public var family: Family?
    /// The MAC digest ("SHA1", "SHA256"); nil without a MAC.
    public var macDigest: String?
    /// The encrypted safe's algorithm ("pbeWithSHA1And40BitRC2-CBC", "AES-256-CBC"); nil when the
    /// certificates are not encrypted.
    public var certificateCipher: String?
    /// The first shrouded key bag's algorithm; nil without one.
    public var keyCipher: String?
    /// The largest MAC or PBKDF iteration count in the file.
    public var maxIterations: Int
    /// The key bag's localKeyID (else the certificate bag's): Windows ties key and certificate with it.
    public var localKeyID: [UInt8]?

    /// "legacy (SHA1 MAC, certificates pbeWithSHA1And40BitRC2-CBC, key pbeWithSHA1And3-KeyTripleDES-CBC)".
    public var summary: String {
        var parts: [String] = []
        if let macDigest { parts.append("\(macDigest) MAC") }
        if let certificateCipher { parts.append("certificates \(certificateCipher)") }
        if let keyCipher { parts.append("key \(keyCipher)") }
        return (family?.rawValue ?? "unprotected") + (parts.isEmpty ? "" : " (" + parts.joined(separator: ", ") + ")")
    }
}
