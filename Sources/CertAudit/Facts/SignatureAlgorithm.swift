/// Digest used by a certificate signature; `.intrinsic` for EdDSA, which hashes inside the algorithm.
public enum HashAlgorithm: String, CaseIterable, Sendable {
    case md2, md4, md5, sha1, sha224, sha256, sha384, sha512, intrinsic, unknown

    static let byOID: [ObjectIdentifierKey: HashAlgorithm] = [
        ObjectIdentifierKey("1.2.840.113549.2.2"): .md2,
        ObjectIdentifierKey("1.2.840.113549.2.4"): .md4,
        ObjectIdentifierKey("1.2.840.113549.2.5"): .md5,
        ObjectIdentifierKey("1.3.14.3.2.26"): .sha1,
        ObjectIdentifierKey("2.16.840.1.101.3.4.2.4"): .sha224,
        ObjectIdentifierKey("2.16.840.1.101.3.4.2.1"): .sha256,
        ObjectIdentifierKey("2.16.840.1.101.3.4.2.2"): .sha384,
        ObjectIdentifierKey("2.16.840.1.101.3.4.2.3"): .sha512,
    ]
}

/// The certificate's signatureAlgorithm: a readable name and the digest it relies on.
public struct SignatureAlgorithm: Hashable, Sendable {
    public var name: String
    public var hash: HashAlgorithm
    public var oid: String

    static let rsaPSSKey = ObjectIdentifierKey("1.2.840.113549.1.1.10")

    /// Known algorithms by OID, with their dotted text (so the hot path never renders OIDs).
    static let byOID: [ObjectIdentifierKey: (name: String, hash: HashAlgorithm, dotted: String)] = Dictionary(
        uniqueKeysWithValues: table.map { (ObjectIdentifierKey($0.key), ($0.value.name, $0.value.hash, $0.key)) })

    private static let table: [String: (name: String, hash: HashAlgorithm)] = [
        "1.2.840.113549.1.1.2": ("md2WithRSAEncryption", .md2),
        "1.2.840.113549.1.1.3": ("md4WithRSAEncryption", .md4),
        "1.2.840.113549.1.1.4": ("md5WithRSAEncryption", .md5),
        "1.2.840.113549.1.1.5": ("sha1WithRSAEncryption", .sha1),
        "1.2.840.113549.1.1.14": ("sha224WithRSAEncryption", .sha224),
        "1.2.840.113549.1.1.11": ("sha256WithRSAEncryption", .sha256),
        "1.2.840.113549.1.1.12": ("sha384WithRSAEncryption", .sha384),
        "1.2.840.113549.1.1.13": ("sha512WithRSAEncryption", .sha512),
        "1.3.14.3.2.3": ("md5WithRSA", .md5),
        "1.3.14.3.2.29": ("sha1WithRSA", .sha1),
        "1.2.840.10045.4.1": ("ecdsa-with-SHA1", .sha1),
        "1.2.840.10045.4.3.1": ("ecdsa-with-SHA224", .sha224),
        "1.2.840.10045.4.3.2": ("ecdsa-with-SHA256", .sha256),
        "1.2.840.10045.4.3.3": ("ecdsa-with-SHA384", .sha384),
        "1.2.840.10045.4.3.4": ("ecdsa-with-SHA512", .sha512),
        "1.2.840.10040.4.3": ("dsa-with-SHA1", .sha1),
        "2.16.840.1.101.3.4.3.1": ("dsa-with-SHA224", .sha224),
        "2.16.840.1.101.3.4.3.2": ("dsa-with-SHA256", .sha256),
        "1.3.101.112": ("Ed25519", .intrinsic),
        "1.3.101.113": ("Ed448", .intrinsic),
    ]
}
