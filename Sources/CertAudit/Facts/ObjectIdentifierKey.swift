/// An OID's DER content bytes packed into two words, so hot paths compare and hash OIDs without
/// allocating. OIDs longer than 16 content bytes never match a known key (they still render).
struct ObjectIdentifierKey: Hashable, Sendable {
    private let high: UInt64
    private let low: UInt64
    private let count: UInt8

    init<Bytes: Collection>(contentBytes bytes: Bytes) where Bytes.Element == UInt8 {
        var high: UInt64 = 0
        var low: UInt64 = 0
        var index = 0
        for byte in bytes {
            if index < 8 {
                high |= UInt64(byte) << (56 - 8 * UInt64(index))
            } else if index < 16 {
                low |= UInt64(byte) << (56 - 8 * UInt64(index - 8))
            }
            index += 1
        }
        self.high = high
        self.low = low
        self.count = UInt8(truncatingIfNeeded: min(index, 255))
    }

    /// Builds the key from dotted text, e.g. "2.5.29.15". Only for static tables.
    init(_ dotted: String) {
        let arcs = dotted.split(separator: ".").map { UInt64($0)! }
        precondition(arcs.count >= 2, "OID needs two arcs: \(dotted)")
        var bytes: [UInt8] = []
        ObjectIdentifierKey.appendBase128(arcs[0] * 40 + arcs[1], to: &bytes)
        for arc in arcs.dropFirst(2) {
            ObjectIdentifierKey.appendBase128(arc, to: &bytes)
        }
        self.init(contentBytes: bytes)
    }

    private static func appendBase128(_ value: UInt64, to bytes: inout [UInt8]) {
        var groups: [UInt8] = [UInt8(value & 0x7f)]
        var rest = value >> 7
        while rest > 0 {
            groups.append(UInt8(rest & 0x7f) | 0x80)
            rest >>= 7
        }
        bytes.append(contentsOf: groups.reversed())
    }

    /// Renders OID content bytes as dotted text; malformed encodings render as hex.
    static func dotted<Bytes: Collection>(contentBytes bytes: Bytes) -> String where Bytes.Element == UInt8 {
        var arcs: [UInt64] = []
        var current: UInt64 = 0
        var pending = false
        for byte in bytes {
            if current > (UInt64.max >> 7) {
                return "oid:" + Hex.encode(bytes)
            }
            current = (current << 7) | UInt64(byte & 0x7f)
            pending = true
            if byte & 0x80 == 0 {
                arcs.append(current)
                current = 0
                pending = false
            }
        }
        guard !pending, let first = arcs.first else {
            return "oid:" + Hex.encode(bytes)
        }
        let head: [UInt64] = first < 80 ? [first / 40, first % 40] : [2, first - 80]
        return (head + arcs.dropFirst()).map(String.init).joined(separator: ".")
    }
}
