/// The nine KeyUsage bits of RFC 5280 §4.2.1.3, named as the RFC names them.
public enum KeyUsageBit: Int, CaseIterable, Sendable, Comparable {
    case digitalSignature = 0
    case nonRepudiation = 1
    case keyEncipherment = 2
    case dataEncipherment = 3
    case keyAgreement = 4
    case keyCertSign = 5
    case cRLSign = 6
    case encipherOnly = 7
    case decipherOnly = 8

    public var name: String {
        switch self {
        case .digitalSignature: "digitalSignature"
        case .nonRepudiation: "nonRepudiation"
        case .keyEncipherment: "keyEncipherment"
        case .dataEncipherment: "dataEncipherment"
        case .keyAgreement: "keyAgreement"
        case .keyCertSign: "keyCertSign"
        case .cRLSign: "cRLSign"
        case .encipherOnly: "encipherOnly"
        case .decipherOnly: "decipherOnly"
        }
    }

    /// Accepts the RFC name; also `contentCommitment` (X.509's newer name for nonRepudiation).
    public init?(name: String) {
        if name == "contentCommitment" {
            self = .nonRepudiation
            return
        }
        guard let bit = KeyUsageBit.allCases.first(where: { $0.name == name }) else { return nil }
        self = bit
    }

    public static func < (lhs: KeyUsageBit, rhs: KeyUsageBit) -> Bool {
        lhs.rawValue < rhs.rawValue
    }
}

/// A set of KeyUsage bits; bit N of `rawValue` is RFC 5280 bit N.
public struct KeyUsageSet: OptionSet, Hashable, Sendable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    public init(_ bits: some Sequence<KeyUsageBit>) {
        self.init(rawValue: bits.reduce(0) { $0 | (1 << UInt16($1.rawValue)) })
    }

    public func contains(_ bit: KeyUsageBit) -> Bool {
        rawValue & (1 << UInt16(bit.rawValue)) != 0
    }

    /// Bits in RFC order.
    public var bits: [KeyUsageBit] {
        KeyUsageBit.allCases.filter(contains)
    }

    public var names: [String] {
        bits.map(\.name)
    }

    /// Decodes the KeyUsage BIT STRING content (first byte = unused bits). DER's first named bit is the
    /// most significant bit of the first content byte.
    static func decode<Bytes: Collection<UInt8>>(bitStringContent content: Bytes) -> KeyUsageSet? {
        guard let unused = content.first, unused < 8 else { return nil }
        let data = content.dropFirst()
        if data.isEmpty {
            return unused == 0 ? KeyUsageSet() : nil
        }
        var raw: UInt16 = 0
        for (offset, byte) in data.prefix(2).enumerated() {
            for bit in 0..<8 where byte & (0x80 >> UInt8(bit)) != 0 {
                let position = offset * 8 + bit
                if position < KeyUsageBit.allCases.count {
                    raw |= 1 << UInt16(position)
                }
            }
        }
        return KeyUsageSet(rawValue: raw)
    }
}

/// The KeyUsage extension as found in a certificate.
public struct KeyUsageExtension: Hashable, Sendable {
    public var bits: KeyUsageSet
    public var critical: Bool
}
