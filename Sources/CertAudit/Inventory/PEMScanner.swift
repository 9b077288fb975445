#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One `-----BEGIN X-----` … `-----END X-----` block found in a file.
struct PEMBlock {
    var label: String
    /// Byte range of the base64 body (between the BEGIN line and the END marker).
    var body: Range<Int>
    /// 1-based line of the BEGIN marker, for messages.
    var line: Int
    /// False when the END marker is missing (truncated file) or names another label.
    var complete: Bool
}

/// Finds PEM blocks in arbitrary text: text around and between blocks, CRLF endings and several blocks
/// per file are all fine. Works on bytes with `memmem`; never builds Strings from the body.
enum PEMScanner {
    private static let begin = Array("-----BEGIN ".utf8)
    private static let end = Array("-----END ".utf8)
    private static let dashes = Array("-----".utf8)

    static func containsPEM(_ bytes: [UInt8]) -> Bool {
        nextBegin(in: bytes, from: 0) != nil
    }

    /// The next BEGIN marker that starts a line (RFC 7468 §2: only whitespace may precede it), so a
    /// marker quoted inside source code or prose is not taken for a block.
    private static func nextBegin(in bytes: [UInt8], from start: Int) -> Int? {
        var position = start
        while let found = find(begin, in: bytes, from: position) {
            if startsLine(bytes, at: found) {
                return found
            }
            position = found + 1
        }
        return nil
    }

    private static func startsLine(_ bytes: [UInt8], at offset: Int) -> Bool {
        var index = offset - 1
        while index >= 0, bytes[index] == 0x20 || bytes[index] == 0x09 {
            index -= 1
        }
        return index < 0 || bytes[index] == 0x0a || bytes[index] == 0x0d
    }

    private static func onlyWhitespace(_ bytes: [UInt8], from start: Int, to end: Int) -> Bool {
        start >= end || bytes[start..<end].allSatisfy { $0 == 0x20 || $0 == 0x09 || $0 == 0x0d }
    }

    static func blocks(in bytes: [UInt8]) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var position = 0
        var lineCursor = (offset: 0, line: 1)
        while let beginAt = nextBegin(in: bytes, from: position) {
            let labelStart = beginAt + begin.count
            let lineEnd = endOfLine(bytes, from: labelStart)
            guard let labelEnd = find(dashes, in: bytes, from: labelStart), labelEnd < lineEnd,
                onlyWhitespace(bytes, from: labelEnd + dashes.count, to: lineEnd)
            else {
                position = labelStart
                continue
            }
            let label = String(decoding: bytes[labelStart..<labelEnd], as: UTF8.self)
            let bodyStart = min(lineEnd + 1, bytes.count)
            lineCursor = (beginAt, lineCursor.line + newlines(in: bytes, from: lineCursor.offset, to: beginAt))
            let line = lineCursor.line
            let nextBegin = nextBegin(in: bytes, from: bodyStart)
            guard let endAt = find(end, in: bytes, from: bodyStart), nextBegin.map({ endAt < $0 }) ?? true else {
                let stop = nextBegin ?? bytes.count
                blocks.append(PEMBlock(label: label, body: bodyStart..<stop, line: line, complete: false))
                position = stop
                continue
            }
            let endLabelStart = endAt + end.count
            let endLabelEnd = find(dashes, in: bytes, from: endLabelStart) ?? bytes.count
            let matches = endLabelEnd - endLabelStart == labelEnd - labelStart
                && bytes[endLabelStart..<endLabelEnd].elementsEqual(bytes[labelStart..<labelEnd])
            blocks.append(PEMBlock(label: label, body: bodyStart..<endAt, line: line, complete: matches))
            position = min(endLabelEnd + dashes.count, bytes.count)
        }
        return blocks
    }

    private static func endOfLine(_ bytes: [UInt8], from start: Int) -> Int {
        var index = start
        while index < bytes.count, bytes[index] != 0x0a {
            index += 1
        }
        return index
    }

    private static func newlines(in bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var count = 0
        for byte in bytes[start..<end] where byte == 0x0a {
            count += 1
        }
        return count
    }

    /// First occurrence of `needle` at or after `start`: `memchr` for the first byte, `memcmp` for the rest.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int) -> Int? {
        guard let first = needle.first, start < haystack.count else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let base = hay.baseAddress else { return nil }
                var offset = start
                while offset + pattern.count <= hay.count {
                    guard let hit = memchr(base + offset, Int32(first), hay.count - offset) else { return nil }
                    let position = base.distance(to: UnsafeRawPointer(hit))
                    guard position + pattern.count <= hay.count else { return nil }
                    if memcmp(base + position, pattern.baseAddress!, pattern.count) == 0 {
                        return position
                    }
                    offset = position + 1
                }
                return nil
            }
        }
    }
}
