/// A compact binary encoding for what certaudit keeps on disk between runs (the facts cache): LEB128
/// integers, length-prefixed bytes and strings. Written by `BinaryWriter`, read back by `BinaryReader`,
/// which checks every length against what is left, so a damaged or hostile file is an error, never a
/// trap or a huge allocation.
struct BinaryWriter {
    var bytes: [UInt8] = []

    init(capacity: Int = 512) {
        bytes.reserveCapacity(capacity)
    }

    mutating func byte(_ value: UInt8) {
        bytes.append(value)
    }

    mutating func bool(_ value: Bool) {
        bytes.append(value ? 1 : 0)
    }

    mutating func unsigned(_ value: UInt64) {
        var value = value
        while value >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: value) | 0x80)
            value >>= 7
        }
        bytes.append(UInt8(value))
    }

    /// Zig-zag, so that small negative numbers stay small.
    mutating func signed(_ value: Int64) {
        unsigned(UInt64(bitPattern: (value << 1) ^ (value >> 63)))
    }

    mutating func int(_ value: Int) {
        signed(Int64(value))
    }

    mutating func fixed64(_ value: UInt64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func data<Bytes: Collection>(_ value: Bytes) where Bytes.Element == UInt8 {
        unsigned(UInt64(value.count))
        bytes.append(contentsOf: value)
    }

    mutating func string(_ value: String) {
        var value = value
        value.withUTF8 { data($0) }
    }

    mutating func optionalString(_ value: String?) {
        bool(value != nil)
        if let value { string(value) }
    }

    mutating func strings(_ values: [String]) {
        unsigned(UInt64(values.count))
        for value in values { string(value) }
    }
}

struct BinaryReader {
    struct Malformed: Error, CustomStringConvertible {
        var description: String
    }

    private let storage: ArraySlice<UInt8>
    private(set) var position: Int

    init(_ bytes: ArraySlice<UInt8>) {
        storage = bytes
        position = bytes.startIndex
    }

    var atEnd: Bool { position == storage.endIndex }
    var remaining: Int { storage.endIndex - position }

    mutating func byte() throws(Malformed) -> UInt8 {
        guard position < storage.endIndex else { throw Malformed(description: "ends early") }
        defer { position += 1 }
        return storage[position]
    }

    mutating func bool() throws(Malformed) -> Bool {
        switch try byte() {
        case 0: return false
        case 1: return true
        default: throw Malformed(description: "bad flag")
        }
    }

    mutating func unsigned() throws(Malformed) -> UInt64 {
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            let next = try byte()
            guard shift < 64, shift < 63 || next <= 1 else { throw Malformed(description: "integer too long") }
            value |= UInt64(next & 0x7f) << shift
            if next < 0x80 { return value }
            shift += 7
        }
    }

    mutating func signed() throws(Malformed) -> Int64 {
        let raw = try unsigned()
        return Int64(bitPattern: (raw >> 1) ^ (0 &- (raw & 1)))
    }

    mutating func int() throws(Malformed) -> Int {
        Int(try signed())
    }

    /// A count or length that must fit in what is left (each element takes at least one byte).
    mutating func count() throws(Malformed) -> Int {
        let value = try unsigned()
        guard value <= UInt64(remaining) else { throw Malformed(description: "length beyond the end") }
        return Int(value)
    }

    mutating func fixed64() throws(Malformed) -> UInt64 {
        guard remaining >= 8 else { throw Malformed(description: "ends early") }
        var value: UInt64 = 0
        for offset in (0..<8).reversed() {
            value = value << 8 | UInt64(storage[position + offset])
        }
        position += 8
        return value
    }

    mutating func slice() throws(Malformed) -> ArraySlice<UInt8> {
        let length = try count()
        defer { position += length }
        return storage[position..<position + length]
    }

    mutating func data() throws(Malformed) -> [UInt8] {
        Array(try slice())
    }

    mutating func string() throws(Malformed) -> String {
        String(decoding: try slice(), as: UTF8.self)
    }

    mutating func optionalString() throws(Malformed) -> String? {
        try bool() ? try string() : nil
    }

    mutating func strings() throws(Malformed) -> [String] {
        let count = try count()
        var values: [String] = []
        values.reserveCapacity(count)
        for _ in 0..<count {
            values.append(try string())
        }
        return values
    }
}
