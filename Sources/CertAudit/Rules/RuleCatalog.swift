#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Every loaded profile, rule and product history, from the built-in `rules/` folder and users' folders.
public struct RuleCatalog: Sendable {
    public private(set) var profiles: [Profile] = []
    public private(set) var rules: [Rule] = []
    public private(set) var products: [ProductCatalog] = []

    /// An empty catalog but for the policy's own rules (`PolicyRules`).
    public init() {
        profiles = [PolicyRules.profile]
        rules = PolicyRules.all
    }

    /// Loads `*.yaml`/`*.yml` from each folder and its `products/` subfolder (or a single file).
    public static func load(
        paths: [String], parameters: Set<String> = Set(EvaluationContext.defaultParameters.keys)
    ) throws(RuleLoadError) -> RuleCatalog {
        var catalog = RuleCatalog()
        for path in paths {
            for file in try ruleFiles(at: path) {
                try catalog.add(RuleFileLoader.load(path: file, parameters: parameters))
            }
        }
        return catalog
    }

    static func ruleFiles(at path: String) throws(RuleLoadError) -> [String] {
        var info = stat()
        guard stat(path, &info) == 0 else {
            throw RuleLoadError(file: path, line: nil, message: "rule folder or file not found")
        }
        guard InputWalker.isDirectory(info) else { return [path] }
        var files: [String] = []
        for folder in [path, path + "/products"] {
            for entry in InputWalker.entries(of: folder) ?? [] where entry.name.hasSuffix(".yaml") || entry.name.hasSuffix(".yml") {
                files.append(folder + "/" + entry.name)
            }
        }
        return files
    }

    mutating func add(_ contents: RuleFileLoader.Contents) throws(RuleLoadError) {
        switch contents {
        case .products(let catalog):
            products.append(catalog)
        case .profile(let profile, let newRules):
            if let existing = profiles.firstIndex(where: { $0.name == profile.name }) {
                // Several files may add to one profile; the first one's title and default stand.
                _ = existing
            } else {
                profiles.append(profile)
            }
            for rule in newRules {
                if let clash = rules.first(where: { $0.id == rule.id }) {
                    throw RuleLoadError(
                        file: rule.file, line: rule.line,
                        message: "rule id '\(rule.id)' is already defined at \(clash.file):\(clash.line ?? 0)")
                }
                rules.append(rule)
            }
        }
    }

    public var defaultProfileNames: [String] {
        profiles.filter(\.enabledByDefault).map(\.name)
    }

    public func rule(id: String) -> Rule? {
        rules.first { $0.id == id }
    }

    /// The rules of the chosen profiles (`all` selects every profile), minus disabled ids. Unknown profile
    /// or rule names are usage errors, reported with what exists.
    public func selecting(profiles names: [String], disabling disabled: [String]) throws(SelectionError) -> [Rule] {
        let known = profiles.map(\.name)
        var chosen = Set<String>()
        for name in names.isEmpty ? defaultProfileNames : names {
            if name == "all" {
                chosen.formUnion(known)
            } else if known.contains(name) {
                chosen.insert(name)
            } else {
                throw SelectionError(message: "unknown profile '\(name)'; known: \((known + ["all"]).joined(separator: ", "))")
            }
        }
        for id in disabled where rule(id: id) == nil {
            throw SelectionError(message: "--disable names no rule: '\(id)' (see 'certaudit rules list')")
        }
        let off = Set(disabled)
        // The policy's rules are always in force (they describe what waivers raise).
        return rules.filter { ($0.raisedByPolicy || chosen.contains($0.profile)) && !off.contains($0.id) }
    }

    public struct SelectionError: Error, Sendable, CustomStringConvertible {
        public var message: String
        public var description: String { message }
    }
}
