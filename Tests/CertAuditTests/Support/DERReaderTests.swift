import Testing
@testable import CertAudit

/// DERReader walks untrusted bytes: every header is either a complete element inside the bounds it was
/// given, a truncation with the size the header claims, or invalid; never a trap or an out-of-range index.
@Suite struct DERReaderTests {
    /// `DERReader.Header` without the associated struct, so results compare with `==`.
    enum Outcome: Equatable {
        case element(tag: UInt8, start: Int, contentStart: Int, end: Int)
        case truncated(Int)
        case invalid
    }

    static func outcome(_ header: DERReader.Header) -> Outcome {
        switch header {
        case .element(let e): .element(tag: e.tag, start: e.start, contentStart: e.contentStart, end: e.end)
        case .truncated(let needed): .truncated(needed)
        case .invalid: .invalid
        }
    }

    func header(_ bytes: [UInt8], at index: Int = 0, end: Int? = nil) -> Outcome {
        bytes.withUnsafeBufferPointer { Self.outcome(DERReader.header($0, at: index, end: end ?? $0.count)) }
    }

    @Test func shortFormLengths() {
        #expect(header([0x02, 0x01, 0x05]) == .element(tag: 0x02, start: 0, contentStart: 2, end: 3))
        #expect(header([0x05, 0x00]) == .element(tag: 0x05, start: 0, contentStart: 2, end: 2))
        #expect(header([0x04, 0x7f] + Array(repeating: 0xAA, count: 127)) == .element(tag: 0x04, start: 0, contentStart: 2, end: 129))
        // Bytes after the element are not part of it.
        #expect(header([0x02, 0x01, 0x05, 0xFF, 0xFF]) == .element(tag: 0x02, start: 0, contentStart: 2, end: 3))
    }

    @Test func longFormLengthsIncludingNonMinimalOnes() {
        #expect(header([0x04, 0x81, 0x80] + Array(repeating: 0, count: 128)) == .element(tag: 0x04, start: 0, contentStart: 3, end: 131))
        #expect(header([0x30, 0x82, 0x01, 0x00] + Array(repeating: 0, count: 256)) == .element(tag: 0x30, start: 0, contentStart: 4, end: 260))
        // BER-style non-minimal lengths are accepted, as the type's documentation says.
        #expect(header([0x04, 0x81, 0x03, 1, 2, 3]) == .element(tag: 0x04, start: 0, contentStart: 3, end: 6))
        #expect(header([0x04, 0x84, 0, 0, 0, 2, 1, 2]) == .element(tag: 0x04, start: 0, contentStart: 6, end: 8))
        #expect(header([0x04, 0x82, 0, 0]) == .element(tag: 0x04, start: 0, contentStart: 4, end: 4))
    }

    @Test func truncatedHeadersReportTheHeaderSize() {
        #expect(header([]) == .invalid, "no data at all is not a truncation")
        #expect(header([0x30]) == .truncated(2))
        #expect(header([0x30, 0x81]) == .truncated(3))
        #expect(header([0x30, 0x82, 0x01]) == .truncated(4))
        #expect(header([0x30, 0x84, 0x00, 0x00, 0x01]) == .truncated(6))
    }

    @Test func truncatedContentsReportTheWholeElementSize() {
        #expect(header([0x30, 0x05, 0x01, 0x02]) == .truncated(7))
        #expect(header([0x02, 0x01]) == .truncated(3))
        #expect(header([0x04, 0x82, 0x01, 0x00] + Array(repeating: 0, count: 10)) == .truncated(260))
        // A four-byte length of 4 GiB on a tiny input: a truncation, no overflow.
        #expect(header([0x04, 0x84, 0xFF, 0xFF, 0xFF, 0xFF, 0x00]) == .truncated(6 + 0xFFFF_FFFF))
    }

    @Test func invalidEncodings() {
        #expect(header([0x30, 0x80, 0x00, 0x00]) == .invalid, "indefinite length")
        #expect(header([0x04, 0x85, 0, 0, 0, 0, 1, 0xAA]) == .invalid, "five length bytes")
        #expect(header([0x04, 0xFF] + Array(repeating: 0, count: 200)) == .invalid, "127 length bytes")
        #expect(header([0x1F, 0x21, 0x01, 0x00]) == .invalid, "multi-byte tag")
        #expect(header([0xBF, 0x81, 0x01, 0x00]) == .invalid, "multi-byte context tag")
    }

    @Test func headerHonoursIndexAndEnd() {
        let bytes: [UInt8] = [0xFF, 0xFF, 0x02, 0x02, 0x01, 0x02, 0xEE]
        #expect(header(bytes, at: 2) == .element(tag: 0x02, start: 2, contentStart: 4, end: 6))
        #expect(header(bytes, at: 2, end: 5) == .truncated(4), "the end bound is respected even with bytes after it")
        #expect(header(bytes, at: 7) == .invalid)
        #expect(header(bytes, at: 6) == .truncated(2))
    }

    @Test func headerOfASliceUsesOffsetsRelativeToTheSlice() {
        let whole: [UInt8] = [0xFF, 0xFF, 0xFF, 0x02, 0x01, 0x07, 0x05, 0x00]
        let slice = whole[3...]
        #expect(slice.startIndex == 3)
        #expect(Self.outcome(DERReader.header(of: slice)) == .element(tag: 0x02, start: 0, contentStart: 2, end: 3))
        #expect(Self.outcome(DERReader.header(of: whole[3..<5])) == .truncated(3), "the slice's end bounds the read")
        #expect(Self.outcome(DERReader.header(of: whole[6...])) == .element(tag: 0x05, start: 0, contentStart: 2, end: 2))
        #expect(Self.outcome(DERReader.header(of: whole[8...])) == .invalid)
    }

