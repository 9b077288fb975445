/// A certificate that matches a product version's installer default, e.g. "Veeam ONE ≤ 10a".
public struct ProductMatch: Sendable, Hashable {
    public var vendor: String
    public var product: String
    public var versions: String
    public var citation: String

    public var label: String {
        "\(product) \(versions)"
    }
}

/// Product version histories from `rules/products/*.yaml`: which KeyUsage each version's installer
/// wrote, and the naming shape its certificates share.
public struct ProductCatalog: Sendable {
    public struct Version: Sendable {
        public var versions: String
        /// nil: the installer wrote no KeyUsage extension.
        public var keyUsage: KeyUsageSet?
    }

    public struct Product: Sendable {
        public var id: String
        public var name: String
        /// Narrows a match when the certificate carries a PKCS#12 friendlyName.
        var friendlyName: PatternMatcher?
        public var versions: [Version]
    }

    public var vendor: String
    public var citation: Citation
    /// What every certificate of these installers looks like (names, self-signed, key type).
    public var installerShape: Condition
    public var products: [Product]
    public var file: String

    public func matches(_ input: EvaluationInput) -> [ProductMatch] {
        guard installerShape.evaluate(input) else { return [] }
        var candidates = products
        if let name = input.friendlyName {
            let named = products.filter { $0.friendlyName?.matches(name) ?? false }
            if !named.isEmpty {
                candidates = named
            }
        }
        let keyUsage = input.facts.keyUsage?.bits
        var matches: [ProductMatch] = []
        for product in candidates {
            for version in product.versions where version.keyUsage == keyUsage {
                matches.append(
                    ProductMatch(
                        vendor: vendor, product: product.name, versions: version.versions,
                        citation: citation.url ?? citation.title))
            }
        }
        return matches
    }
}
