/// Name-shape judgements shared by facts.
enum HostNames {
    /// Letters, digits, hyphens and dots (with an optional leading `*.`), or an IP literal.
    static func looksLikeHostName(_ text: String) -> Bool {
        var labels = text.split(separator: ".", omittingEmptySubsequences: false)
        if labels.first == "*" {
            labels.removeFirst()
        }
        guard !labels.isEmpty, text.utf8.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.utf8.count <= 63
                && label.utf8.allSatisfy { byte in
                    (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
                        || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
                }
        }
    }

    static func isHostNamed(_ facts: CertificateFacts) -> Bool {
        if !facts.hostNames.isEmpty {
            return true
        }
        return facts.subject.commonNames.contains { looksLikeHostName($0) && $0.contains(".") }
    }

    static func isHostStyle(_ facts: CertificateFacts) -> Bool {
        guard facts.subject.attributeCount == 1, let cn = facts.subject.commonNames.first, cn.contains("."),
            looksLikeHostName(cn), let dns = facts.subjectAltNames?.dnsNames
        else { return false }
        let fqdn = cn.lowercased()
        let short = String(fqdn.prefix { $0 != "." })
        return Set(dns.map { $0.lowercased() }) == [fqdn, short] && dns.count == 2
    }

    static func commonNamesInSAN(_ facts: CertificateFacts) -> Bool {
        let names = Set(facts.hostNames.map { $0.lowercased() })
        return facts.subject.commonNames.allSatisfy { names.contains($0.lowercased()) }
    }
}
