/// Base64 decoding over bytes that skips whitespace (PEM bodies), without Foundation.
enum Base64 {
    private static let table: [UInt8] = {
        var table = [UInt8](repeating: 0xff, count: 256)
        for (index, byte) in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8.enumerated() {
            table[Int(byte)] = UInt8(index)
        }
        table[Int(UInt8(ascii: "-"))] = 62  // URL-safe alphabet, seen in hand-made files
        table[Int(UInt8(ascii: "_"))] = 63
        return table
    }()

    enum Failure: Error {
        case invalidCharacter(UInt8)
        case badLength
    }

    static func decode(_ text: ArraySlice<UInt8>) throws(Failure) -> [UInt8] {
        var accumulator: UInt32 = 0
        var count = 0
        var padding = 0
        var written = 0
        var failure: Failure?
        let capacity = text.count * 3 / 4 + 3
        var out = [UInt8](unsafeUninitializedCapacity: capacity) { buffer, initialized in
            table.withUnsafeBufferPointer { table in
                text.withUnsafeBufferPointer { input in
                    var index = 0
                    let end = input.count
                    while index < end {
                        // Fast path: four alphabet characters in a row (the bulk of every PEM line).
                        if count == 0, padding == 0, index + 4 <= end {
                            let a = table[Int(input[index])]
                            let b = table[Int(input[index + 1])]
                            let c = table[Int(input[index + 2])]
                            let d = table[Int(input[index + 3])]
                            if (a | b | c | d) & 0xc0 == 0 {
                                let group = UInt32(a) << 18 | UInt32(b) << 12 | UInt32(c) << 6 | UInt32(d)
                                buffer[written] = UInt8(truncatingIfNeeded: group >> 16)
                                buffer[written + 1] = UInt8(truncatingIfNeeded: group >> 8)
                                buffer[written + 2] = UInt8(truncatingIfNeeded: group)
                                written += 3
                                index += 4
                                continue
                            }
                        }
                        let byte = input[index]
                        index += 1
                        switch byte {
                        case 0x20, 0x09, 0x0a, 0x0d:
                            continue
                        case UInt8(ascii: "="):
                            padding += 1
                            continue
                        default:
                            break
                        }
                        let value = table[Int(byte)]
                        guard value != 0xff, padding == 0 else {
                            failure = .invalidCharacter(byte)
                            return
                        }
                        accumulator = accumulator << 6 | UInt32(value)
                        count += 1
                        if count == 4 {
                            buffer[written] = UInt8(truncatingIfNeeded: accumulator >> 16)
                            buffer[written + 1] = UInt8(truncatingIfNeeded: accumulator >> 8)
                            buffer[written + 2] = UInt8(truncatingIfNeeded: accumulator)
                            written += 3
                            accumulator = 0
                            count = 0
                        }
                    }
                }
            }
            initialized = written
        }
        if let failure {
            throw failure
        }
        switch count {
        case 0:
            break
        case 2:
            out.append(UInt8(truncatingIfNeeded: accumulator >> 4))
        case 3:
            out.append(UInt8(truncatingIfNeeded: accumulator >> 10))
            out.append(UInt8(truncatingIfNeeded: accumulator >> 2))
        default:
            throw .badLength
        }
        guard padding <= 2 else { throw .badLength }
        return out
    }
}
