/// The key a replacement gets: `--key-type`, or by default the original's type and size (RSA at least
/// 2048 bits; curves other than P-256/P-384, and key types browsers refuse, become RSA-2048).
public enum KeySpec: String, CaseIterable, Sendable {
    case rsa2048 = "rsa-2048"
    case rsa3072 = "rsa-3072"
    case rsa4096 = "rsa-4096"
    case ecP256 = "ec-p256"
    case ecP384 = "ec-p384"

    public var isRSA: Bool {
        switch self {
        case .rsa2048, .rsa3072, .rsa4096: true
        case .ecP256, .ecP384: false
        }
    }

    public static func matching(_ key: PublicKeyInfo) -> KeySpec {
        switch key.algorithm {
        case .rsa, .rsaPss:
            return key.bits > 3072 ? .rsa4096 : key.bits > 2048 ? .rsa3072 : .rsa2048
        case .ec where key.curve == "p384":
            return .ecP384
        case .ec where key.curve == "p256":
            return .ecP256
        default:
            return .rsa2048
        }
    }
}
