import ArgumentParser
import CertAudit

/// `--vendor ID`: the host runs this vendor's products, so its guidance applies to every certificate.
struct VendorOptions: ParsableArguments {
    @Option(
        name: .customLong("vendor"),
        help: "The host runs this vendor's products (repeatable; e.g. veeam): vendor rules then judge every certificate, not only those a product history recognises.")
    var vendors: [String] = []

    /// The declared vendor ids (the flags, else the configuration's `vendor:`), checked against the
    /// product histories that are loaded.
    func declared(catalog: RuleCatalog, configured: [String]?) throws -> Set<String> {
        let names = vendors.isEmpty ? (configured ?? []) : vendors
        let known = catalog.products.map(\.id)
        for name in names where !known.contains(name) {
            throw UsageFailure(
                "unknown vendor '\(name)'; known: \(known.isEmpty ? "none (no product histories loaded)" : known.joined(separator: ", "))")
        }
        return Set(names)
    }
}
