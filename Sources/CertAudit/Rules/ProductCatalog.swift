/// A certificate that matches a product version's installer default, e.g. "Veeam ONE ≤ 10a".
public struct ProductMatch: Sendable, Hashable {
    public var vendor: String
    public var product: String
    public var versions: String
    public var citation: String

    public var label: String {
        versions.isEmpty ? product : "\(product) \(versions)"
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

    /// What users name the vendor with (`--vendor veeam`): the file's `id`, or the vendor name in lower
    /// case with other characters than letters and digits as '-'.
    public var id: String
    public var vendor: String
    public var citation: Citation
    /// What every certificate of these installers looks like (names, self-signed, key type).
    public var installerShape: Condition
    public var products: [Product]
    public var file: String

    /// Why this vendor's guidance applies to the certificate, or nil: its installer shape, a friendlyName
    /// naming one of its products, or the user's word (`--vendor`).
    public func scope(_ input: EvaluationInput) -> VendorScope? {
        if input.context.declaredVendors.contains(id) {
            return VendorScope(vendor: vendor, basis: .declared)
        }
        if installerShape.evaluate(input) {
            return VendorScope(vendor: vendor, basis: .installerShape)
        }
        if let name = input.friendlyName, products.contains(where: { $0.friendlyName?.matches(name) ?? false }) {
            return VendorScope(vendor: vendor, basis: .friendlyName)
        }
        return nil
    }

    static func defaultID(vendor: String) -> String {
        String(vendor.lowercased().map { $0.isLetter || $0.isNumber ? $0 : "-" })
    }

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
