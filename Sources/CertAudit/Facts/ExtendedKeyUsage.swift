/// Well-known ExtendedKeyUsage purposes by their conventional names; anything else keeps its dotted OID.
enum ExtendedKeyUsageNames {
    static let table: [(name: String, oid: String)] = [
        ("serverAuth", "1.3.6.1.5.5.7.3.1"),
        ("clientAuth", "1.3.6.1.5.5.7.3.2"),
        ("codeSigning", "1.3.6.1.5.5.7.3.3"),
        ("emailProtection", "1.3.6.1.5.5.7.3.4"),
        ("ipsecEndSystem", "1.3.6.1.5.5.7.3.5"),
        ("ipsecTunnel", "1.3.6.1.5.5.7.3.6"),
        ("ipsecUser", "1.3.6.1.5.5.7.3.7"),
        ("timeStamping", "1.3.6.1.5.5.7.3.8"),
        ("OCSPSigning", "1.3.6.1.5.5.7.3.9"),
        ("ipsecIKE", "1.3.6.1.5.5.7.3.17"),
        ("anyExtendedKeyUsage", "2.5.29.37.0"),
        ("smartcardLogon", "1.3.6.1.4.1.311.20.2.2"),
        ("msEFS", "1.3.6.1.4.1.311.10.3.4"),
        ("msDocumentSigning", "1.3.6.1.4.1.311.10.3.12"),
        ("netscapeServerGatedCrypto", "2.16.840.1.113730.4.1"),
        ("msServerGatedCrypto", "1.3.6.1.4.1.311.10.3.3"),
    ]

    static let byKey: [ObjectIdentifierKey: String] = Dictionary(
        uniqueKeysWithValues: table.map { (ObjectIdentifierKey($0.oid), $0.name) })

    static let knownNames: Set<String> = Set(table.map(\.name))

    static func name(contentBytes: DERReader.Bytes) -> String {
        byKey[ObjectIdentifierKey(contentBytes: contentBytes)] ?? ObjectIdentifierKey.dotted(contentBytes: contentBytes)
    }
}

/// The ExtendedKeyUsage extension: purpose names (see `ExtendedKeyUsageNames`) in certificate order.
public struct ExtendedKeyUsageExtension: Hashable, Sendable {
    public var purposes: [String]
    public var critical: Bool

    /// EKU permits TLS server use: serverAuth or anyExtendedKeyUsage is listed.
    public var permitsServerAuth: Bool {
        purposes.contains("serverAuth") || purposes.contains("anyExtendedKeyUsage")
    }
}
