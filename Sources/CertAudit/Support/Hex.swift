/// Lowercase hexadecimal encoding without Foundation's `String(format:)`.
enum Hex {
    private static let digits: [UInt8] = Array("0123456789abcdef".utf8)

    static func encode<Bytes: Collection>(_ bytes: Bytes, separator: UInt8? = nil) -> String
    where Bytes.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count * (separator == nil ? 2 : 3))
        for byte in bytes {
            if let separator, !out.isEmpty {
                out.append(separator)
            }
            out.append(digits[Int(byte >> 4)])
            out.append(digits[Int(byte & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }
}
