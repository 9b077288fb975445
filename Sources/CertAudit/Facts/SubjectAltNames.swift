/// The SubjectAltName extension's names, decoded leniently.
public struct SubjectAltNames: Hashable, Sendable {
    public var dnsNames: [String] = []
    public var ipAddresses: [String] = []
    public var emails: [String] = []
    public var uris: [String] = []
    /// otherName, directoryName, registeredID, x400Address, ediPartyName.
    public var otherCount = 0
    public var critical = false
    /// The extension value exactly as encoded (kept so a re-issue can copy it byte for byte).
    public var der: [UInt8] = []

    public var isEmpty: Bool {
        dnsNames.isEmpty && ipAddresses.isEmpty && emails.isEmpty && uris.isEmpty && otherCount == 0
    }

    init(bytes: DERReader.Bytes, generalNames: DERElement, critical: Bool) {
        self.critical = critical
        der = Array(bytes[generalNames.whole])
        for name in DERReader.children(bytes, of: generalNames) {
            let content = DERReader.content(bytes, of: name)
            switch name.tag {
            case DERElement.context(1, constructed: false):
                emails.append(String(decoding: content, as: UTF8.self))
            case DERElement.context(2, constructed: false):
                dnsNames.append(String(decoding: content, as: UTF8.self))
            case DERElement.context(6, constructed: false):
                uris.append(String(decoding: content, as: UTF8.self))
            case DERElement.context(7, constructed: false):
                ipAddresses.append(SubjectAltNames.renderIP(content))
            default:
                otherCount += 1
            }
        }
    }

    static func renderIP(_ bytes: DERReader.Bytes) -> String {
        if bytes.count == 4 {
            return bytes.map(String.init).joined(separator: ".")
        }
        if bytes.count == 16 {
            var groups: [String] = []
            var index = bytes.startIndex
            while index < bytes.endIndex {
                let group = UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                groups.append(String(group, radix: 16))
                index += 2
            }
            return groups.joined(separator: ":")
        }
        return "#" + Hex.encode(bytes)
    }
}
