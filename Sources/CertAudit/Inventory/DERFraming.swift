/// Reads the tag and definite length of the first DER/BER element without building a tree.
enum DERFraming {
    enum Result {
        /// The first element: its tag byte and total encoded length (header + content).
        case element(tag: UInt8, length: Int)
        /// The header claims more bytes than the data has.
        case truncated(needed: Int)
        /// Not a usable tag/length header (indefinite length, oversized length field, no data).
        case invalid
    }

    static func first(_ bytes: ArraySlice<UInt8>) -> Result {
        guard bytes.count >= 2 else { return bytes.isEmpty ? .invalid : .truncated(needed: 2) }
        let start = bytes.startIndex
        let tag = bytes[start]
        guard tag & 0x1f != 0x1f else { return .invalid }  // multi-byte tags never start a container
        let first = bytes[start + 1]
        var header = 2
        var contentLength = 0
        if first & 0x80 == 0 {
            contentLength = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count > 0, count <= 4 else { return .invalid }
            guard bytes.count >= 2 + count else { return .truncated(needed: 2 + count) }
            for offset in 0..<count {
                contentLength = contentLength << 8 | Int(bytes[start + 2 + offset])
            }
            header += count
        }
        let total = header + contentLength
        guard total <= bytes.count else { return .truncated(needed: total) }
        return .element(tag: tag, length: total)
    }
}
