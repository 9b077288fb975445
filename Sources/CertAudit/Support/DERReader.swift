/// One DER/BER element located in a caller's buffer: its tag byte and index ranges, nothing copied.
struct DERElement {
    var tag: UInt8
    var start: Int
    var contentStart: Int
    var end: Int

    var content: Range<Int> { contentStart..<end }
    var whole: Range<Int> { start..<end }
    var isConstructed: Bool { tag & 0x20 != 0 }

    /// Tag bytes used by X.509 (all single-byte tags).
    static let boolean: UInt8 = 0x01
    static let integer: UInt8 = 0x02
    static let bitString: UInt8 = 0x03
    static let octetString: UInt8 = 0x04
    static let objectIdentifier: UInt8 = 0x06
    static let utcTime: UInt8 = 0x17
    static let generalizedTime: UInt8 = 0x18
    static let sequence: UInt8 = 0x30
    static let set: UInt8 = 0x31

    /// `[n]` context-specific tag byte, constructed or primitive.
    static func context(_ number: UInt8, constructed: Bool) -> UInt8 {
        0x80 | (constructed ? 0x20 : 0) | number
    }
}

/// A zero-copy walk over DER (and BER with definite lengths, non-minimal lengths accepted) inside one
/// `withUnsafeBufferPointer` scope: no allocation, no reference counting per element. Certificates use
/// single-byte tags and definite lengths only; anything else simply ends the walk of that element.
enum DERReader {
    typealias Bytes = UnsafeBufferPointer<UInt8>

    /// What the bytes at `index` announce: a complete element, one cut short (with the length its header
    /// claims), or no usable tag/length header (multi-byte tag, indefinite or oversized length, no data).
    enum Header {
        case element(DERElement)
        case truncated(needed: Int)
        case invalid
    }

    static func header(_ bytes: Bytes, at index: Int, end: Int) -> Header {
        guard index < end else { return .invalid }
        guard index + 2 <= end else { return .truncated(needed: 2) }
        let tag = bytes[index]
        guard tag & 0x1f != 0x1f else { return .invalid }
        let first = bytes[index + 1]
        var cursor = index + 2
        var length = 0
        if first < 0x80 {
            length = Int(first)
        } else {
            let count = Int(first & 0x7f)
            guard count >= 1, count <= 4 else { return .invalid }
            guard cursor + count <= end else { return .truncated(needed: 2 + count) }
            for _ in 0..<count {
                length = length << 8 | Int(bytes[cursor])
                cursor += 1
            }
        }
        guard length <= end - cursor else { return .truncated(needed: cursor - index + length) }
        return .element(DERElement(tag: tag, start: index, contentStart: cursor, end: cursor + length))
    }

    static func element(_ bytes: Bytes, at index: Int, end: Int) -> DERElement? {
        if case .element(let element) = header(bytes, at: index, end: end) {
            return element
        }
        return nil
    }

    /// The header of the first element of `bytes` (offsets relative to the slice's start).
    static func header(of bytes: ArraySlice<UInt8>) -> Header {
        bytes.withUnsafeBufferPointer { header($0, at: 0, end: $0.count) }
    }

    /// The children of a constructed element, in order; stops at the first malformed child.
    struct Children: IteratorProtocol, Sequence {
        let bytes: Bytes
        var index: Int
        let end: Int

        mutating func next() -> DERElement? {
            guard index < end, let element = DERReader.element(bytes, at: index, end: end) else { return nil }
            index = element.end
            return element
        }
    }

    static func children(_ bytes: Bytes, of element: DERElement) -> Children {
        Children(bytes: bytes, index: element.contentStart, end: element.end)
    }

    /// The content bytes of `element` as a buffer of its own (still no copy).
    static func content(_ bytes: Bytes, of element: DERElement) -> Bytes {
        Bytes(rebasing: bytes[element.content])
    }

    /// Runs a parser over `der`'s bytes in place (one `withUnsafeBufferPointer` scope), passing its
    /// typed error through: the shared entry of the lenient certificate, request and CRL parsers.
    static func parsing<Value>(
        _ der: ArraySlice<UInt8>, _ parse: (Bytes) throws(CertificateParseError) -> Value
    ) throws(CertificateParseError) -> Value {
        let result = der.withUnsafeBufferPointer { bytes in
            Result { () throws(CertificateParseError) in try parse(bytes) }
        }
        return try result.get()
    }

    /// A signed X.509 structure — Certificate, CertificationRequest, CertificateList: SEQUENCE { body
    /// SEQUENCE, signatureAlgorithm SEQUENCE, signature BIT STRING } — with `names` saying which fields
    /// were expected in the error.
    static func signed(_ bytes: Bytes, names: String) throws(CertificateParseError) -> (
        whole: DERElement, body: DERElement, algorithm: DERElement
    ) {
        guard let outer = element(bytes, at: 0, end: bytes.count), outer.tag == DERElement.sequence else {
            throw CertificateParseError(reason: "malformed ASN.1: no complete outer SEQUENCE")
        }
        var top = children(bytes, of: outer)
        guard let body = top.next(), body.tag == DERElement.sequence, let algorithm = top.next(),
            algorithm.tag == DERElement.sequence, top.next()?.tag == DERElement.bitString
        else {
            throw CertificateParseError(reason: "expected SEQUENCE { \(names) }")
        }
        return (outer, body, algorithm)
    }
}
