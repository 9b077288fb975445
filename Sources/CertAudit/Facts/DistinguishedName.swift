/// A Name as found in a certificate: the exact DER (for byte-exact comparisons and re-issuing) and an
/// RFC 4514 rendering (most specific RDN first, as `openssl -nameopt RFC2253` prints it).
public struct DistinguishedName: Hashable, Sendable {
    public var der: [UInt8]
    public var rfc4514: String
    /// Every commonName value, in DER order.
    public var commonNames: [String]
    /// Number of attribute-value pairs in the whole name.
    public var attributeCount: Int

    static let shortNames: [ObjectIdentifierKey: String] = [
        ObjectIdentifierKey("2.5.4.3"): "CN",
        ObjectIdentifierKey("2.5.4.6"): "C",
        ObjectIdentifierKey("2.5.4.7"): "L",
        ObjectIdentifierKey("2.5.4.8"): "ST",
        ObjectIdentifierKey("2.5.4.9"): "STREET",
        ObjectIdentifierKey("2.5.4.10"): "O",
        ObjectIdentifierKey("2.5.4.11"): "OU",
        ObjectIdentifierKey("2.5.4.5"): "serialNumber",
        ObjectIdentifierKey("0.9.2342.19200300.100.1.25"): "DC",
        ObjectIdentifierKey("0.9.2342.19200300.100.1.1"): "UID",
        ObjectIdentifierKey("1.2.840.113549.1.9.1"): "emailAddress",
    ]
    static let commonNameKey = ObjectIdentifierKey("2.5.4.3")

    /// Reads a Name leniently: attributes that are not strings render as `OID=#hex`, never an error.
    init(bytes: DERReader.Bytes, element: DERElement) {
        der = Array(bytes[element.whole])
        var rdns: [String] = []
        rdns.reserveCapacity(8)
        var commonNames: [String] = []
        var attributeCount = 0
        for rdn in DERReader.children(bytes, of: element) where rdn.isConstructed {
            var rdnText = ""
            for attribute in DERReader.children(bytes, of: rdn) where attribute.isConstructed {
                var pair = DERReader.children(bytes, of: attribute)
                guard let typeNode = pair.next(), typeNode.tag == DERElement.objectIdentifier,
                    let valueNode = pair.next()
                else { continue }
                attributeCount += 1
                let oid = DERReader.content(bytes, of: typeNode)
                let key = ObjectIdentifierKey(contentBytes: oid)
                let type = DistinguishedName.shortNames[key] ?? ObjectIdentifierKey.dotted(contentBytes: oid)
                if !rdnText.isEmpty {
                    rdnText += "+"
                }
                if let text = DirectoryString.decode(tag: valueNode.tag, DERReader.content(bytes, of: valueNode)) {
                    if key == DistinguishedName.commonNameKey {
                        commonNames.append(text)
                    }
                    rdnText += type + "=" + DistinguishedName.escape(text)
                } else {
                    rdnText += type + "=#" + Hex.encode(bytes[valueNode.whole])
                }
            }
            rdns.append(rdnText)
        }
        var text = ""
        for rdn in rdns.reversed() {
            if !text.isEmpty {
                text += ","
            }
            text += rdn
        }
        rfc4514 = text
        self.commonNames = commonNames
        self.attributeCount = attributeCount
    }

    /// RFC 4514 §2.4 escaping.
    static func escape(_ value: String) -> String {
        var copy = value
        let needsEscaping = copy.withUTF8 { utf8 -> Bool in
            for (index, byte) in utf8.enumerated() {
                switch byte {
                case UInt8(ascii: ","), UInt8(ascii: "+"), UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "<"),
                    UInt8(ascii: ">"), UInt8(ascii: ";"), 0:
                    return true
                case UInt8(ascii: "#") where index == 0:
                    return true
                case UInt8(ascii: " ") where index == 0 || index == utf8.count - 1:
                    return true
                default:
                    continue
                }
            }
            return false
        }
        guard needsEscaping else { return value }
        var out = ""
        let scalars = Array(value.unicodeScalars)
        for (index, scalar) in scalars.enumerated() {
            switch scalar {
            case ",", "+", "\"", "\\", "<", ">", ";":
                out.append("\\")
                out.unicodeScalars.append(scalar)
            case "#" where index == 0:
                out.append("\\#")
            case " " where index == 0 || index == scalars.count - 1:
                out.append("\\ ")
            case "\u{0}":
                out.append("\\00")
            default:
                out.unicodeScalars.append(scalar)
            }
        }
        return out
    }
}

/// Decodes the ASN.1 string types used in names and general names; nil for anything else.
enum DirectoryString {
    static func decode(tag: UInt8, _ bytes: DERReader.Bytes) -> String? {
        switch tag {
        case 12, 18, 19, 22, 26, 27, 25:  // UTF8, Numeric, Printable, IA5, Visible, General, Graphic
            return String(decoding: bytes, as: UTF8.self)
        case 20, 21:  // Teletex/Videotex: in practice Latin-1
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        case 30:  // BMPString, UTF-16BE
            guard bytes.count % 2 == 0 else { return nil }
            var units: [UInt16] = []
            var index = 0
            while index < bytes.count {
                units.append(UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1]))
                index += 2
            }
            return String(decoding: units, as: UTF16.self)
        case 28:  // UniversalString, UTF-32BE
            guard bytes.count % 4 == 0 else { return nil }
            var scalars = String.UnicodeScalarView()
            var index = 0
            while index < bytes.count {
                let value =
                    UInt32(bytes[index]) << 24 | UInt32(bytes[index + 1]) << 16 | UInt32(bytes[index + 2]) << 8
                    | UInt32(bytes[index + 3])
                scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
                index += 4
            }
            return String(scalars)
        default:
            return nil
        }
    }
}
