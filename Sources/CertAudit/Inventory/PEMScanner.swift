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
    /// The whole block, from its BEGIN marker to the end of its END line (its newline included).
    var extent: Range<Int> = 0..<0
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

    /// One pass over the bytes, whatever the mix of markers: every search is bounded by the end of its
    /// line or by the next BEGIN marker, so no region is scanned more than a few times (a file of BEGIN
    /// lines without END used to be scanned to its end once per line).
    static func blocks(in bytes: [UInt8]) -> [PEMBlock] {
        var blocks: [PEMBlock] = []
        var position = 0
        var lineCursor = (offset: 0, line: 1)
        var following = nextBegin(in: bytes, from: 0)
        while let beginAt = following {
            let labelStart = beginAt + begin.count
            let lineEnd = endOfLine(bytes, from: labelStart)
            guard let labelEnd = find(dashes, in: bytes, from: labelStart, before: lineEnd),
                onlyWhitespace(bytes, from: labelEnd + dashes.count, to: lineEnd)
            else {
                position = max(lineEnd, labelStart)
                following = nextBegin(in: bytes, from: position)
                continue
            }
            let label = String(decoding: bytes[labelStart..<labelEnd], as: UTF8.self)
            let bodyStart = min(lineEnd + 1, bytes.count)
            lineCursor = (beginAt, lineCursor.line + newlines(in: bytes, from: lineCursor.offset, to: beginAt))
            let line = lineCursor.line
            following = nextBegin(in: bytes, from: bodyStart)
            let limit = following ?? bytes.count
            guard let endAt = find(end, in: bytes, from: bodyStart, before: limit) else {
                blocks.append(PEMBlock(label: label, body: bodyStart..<limit, line: line, complete: false, extent: beginAt..<limit))
                position = limit
                continue
            }
            let endLabelStart = endAt + end.count
            let endLineEnd = endOfLine(bytes, from: endLabelStart)
            let endLabelEnd = find(dashes, in: bytes, from: endLabelStart, before: endLineEnd) ?? endLineEnd
            let matches = endLabelEnd - endLabelStart == labelEnd - labelStart
                && bytes[endLabelStart..<endLabelEnd].elementsEqual(bytes[labelStart..<labelEnd])
            let blockEnd = min(endLineEnd + 1, bytes.count)
            blocks.append(
                PEMBlock(label: label, body: bodyStart..<endAt, line: line, complete: matches, extent: beginAt..<blockEnd))
            position = min(endLabelEnd + dashes.count, bytes.count)
            if let next = following, next < position {
                // The BEGIN found after this block's body sits inside its END line: look again after it.
                following = nextBegin(in: bytes, from: position)
            }
        }
        return blocks
    }

    private static func endOfLine(_ bytes: [UInt8], from start: Int) -> Int {
        guard start < bytes.count else { return bytes.count }
        return bytes.withUnsafeBytes { raw -> Int in
            guard let hit = memchr(raw.baseAddress! + start, 0x0a, raw.count - start) else { return raw.count }
            return raw.baseAddress!.distance(to: UnsafeRawPointer(hit))
        }
    }

    private static func newlines(in bytes: [UInt8], from start: Int, to end: Int) -> Int {
        var count = 0
        for byte in bytes[start..<end] where byte == 0x0a {
            count += 1
        }
        return count
    }

    /// First occurrence of `needle` at or after `start` that ends at or before `limit` (default: the end):
    /// `memchr` for the first byte, `memcmp` for the rest.
    static func find(_ needle: [UInt8], in haystack: [UInt8], from start: Int, before limit: Int? = nil) -> Int? {
        let stop = min(limit ?? haystack.count, haystack.count)
        guard let first = needle.first, start < stop else { return nil }
        return haystack.withUnsafeBytes { hay -> Int? in
            needle.withUnsafeBytes { pattern -> Int? in
                guard let base = hay.baseAddress else { return nil }
                var offset = start
                while offset + pattern.count <= stop {
                    guard let hit = memchr(base + offset, Int32(first), stop - offset) else { return nil }
                    let position = base.distance(to: UnsafeRawPointer(hit))
                    guard position + pattern.count <= stop else { return nil }
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
