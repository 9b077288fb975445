/// PEM encoding (RFC 7468): base64 in 64-character lines between BEGIN/END lines.
enum PEMWriter {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(label: String, der: [UInt8]) -> String {
        var base64: [UInt8] = []
        base64.reserveCapacity((der.count + 2) / 3 * 4)
        var index = 0
        while index < der.count {
            let a = UInt32(der[index])
            let b = index + 1 < der.count ? UInt32(der[index + 1]) : 0
            let c = index + 2 < der.count ? UInt32(der[index + 2]) : 0
            let group = a << 16 | b << 8 | c
            base64.append(alphabet[Int(group >> 18 & 63)])
            base64.append(alphabet[Int(group >> 12 & 63)])
            base64.append(index + 1 < der.count ? alphabet[Int(group >> 6 & 63)] : UInt8(ascii: "="))
            base64.append(index + 2 < der.count ? alphabet[Int(group & 63)] : UInt8(ascii: "="))
            index += 3
        }
        var text = "-----BEGIN \(label)-----\n"
        var line = 0
        while line < base64.count {
            text += String(decoding: base64[line..<min(line + 64, base64.count)], as: UTF8.self) + "\n"
            line += 64
        }
        return text + "-----END \(label)-----\n"
    }
}
