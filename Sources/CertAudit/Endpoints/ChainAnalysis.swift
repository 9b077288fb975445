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
        // For each certificate: the index of its issuer in the chain, or the anchor that issued it.
        var issuerIndex: [Int?] = []
        var anchored: [Bool] = []
        for (position, item) in chain.enumerated() {
            let facts = item.facts
            var link = Link(issuer: .missing, signature: .unverified)
            var found: Int?
            var anchor: TrustStore.Anchor?
            if facts.selfIssued {
                link.issuer = .itself
                link.signature = verify(parsed[position], by: parsed[position])
            } else if position + 1 < chain.count, chain[position + 1].facts.issued(facts) {
                link.issuer = .next
                found = position + 1
            } else if let other = chain.indices.first(where: { $0 != position && chain[$0].facts.issued(facts) }) {
                link.issuer = .presented
                found = other
            } else if let match = trustStore?.anchors(named: facts.issuer.der).first(where: { $0.facts.issued(facts) }) {
                link.issuer = .trustStore
                anchor = match
            }
            if let found {
                link.signature = verify(parsed[position], by: parsed[found])
            } else if let anchor {
                link.signature = verify(parsed[position], by: anchor.certificate)
            }
            links.append(link)
            issuerIndex.append(found)
            anchored.append(anchor != nil && link.signature == .valid)
        }
        return (links, trust(chain, links: links, issuerIndex: issuerIndex, anchored: anchored, trustStore: trustStore))
    }

    /// From the first certificate, follows verified issuers through the chain: trusted when it reaches
    /// a certificate issued by an anchor, or one that is itself an anchor.
    private static func trust(
        _ chain: [(der: ArraySlice<UInt8>, facts: CertificateFacts)], links: [Link], issuerIndex: [Int?], anchored: [Bool],
        trustStore: TrustStore?
    ) -> ChainTrust {
        guard !chain.isEmpty else { return .none }
        var current = 0
        var visited = Set<Int>()
        while visited.insert(current).inserted {
            let facts = chain[current].facts
            if let store = trustStore,
                store.anchors(named: facts.subject.der).contains(where: { $0.der.elementsEqual(chain[current].der) })
            {
                return .trusted
            }
            if anchored[current] {
                return .trusted
            }
            guard links[current].signature == .valid, let next = issuerIndex[current] else { return .untrusted }
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
