import X509

/// Where a presented certificate's issuer was found.
public enum IssuerSource: String, CaseIterable, Sendable {
    /// Not a presented chain (files).
    case none
    /// The next presented certificate, as RFC 5246 §7.4.2 requires.
    case next
    /// Another presented certificate, out of order.
    case presented
    /// An anchor of the trust store.
    case trustStore = "trust-store"
    /// It is self-issued.
    case itself = "self"
    /// Neither presented nor in the trust store: a missing intermediate, or an unknown root.
    case missing
}

/// The outcome of checking a presented certificate's signature with its issuer's key.
public enum SignatureCheck: String, CaseIterable, Sendable {
    case none
    case valid
    /// The issuer's key does not verify the signature (a forged, corrupted or mismatched chain).
    case invalid
    /// No issuer to check with, or an algorithm or encoding the verifier does not take.
    case unverified
}

/// Whether the presented chain leads to an anchor of the trust store.
public enum ChainTrust: String, CaseIterable, Sendable {
    case none
    case trusted
    case untrusted
}

/// Judges a presented chain link by link: each certificate's issuer (next, elsewhere in the chain, in
/// the trust store, itself, or missing), its signature under that issuer's key, and whether the leaf
/// leads to a trust anchor through verified links.
enum ChainAnalysis {
    struct Link {
        var issuer: IssuerSource
        var signature: SignatureCheck
    }

    static func links(_ chain: [(der: ArraySlice<UInt8>, facts: CertificateFacts)], trustStore: TrustStore?) -> ([Link], ChainTrust) {
        let parsed = chain.map { try? Certificate(derEncoded: Array($0.der)) }
        var links: [Link] = []
        // For each certificate: the index in the chain of the issuer whose key verified it, and whether
        // a trust anchor verified it (or it is an anchor itself).
        var issuerIndex: [Int?] = []
        var anchored: [Bool] = []
        for (position, item) in chain.enumerated() {
            let facts = item.facts
            // Every candidate issuer, in the order a client looks: the next certificate, the others
            // presented, the trust store's anchors of that name. The first whose key verifies wins.
            var candidates: [(IssuerSource, Int?, Certificate?)] = []
            if position + 1 < chain.count, chain[position + 1].facts.issued(facts) {
                candidates.append((.next, position + 1, parsed[position + 1]))
            }
            for other in chain.indices where other != position && other != position + 1 && chain[other].facts.issued(facts) {
                candidates.append((.presented, other, parsed[other]))
            }
            for anchor in trustStore?.anchors(named: facts.issuer.der) ?? [] where anchor.facts.issued(facts) {
                candidates.append((.trustStore, nil, anchor.certificate))
            }
            var link = Link(issuer: .missing, signature: .unverified)
            var found: Int?
            var viaAnchor = isAnchor(item, parsed[position], trustStore: trustStore)
            if let winner = candidates.first(where: { verify(parsed[position], by: $0.2) == .valid }) {
                link = Link(issuer: winner.0, signature: .valid)
                found = winner.1
                viaAnchor = viaAnchor || winner.0 == .trustStore
            } else if facts.selfIssued {
                // A root (or a key-rollover certificate): clients do not check a root's own signature.
                let own = verify(parsed[position], by: parsed[position])
                link = Link(issuer: .itself, signature: own == .valid ? .valid : .unverified)
            } else if let first = candidates.first {
                // Named issuers exist but none verifies: invalid only when every check was possible.
                let checks = candidates.map { verify(parsed[position], by: $0.2) }
                link = Link(issuer: first.0, signature: checks.contains(.unverified) ? .unverified : .invalid)
                found = first.1
            }
            links.append(link)
            issuerIndex.append(link.signature == .invalid ? nil : found)
            anchored.append(viaAnchor)
        }
        return (links, trust(chain, links: links, issuerIndex: issuerIndex, anchored: anchored))
    }

    /// The certificate is an anchor: the same DER, or the same subject and public key (a re-issued root).
    private static func isAnchor(
        _ item: (der: ArraySlice<UInt8>, facts: CertificateFacts), _ parsed: Certificate?, trustStore: TrustStore?
    ) -> Bool {
        guard let store = trustStore else { return false }
        return store.anchors(named: item.facts.subject.der).contains { anchor in
            anchor.der.elementsEqual(item.der) || (parsed.map { $0.publicKey == anchor.certificate.publicKey } ?? false)
        }
    }

    /// From the first certificate, follows issuers through the chain: trusted when it reaches a
    /// certificate an anchor verified, or an anchor itself. A link that could not be checked
    /// (RSA-PSS, MD5, DSA) is followed; an invalid one ends the walk.
    private static func trust(
        _ chain: [(der: ArraySlice<UInt8>, facts: CertificateFacts)], links: [Link], issuerIndex: [Int?], anchored: [Bool]
    ) -> ChainTrust {
        guard !chain.isEmpty else { return .none }
        var current = 0
        var visited = Set<Int>()
        while visited.insert(current).inserted {
            if anchored[current] {
                return .trusted
            }
            guard links[current].signature != .invalid, let next = issuerIndex[current] else { return .untrusted }
            current = next
        }
        return .untrusted
    }

    /// What swift-certificates verifies (RSA-PSS, MD5 and DSA signatures stay unverified, not invalid).
    private static let verifiable: [Certificate.SignatureAlgorithm] = [
        .sha1WithRSAEncryption, .sha256WithRSAEncryption, .sha384WithRSAEncryption, .sha512WithRSAEncryption,
        .ecdsaWithSHA256, .ecdsaWithSHA384, .ecdsaWithSHA512, .ed25519,
    ]

    private static func verify(_ certificate: Certificate?, by issuer: Certificate?) -> SignatureCheck {
        guard let certificate, let issuer, verifiable.contains(certificate.signatureAlgorithm) else { return .unverified }
        return issuer.publicKey.isValidSignature(certificate.signature, for: certificate) ? .valid : .invalid
    }
}
