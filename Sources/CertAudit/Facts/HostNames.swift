#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

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

extension HostNames {
    /// Whether the leaf's SubjectAltNames cover `requested` as Chrome matches them (RFC 6125; no CN
    /// fallback): an address against the IP SANs (byte-wise), a name against the DNS SANs, case-blind,
    /// with a wildcard only as the whole leftmost label (`*.example.com` covers `a.example.com`, not
    /// `example.com` or `a.b.example.com`).
    static func covers(_ facts: CertificateFacts, requested: String) -> Bool {
        if let address = IPAddress.bytes(requested) {
            return (facts.subjectAltNames?.ipAddresses ?? []).contains { IPAddress.bytes($0) == address }
        }
        var name = requested.lowercased()
        if name.hasSuffix(".") {
            name.removeLast()
        }
        let labels = name.split(separator: ".", omittingEmptySubsequences: false)
        for candidate in facts.subjectAltNames?.dnsNames ?? [] {
            var pattern = candidate.lowercased()
            if pattern.hasSuffix(".") {
                pattern.removeLast()
            }
            if pattern == name {
                return true
            }
            let parts = pattern.split(separator: ".", omittingEmptySubsequences: false)
            if parts.first == "*", parts.count >= 3, parts.count == labels.count, !labels[0].isEmpty,
                parts.dropFirst().elementsEqual(labels.dropFirst())
            {
                return true
            }
        }
        return false
    }
}

/// IPv4/IPv6 literals as bytes (inet_pton), so that `::1` and `0:0:0:0:0:0:0:1` compare equal.
enum IPAddress {
    static func bytes(_ text: String) -> [UInt8]? {
        var v4 = in_addr()
        if inet_pton(AF_INET, text, &v4) == 1 {
            return withUnsafeBytes(of: &v4) { Array($0) }
        }
        var v6 = in6_addr()
        if inet_pton(AF_INET6, text, &v6) == 1 {
            return withUnsafeBytes(of: &v6) { Array($0) }
        }
        return nil
    }
}
