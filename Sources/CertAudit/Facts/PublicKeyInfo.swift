/// The subject public key's algorithm as the audit sees it.
public enum KeyAlgorithm: String, CaseIterable, Sendable {
    case rsa            // rsaEncryption
    case rsaPss         // id-RSASSA-PSS as the SubjectPublicKeyInfo algorithm
    case ec             // id-ecPublicKey
    case dsa
    case ed25519
    case ed448
    case x25519
    case x448
    case unknown

    /// The algorithm's OID in dotted form ("" for `.unknown`).
    var oid: String {
        switch self {
        case .rsa: "1.2.840.113549.1.1.1"
        case .rsaPss: "1.2.840.113549.1.1.10"
        case .ec: "1.2.840.10045.2.1"
        case .dsa: "1.2.840.10040.4.1"
        case .ed25519: "1.3.101.112"
        case .ed448: "1.3.101.113"
        case .x25519: "1.3.101.110"
        case .x448: "1.3.101.111"
        case .unknown: ""
        }
    }

    static let byOID: [ObjectIdentifierKey: KeyAlgorithm] = Dictionary(
        uniqueKeysWithValues: allCases.filter { $0 != .unknown }.map { (ObjectIdentifierKey($0.oid), $0) })
}

/// Named elliptic curves by their short names.
enum NamedCurves {
    static let byOID: [ObjectIdentifierKey: (name: String, bits: Int)] = [
        ObjectIdentifierKey("1.2.840.10045.3.1.7"): ("p256", 256),
        ObjectIdentifierKey("1.3.132.0.34"): ("p384", 384),
        ObjectIdentifierKey("1.3.132.0.35"): ("p521", 521),
        ObjectIdentifierKey("1.3.132.0.10"): ("secp256k1", 256),
        ObjectIdentifierKey("1.2.840.10045.3.1.1"): ("p192", 192),
        ObjectIdentifierKey("1.3.132.0.33"): ("p224", 224),
        ObjectIdentifierKey("1.3.36.3.3.2.8.1.1.7"): ("brainpoolP256r1", 256),
        ObjectIdentifierKey("1.3.36.3.3.2.8.1.1.11"): ("brainpoolP384r1", 384),
        ObjectIdentifierKey("1.3.36.3.3.2.8.1.1.13"): ("brainpoolP512r1", 512),
    ]
}

public struct PublicKeyInfo: Hashable, Sendable {
    public var algorithm: KeyAlgorithm
    /// The algorithm OID in dotted form (useful when `algorithm` is `.unknown`).
    public var algorithmOID: String
    /// RSA/DSA modulus size, EC field size, Edwards key size; 0 when it cannot be told.
    public var bits: Int
    /// EC named curve (`p256`, `p384`, …, or a dotted OID); nil for other algorithms.
    public var curve: String?

    public var displayName: String {
        switch algorithm {
        case .rsa: "RSA-\(bits)"
        case .rsaPss: "RSA-PSS-\(bits)"
        case .ec: "EC-\(curve ?? "?")"
        case .dsa: "DSA-\(bits)"
        case .ed25519: "Ed25519"
        case .ed448: "Ed448"
        case .x25519: "X25519"
        case .x448: "X448"
        case .unknown: algorithmOID
        }
    }
}
