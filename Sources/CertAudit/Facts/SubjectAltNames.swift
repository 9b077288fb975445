import SwiftASN1

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

    init(generalNames: ASN1Node, critical: Bool) {
        self.critical = critical
        der = Array(generalNames.encodedBytes)
        guard case .constructed(let names) = generalNames.content else { return }
        for name in names where name.identifier.tagClass == .contextSpecific {
            switch (name.identifier.tagNumber, name.content) {
            case (1, .primitive(let bytes)):
                emails.append(String(decoding: bytes, as: UTF8.self))
            case (2, .primitive(let bytes)):
                dnsNames.append(String(decoding: bytes, as: UTF8.self))
            case (6, .primitive(let bytes)):
                uris.append(String(decoding: bytes, as: UTF8.self))
            case (7, .primitive(let bytes)):
                ipAddresses.append(SubjectAltNames.renderIP(bytes))
            default:
                otherCount += 1
            }
        }
    }

    static func renderIP(_ bytes: ArraySlice<UInt8>) -> String {
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
