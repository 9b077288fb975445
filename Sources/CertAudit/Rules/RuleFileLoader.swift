import Foundation
import Yams

/// Reads one YAML file of rules (`profile:` at the top) or of product histories (`vendor:`).
enum RuleFileLoader {
    enum Contents {
        case profile(Profile, [Rule])
        case products(ProductCatalog)
    }

    static let ruleFields = [
        "id", "title", "severity", "citation", "documents", "applies", "check", "message", "remediation", "examples",
        "effective", "ineffective",
    ]

    static func load(path: String, parameters: Set<String>) throws(RuleLoadError) -> Contents {
        let text: String
        switch FileReader.load(path: path, limit: Limits.ruleFile) {
        case .bytes(let bytes):
            text = String(decoding: bytes, as: UTF8.self)
        case .tooLarge:
            throw RuleLoadError(file: path, line: nil, message: "rule file larger than 4 MiB")
        case .failed(let reason):
            throw RuleLoadError(file: path, line: nil, message: reason.message)
        }
        return try load(text: text, path: path, parameters: parameters)
    }

    /// Parses one rule or product file's text; `path` names it in errors and resolves its examples.
    static func load(text: String, path: String, parameters: Set<String>) throws(RuleLoadError) -> Contents {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch {
            throw RuleLoadError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        let reader = YAMLReader(file: path)
        guard let root else {
            throw RuleLoadError(file: path, line: nil, message: "empty rule file")
        }
        let keys = try reader.mapping(root, "a rule file").map(\.key)
        let compiler = ConditionCompiler(reader: reader, parameters: parameters)
        if keys.contains("profile") {
            return try loadProfile(root, reader: reader, compiler: compiler, text: text)
        }
        if keys.contains("vendor") {
            return .products(try loadProducts(root, reader: reader, compiler: compiler))
        }
        throw reader.error(root, "a rule file starts with 'profile:' (rules) or 'vendor:' (product histories)")
    }

    private static func loadProfile(_ root: Node, reader: YAMLReader, compiler: ConditionCompiler, text: String)
        throws(RuleLoadError) -> Contents
    {
        let fields = try reader.fields(
            root, "a rule file",
            allowed: ["profile", "title", "summary", "default", "documents", "applies", "scope", "at", "remediation", "rules"],
            required: ["profile", "title", "rules"])
        let name = try reader.string(fields["profile"]!, "profile")
        guard !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }) else {
            throw reader.error(fields["profile"], "a profile name uses letters, digits, '-' and '_' only")
        }
        let profile = Profile(
            name: name,
            title: try reader.string(fields["title"]!, "title"),
            summary: try fields["summary"].map { (node) throws(RuleLoadError) in try reader.string(node, "summary") } ?? "",
            enabledByDefault: try fields["default"].map { (node) throws(RuleLoadError) in try reader.bool(node, "default") }
                ?? false,
            remediation: try fields["remediation"].map { (node) throws(RuleLoadError) in
                try remediationTarget(node, reader: reader, compiler: compiler)
            },
            scope: try fields["scope"].map { (node) throws(RuleLoadError) in try reader.string(node, "scope") },
            file: reader.file)
        // 'documents:' at the top is every rule's default: certificates, requests (csr), CRLs (crl).
        let fileDocuments = try fields["documents"].map { (node) throws(RuleLoadError) in try documents(node, reader: reader) }
        // A file-level 'applies:' is every rule's applicability too (zlint's framework-level CheckApplies).
        let fileApplies = try fields["applies"].map { (node) throws(RuleLoadError) in try compiler.compile(node) }
        if fields["applies"] != nil, fields["scope"] == nil {
            throw reader.error(fields["applies"], "a rule file with 'applies:' also says in 'scope:', in words, what its rules apply to")
        }
        // 'at:' pins the time the file's examples hold at (an example that expires soon stays valid).
        let examplesAt = try fields["at"].map { (node) throws(RuleLoadError) in
            try reader.date(node, "at", purpose: " (or YYYY-MM-DDTHH:MM:SSZ): the time the examples hold at")
        }
        var rules: [Rule] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let ruleNodes = try reader.sequence(fields["rules"]!, "rules")
        for (index, node) in ruleNodes.enumerated() {
            let nextLine = index + 1 < ruleNodes.count ? ruleNodes[index + 1].mark?.line : nil
            rules.append(
                try loadRule(
                    node, profile: name, fileApplies: fileApplies, fileDocuments: fileDocuments, examplesAt: examplesAt,
                    reader: reader, compiler: compiler,
                    sourceText: sourceSlice(lines, from: node.mark?.line, to: nextLine)))
        }
        return .profile(profile, rules)
    }

    private static func sourceSlice(_ lines: [Substring], from start: Int?, to end: Int?) -> String {
        guard let start, start >= 1, start <= lines.count else { return "" }
        let stop = min(end.map { $0 - 1 } ?? lines.count, lines.count)
        var slice = lines[(start - 1)..<max(stop, start)].map(String.init)
        if let first = slice.first, let dash = first.firstIndex(of: "-") {
            slice[0] = first.replacingCharacters(in: dash...dash, with: " ")
        }
        while let last = slice.last, last.trimmingCharacters(in: .whitespaces).isEmpty {
            slice.removeLast()
        }
        let indent = slice.filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty }
            .map { $0.prefix(while: { $0 == " " }).count }.min() ?? 0
        return slice.map { String($0.dropFirst(min(indent, $0.count))) }.joined(separator: "\n")
    }

    static func remediationTarget(_ node: Node, reader: YAMLReader, compiler: ConditionCompiler) throws(RuleLoadError)
        -> RemediationTarget
    {
        let fields = try reader.fields(
            node, "remediation",
            allowed: ["keyUsage", "keyUsageCritical", "extendedKeyUsage", "validity", "friendlyName"],
            required: ["keyUsage", "extendedKeyUsage", "validity"])
        let keyUsage = try reader.fields(fields["keyUsage"]!, "remediation keyUsage", allowed: ["rsa", "ec"], required: ["rsa", "ec"])
        let rsa = try compiler.keyUsageSet(keyUsage["rsa"]!)
        let ec = try compiler.keyUsageSet(keyUsage["ec"]!)
        guard ec.isDisjoint(with: KeyUsageSet([.keyEncipherment, .dataEncipherment])) else {
            throw reader.error(keyUsage["ec"], "EC keys must not get keyEncipherment or dataEncipherment (RFC 8813)")
        }
        let ekuText = try reader.string(fields["extendedKeyUsage"]!, "extendedKeyUsage")
        guard let serverAuth = RemediationTarget.ServerAuthPolicy(rawValue: ekuText) else {
            throw reader.error(fields["extendedKeyUsage"], "extendedKeyUsage is ensure-server-auth or require-server-auth")
        }
        let validityText = try reader.string(fields["validity"]!, "validity")
        let validity: RemediationTarget.ValidityPolicy
        if validityText == "original" {
            validity = .originalLifetime
        } else if let days = Int(validityText), days > 0 {
            validity = .days(days)
        } else {
            throw reader.error(fields["validity"], "validity is 'original' or a number of days")
        }
        let nameText = try fields["friendlyName"].map { (node) throws(RuleLoadError) in try reader.string(node, "friendlyName") } ?? "keep"
        guard let friendlyName = RemediationTarget.FriendlyNamePolicy(rawValue: nameText) else {
            throw reader.error(fields["friendlyName"], "friendlyName is keep or dated")
        }
        return RemediationTarget(
            rsaKeyUsage: rsa, ecKeyUsage: ec,
            keyUsageCritical: try fields["keyUsageCritical"].map { (node) throws(RuleLoadError) in
                try reader.bool(node, "keyUsageCritical")
            } ?? true,
            serverAuth: serverAuth, validity: validity, friendlyName: friendlyName)
    }

    private static func loadRule(
        _ node: Node, profile: String, fileApplies: Condition?, fileDocuments: Set<DocumentKind>?, examplesAt: UnixTime?,
        reader: YAMLReader, compiler: ConditionCompiler, sourceText: String
    ) throws(RuleLoadError) -> Rule {
        let fields = try reader.fields(
            node, "a rule", allowed: ruleFields, required: ["id", "title", "severity", "citation", "check", "message"])
        let id = try reader.string(fields["id"]!, "id")
        func date(_ key: String) throws(RuleLoadError) -> UnixTime? {
            try fields[key].map { (node) throws(RuleLoadError) in
                try reader.date(node, key, dateOnly: true, purpose: ", compared with the certificate's notBefore")
            }
        }
        let effective = try date("effective")
        let ineffective = try date("ineffective")
        if let effective, let ineffective, ineffective <= effective {
            throw reader.error(fields["ineffective"], "ineffective must come after effective")
        }
        guard id.hasPrefix(profile + "."), id.count > profile.count + 1 else {
            throw reader.error(fields["id"], "rule id '\(id)' must start with its profile name: '\(profile).…'")
        }
        let severityText = try reader.string(fields["severity"]!, "severity")
        guard let severity = Severity(rawValue: severityText) else {
            throw reader.error(
                fields["severity"],
                "unknown severity '\(severityText)'; expected one of: \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let messageText = try reader.string(fields["message"]!, "message")
        let message: MessageTemplate
        switch MessageTemplate.compile(messageText) {
        case .success(let template): message = template
        case .failure(let unknown):
            throw reader.error(fields["message"], "message placeholder '{\(unknown.name)}' names no fact")
        }
        return Rule(
            id: id,
            title: try reader.string(fields["title"]!, "title"),
            severity: severity,
            profile: profile,
            citations: try citations(fields["citation"]!, reader: reader),
            applies: try Self.combine(
                fileApplies, fields["applies"].map { (node) throws(RuleLoadError) in try compiler.compile(node) }),
            check: try compiler.compile(fields["check"]!),
            message: message,
            remediation: try fields["remediation"].map { (node) throws(RuleLoadError) in
                try reader.string(node, "remediation")
            } ?? "",
            examples: try examples(fields["examples"], at: examplesAt, reader: reader),
            sourceText: sourceText,
            file: reader.file,
            line: node.mark?.line, effective: effective, ineffective: ineffective,
            documents: try fields["documents"].map { (node) throws(RuleLoadError) in try documents(node, reader: reader) }
                ?? fileDocuments ?? [.certificate])
    }

    /// `documents: [certificate, csr, crl]` (or one of them alone).
    private static func documents(_ node: Node, reader: YAMLReader) throws(RuleLoadError) -> Set<DocumentKind> {
        let items: [Node]
        if case .sequence(let sequence) = node {
            items = Array(sequence)
        } else {
            items = [node]
        }
        var kinds: Set<DocumentKind> = []
        for item in items {
            let text = try reader.string(item, "documents")
            guard let kind = DocumentKind(rawValue: text) else {
                throw reader.error(
                    item, "unknown document kind '\(text)'; expected one of: \(DocumentKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            kinds.insert(kind)
        }
        guard !kinds.isEmpty else { throw reader.error(node, "'documents:' names at least one kind") }
        return kinds
    }

    private static func combine(_ file: Condition?, _ rule: Condition?) -> Condition {
        switch (file, rule) {
        case (let file?, let rule?): .all([file, rule])
        case (let file?, nil): file
        case (nil, let rule?): rule
        case (nil, nil): .always
        }
    }

    static func citations(_ node: Node, reader: YAMLReader) throws(RuleLoadError) -> [Citation] {
        let items: [Node]
        if case .sequence(let sequence) = node {
            items = Array(sequence)
        } else {
            items = [node]
        }
        var citations: [Citation] = []
        for item in items {
            if case .scalar(let scalar) = item {
                citations.append(Citation(title: scalar.string, url: nil))
                continue
            }
            let fields = try reader.fields(item, "a citation", allowed: ["title", "url"], required: ["title"])
            citations.append(
                Citation(
                    title: try reader.string(fields["title"]!, "citation title"),
                    url: try fields["url"].map { (node) throws(RuleLoadError) in try reader.string(node, "citation url") }))
        }
        guard !citations.isEmpty else {
            throw reader.error(node, "a rule needs at least one citation")
        }
        return citations
    }

    /// `examples: { triggers: [...], passes: [...] }`; each entry is `PATH`, `presented:PATH`, or
    /// `{ file: PATH | pem: TEXT, presented: BOOL, message: WORDS }`.
    private static func examples(_ node: Node?, at: UnixTime?, reader: YAMLReader) throws(RuleLoadError) -> RuleExamples {
        guard let node else { return RuleExamples(at: at) }
        let fields = try reader.fields(node, "examples", allowed: ["triggers", "passes"])
        let folder = reader.file.split(separator: "/", omittingEmptySubsequences: false).dropLast()
            .joined(separator: "/")
        func resolve(_ path: String) -> String {
            path.hasPrefix("/") || folder.isEmpty ? path : folder + "/" + path
        }
        func list(_ key: String) throws(RuleLoadError) -> [RuleExamples.Example] {
            guard let list = fields[key] else { return [] }
            var examples: [RuleExamples.Example] = []
            for item in try reader.sequence(list, key) {
                if item.scalar != nil {
                    let (path, presented) = RuleExamples.parse(try reader.string(item, key))
                    examples.append(.init(source: .file(resolve(path)), presented: presented))
                    continue
                }
                let entry = try reader.fields(
                    item, "an example", allowed: ["file", "pem", "presented", "message", "handshake", "trustStore", "privateKey", "crl"])
                let source: RuleExamples.Example.Source
                switch (entry["file"], entry["pem"]) {
                case (let file?, nil): source = .file(resolve(try reader.string(file, "file")))
                case (nil, let pem?): source = .pem(try reader.string(pem, "pem"))
                default: throw reader.error(item, "an example is either a 'file' or inline 'pem'")
                }
                let message = try entry["message"].map { (node) throws(RuleLoadError) in try reader.string(node, "message") }
                if message != nil, key == "passes" {
                    throw reader.error(entry["message"], "'message' belongs to triggers: a passing example has no finding")
                }
                let key = try entry["privateKey"].map { (node) throws(RuleLoadError) in try privateKey(node, reader: reader) }
                examples.append(
                    .init(
                        source: source,
                        presented: try entry["presented"].map { (node) throws(RuleLoadError) in try reader.bool(node, "presented") } ?? false,
                        message: message, handshake: try entry["handshake"].map { (node) throws(RuleLoadError) in try handshake(node, reader: reader) },
                        trustStore: try entry["trustStore"].map { (node) throws(RuleLoadError) in resolve(try reader.string(node, "trustStore")) }))
                examples[examples.count - 1].privateKey = key
                examples[examples.count - 1].crl = try entry["crl"].map { (node) throws(RuleLoadError) in
                    resolve(try reader.string(node, "crl"))
                }
            }
            return examples
        }
        return RuleExamples(triggers: try list("triggers"), passes: try list("passes"), at: at)
    }

    /// An example's `handshake: { protocol: TLSv1.2, keyExchange: rsa, cipher: …, group: …,
    /// chromeCompatible: BOOL, requestedName: HOST }`: what a live server would have negotiated.
    private static func handshake(_ node: Node, reader: YAMLReader) throws(RuleLoadError) -> TLSHandshake {
        let fields = try reader.fields(
            node, "a handshake", allowed: ["protocol", "keyExchange", "cipher", "group", "chromeCompatible", "requestedName"],
            required: ["protocol", "keyExchange"])
        let versionText = try reader.string(fields["protocol"]!, "protocol")
        guard let version = TLSHandshake.ProtocolVersion(rawValue: versionText), version != .none else {
            throw reader.error(fields["protocol"], "protocol is one of TLSv1, TLSv1.1, TLSv1.2, TLSv1.3 (got '\(versionText)')")
        }
        let exchangeText = try reader.string(fields["keyExchange"]!, "keyExchange")
        guard let exchange = TLSHandshake.KeyExchange(rawValue: exchangeText), exchange != .none else {
            throw reader.error(fields["keyExchange"], "keyExchange is one of ecdhe, dhe, rsa, psk, other (got '\(exchangeText)')")
        }
        func text(_ key: String, _ fallback: String) throws(RuleLoadError) -> String {
            try fields[key].map { (node) throws(RuleLoadError) in try reader.string(node, key) } ?? fallback
        }
        var handshake = TLSHandshake(
            protocolVersion: version, cipher: try text("cipher", exchange == .rsa ? "AES128-GCM-SHA256" : "TLS_AES_128_GCM_SHA256"),
            keyExchange: exchange, group: try text("group", exchange == .rsa ? "" : "x25519"),
            chromeCompatible: try fields["chromeCompatible"].map { (node) throws(RuleLoadError) in try reader.bool(node, "chromeCompatible") } ?? true,
            requestedName: try text("requestedName", ""))
        handshake.acceptsTLS13 = version == .tls13
        handshake.acceptsECDHE = version == .tls12 && exchange == .ecdhe
        handshake.acceptsRSAKeyExchange = exchange == .rsa
        return handshake
    }

    /// An example's `privateKey: { match: match|mismatch|unchecked, mode: "0644", ownerDiffers: BOOL }`:
    /// the key that would lie with the certificate.
    private static func privateKey(_ node: Node, reader: YAMLReader) throws(RuleLoadError) -> PrivateKeyCheck {
        let fields = try reader.fields(node, "a private key", allowed: ["match", "mode", "ownerDiffers"], required: ["match", "mode"])
        let matchText = try reader.string(fields["match"]!, "match")
        guard let match = PrivateKeyCheck.Match(rawValue: matchText), match != .none else {
            throw reader.error(fields["match"], "match is one of match, mismatch, unchecked (got '\(matchText)')")
        }
        let modeText = try reader.string(fields["mode"]!, "mode")
        guard modeText.count == 4, let mode = UInt32(modeText, radix: 8) else {
            throw reader.error(fields["mode"], "mode is four octal digits such as \"0600\" (got '\(modeText)')")
        }
        return PrivateKeyCheck(
            path: "example.key", match: match, mode: mode,
            ownerDiffers: try fields["ownerDiffers"].map { (node) throws(RuleLoadError) in try reader.bool(node, "ownerDiffers") } ?? false,
            uncheckedReason: match == .unchecked ? "the key is encrypted (not decrypted to compare it)" : nil)
    }

    private static func loadProducts(_ root: Node, reader: YAMLReader, compiler: ConditionCompiler)
        throws(RuleLoadError) -> ProductCatalog
    {
        let fields = try reader.fields(
            root, "a product file", allowed: ["id", "vendor", "citation", "installerShape", "products"],
            required: ["vendor", "citation", "installerShape", "products"])
        var products: [ProductCatalog.Product] = []
        for node in try reader.sequence(fields["products"]!, "products") {
            let product = try reader.fields(
                node, "a product", allowed: ["id", "name", "friendlyName", "versions"], required: ["id", "name", "versions"])
            var matcher: PatternMatcher?
            if let patternNode = product["friendlyName"] {
                let pattern = try reader.string(patternNode, "friendlyName")
                do {
                    matcher = try PatternMatcher(pattern)
                } catch {
                    throw reader.error(patternNode, "invalid regular expression '\(pattern)': \(error)")
                }
            }
            var versions: [ProductCatalog.Version] = []
            for versionNode in try reader.sequence(product["versions"]!, "versions") {
                let version = try reader.fields(
                    versionNode, "a product version", allowed: ["versions", "keyUsage"], required: ["versions", "keyUsage"])
                var keyUsage: KeyUsageSet?
                if case .scalar(let scalar) = version["keyUsage"]!, scalar.string == "absent" {
                    keyUsage = nil
                } else {
                    keyUsage = try compiler.keyUsageSet(version["keyUsage"]!)
                }
                versions.append(
                    ProductCatalog.Version(versions: try reader.string(version["versions"]!, "versions"), keyUsage: keyUsage))
            }
            products.append(
                ProductCatalog.Product(
                    id: try reader.string(product["id"]!, "id"), name: try reader.string(product["name"]!, "name"),
                    friendlyName: matcher, versions: versions))
        }
        let citations = try citations(fields["citation"]!, reader: reader)
        let vendor = try reader.string(fields["vendor"]!, "vendor")
        let id = try fields["id"].map { (node) throws(RuleLoadError) in try reader.string(node, "id") }
            ?? ProductCatalog.defaultID(vendor: vendor)
        guard !id.isEmpty, id.allSatisfy({ $0.isLowercase || $0.isNumber || $0 == "-" }) else {
            throw reader.error(fields["id"] ?? fields["vendor"], "a vendor id uses lower-case letters, digits and '-' only")
        }
        return ProductCatalog(
            id: id,
            vendor: vendor,
            citation: citations[0],
            installerShape: try compiler.compile(fields["installerShape"]!),
            products: products,
            file: reader.file)
    }
}
