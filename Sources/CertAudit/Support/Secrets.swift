import CCertAuditOpenSSL

/// Wiping what held a private key or a password once it is no longer needed (OPENSSL_cleanse, which
/// the optimiser cannot remove). Swift Strings cannot be wiped in place: passwords are kept as few
/// copies as possible and never logged.
public enum Secrets {
    public static func wipe(_ bytes: inout [UInt8]) {
        bytes.withUnsafeMutableBytes { ca_wipe($0.baseAddress, $0.count) }
        bytes.removeAll()
    }
}