    /// SEQUENCE { INTEGER 1, OCTET STRING "ab", SEQUENCE { NULL }, [0] 0x09 }
    static let sequence: [UInt8] = [
        0x30, 0x0E, 0x02, 0x01, 0x01, 0x04, 0x02, 0x61, 0x62, 0x30, 0x02, 0x05, 0x00, 0x80, 0x01, 0x09, 0x00,
    ]

    @Test func childrenOfASequenceInOrder() throws {
        try Self.sequence.withUnsafeBufferPointer { bytes in
            let outer = try #require(DERReader.element(bytes, at: 0, end: bytes.count))
            #expect(outer.isConstructed && outer.whole == 0..<16 && outer.content == 2..<16)
            let children = Array(DERReader.children(bytes, of: outer))
            #expect(children.map(\.tag) == [0x02, 0x04, 0x30, DERElement.context(0, constructed: false)])
            #expect(children.map(\.whole) == [2..<5, 5..<9, 9..<13, 13..<16])
            #expect(Array(DERReader.content(bytes, of: children[1])) == Array("ab".utf8))
            #expect(!children[0].isConstructed && children[2].isConstructed)
            let inner = Array(DERReader.children(bytes, of: children[2]))
            #expect(inner.map(\.whole) == [11..<13])
            #expect(Array(DERReader.children(bytes, of: inner[0])).isEmpty)
        }
    }

    @Test func aChildClaimingMoreThanItsParentEndsTheWalk() throws {
        // SEQUENCE of 5 content bytes: INTEGER 1, then an OCTET STRING header claiming 5 bytes; the buffer
        // has those bytes after the parent, but they are not the parent's.
        let bytes: [UInt8] = [0x30, 0x05, 0x02, 0x01, 0x01, 0x04, 0x05, 0xAA, 0xAA, 0xAA, 0xAA, 0xAA, 0x02, 0x01, 0x02]
        try bytes.withUnsafeBufferPointer { buffer in
            let outer = try #require(DERReader.element(buffer, at: 0, end: buffer.count))
            #expect(outer.end == 7)
            #expect(Array(DERReader.children(buffer, of: outer)).map(\.whole) == [2..<5])
            // A malformed child in the middle also stops the walk: nothing after it is returned.
            let broken: [UInt8] = [0x30, 0x08, 0x02, 0x01, 0x01, 0x30, 0x80, 0x02, 0x01, 0x03]
            try broken.withUnsafeBufferPointer { b in
                let sequence = try #require(DERReader.element(b, at: 0, end: b.count))
                #expect(Array(DERReader.children(b, of: sequence)).map(\.whole) == [2..<5])
            }
        }
    }

    @Test func contextTagsAndElementHelpers() {
        #expect(DERElement.context(0, constructed: true) == 0xA0)
        #expect(DERElement.context(3, constructed: false) == 0x83)
        #expect([0x30, 0x04, 0x03].withUnsafeBufferPointer { DERReader.element($0, at: 0, end: 3) } == nil)
    }

    /// Every 2-byte input, every 3-byte input under four common tags, and seeded random inputs: each
    /// answer is consistent with the bounds, and walking all children recursively terminates in bounds.
    @Test func arbitraryBytesNeverEscapeTheirBounds() {
        var failures: [String] = []  // collected, not one #expect per call: millions of calls
        func check(_ bytes: [UInt8]) {
            bytes.withUnsafeBufferPointer { buffer in
                for index in 0...buffer.count {
                    switch DERReader.header(buffer, at: index, end: buffer.count) {
                    case .element(let e):
                        if !(e.start == index && e.contentStart >= index + 2 && e.contentStart <= e.end && e.end <= buffer.count) {
                            failures.append("element \(e) out of bounds in \(bytes) at \(index)")
                        }
                        walk(buffer, e, depth: 0)
                    case .truncated(let needed):
                        if !(needed >= 2 && needed > buffer.count - index) {
                            failures.append("truncated(\(needed)) though it fits: \(bytes) at \(index)")
                        }
                    case .invalid:
                        break
                    }
                }
            }
        }
        func walk(_ buffer: DERReader.Bytes, _ element: DERElement, depth: Int) {
            var previousEnd = element.contentStart
            for child in DERReader.children(buffer, of: element) {
                if !(child.start == previousEnd && child.end <= element.end) {
                    failures.append("child \(child) escapes \(element)")
                }
                previousEnd = child.end
                if depth < 8 { walk(buffer, child, depth: depth + 1) }
            }
        }
        for a in 0...255 {
            for b in 0...255 { check([UInt8(a), UInt8(b)]) }
        }
        for tag: UInt8 in [0x30, 0x04, 0x1F, 0xA0] {
            for a in 0...255 {
                for b in 0...255 { check([tag, UInt8(a), UInt8(b)]) }
            }
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        func random() -> UInt64 {  // SplitMix64
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet: [UInt8] = [0x00, 0x01, 0x02, 0x03, 0x04, 0x05, 0x30, 0x31, 0x7F, 0x80, 0x81, 0x82, 0x84, 0xA0, 0xFF]
        for _ in 0..<20_000 {
            let count = Int(random() % 24)
            check((0..<count).map { _ in alphabet[Int(random() % UInt64(alphabet.count))] })
        }
        #expect(failures.isEmpty, "\(failures.prefix(5))")
    }
}
