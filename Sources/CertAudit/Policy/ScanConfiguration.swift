import Yams

/// `.certaudit.yaml` (at the scan root, or `--config FILE`): defaults for a repository or host that
/// command-line flags override. Unknown keys and wrong types are errors naming the key (exit 2).
public struct ScanConfiguration: Sendable {
    public var profiles: [String]?
    public var failOn: String?
    public var includes: [String]?
    public var excludes: [String]?
    public var expiryDays: Int?
    /// Rule folders, resolved against the configuration file's folder.
    public var ruleFolders: [String]?
    public var baseline: String?
    /// Vendor ids whose guidance applies to every certificate (`vendor: [veeam]`).
    public var vendors: [String]?
    public var waivers: [Waiver] = []
    public var file: String

    public static let fileName = ".certaudit.yaml"

    static let keys = ["profiles", "vendor", "failOn", "include", "exclude", "expiryDays", "rules", "baseline", "waivers"]

    /// `.certaudit.yaml` in the first input when it is a folder.
    public static func locate(inputs: [ScanInput]) -> String? {
        guard let first = inputs.first?.filePath else { return nil }
        let candidate = (first.hasSuffix("/") ? first : first + "/") + fileName
        if case .bytes = FileReader.load(path: candidate, limit: Limits.smallFile) {
            return candidate
        }
        return nil
    }

    public static func load(_ path: String) throws(RuleLoadError) -> ScanConfiguration {
        let text: String
        switch FileReader.load(path: path, limit: Limits.smallFile) {
        case .bytes(let bytes): text = String(decoding: bytes, as: UTF8.self)
        case .tooLarge: throw RuleLoadError(file: path, line: nil, message: "configuration larger than 1 MiB")
        case .failed(let problem): throw RuleLoadError(file: path, line: nil, message: problem.message)
        }
        return try parse(text: text, path: path)
    }

    /// Parses a configuration's text; `path` names it in errors and resolves relative paths.
    public static func parse(text: String, path: String) throws(RuleLoadError) -> ScanConfiguration {
        let reader = YAMLReader(file: path)
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            throw RuleLoadError(file: path, line: nil, message: "not valid YAML: \(error)")
        }
        var configuration = ScanConfiguration(file: path)
        guard let node else { return configuration }
        let fields = try reader.fields(node, "the configuration", allowed: keys)
        let folder = path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
        func resolve(_ relative: String) -> String {
            relative.hasPrefix("/") ? relative : folder + "/" + relative
        }
        if let value = fields["profiles"] { configuration.profiles = try reader.strings(value, "profiles") }
        if let value = fields["vendor"] { configuration.vendors = try reader.strings(value, "vendor") }
        if let value = fields["failOn"] {
            let text = try reader.string(value, "failOn")
            guard text == "never" || Severity(rawValue: text) != nil else {
                throw reader.error(value, "failOn is error, warning, notice, info or never (got '\(text)')")
            }
            configuration.failOn = text
        }
        if let value = fields["include"] { configuration.includes = try reader.strings(value, "include") }
        if let value = fields["exclude"] { configuration.excludes = try reader.strings(value, "exclude") }
        if let value = fields["expiryDays"] { configuration.expiryDays = try reader.int(value, "expiryDays") }
        if let value = fields["rules"] { configuration.ruleFolders = try reader.strings(value, "rules").map(resolve) }
        if let value = fields["baseline"] { configuration.baseline = resolve(try reader.string(value, "baseline")) }
        if let value = fields["waivers"] {
            for item in try reader.sequence(value, "waivers") {
                let waiver = try reader.fields(
                    item, "a waiver", allowed: ["rule", "problem", "fingerprint", "path", "reason", "expires"], required: ["reason"])
                let fingerprint = try waiver["fingerprint"].map { (node) throws(RuleLoadError) in try reader.string(node, "fingerprint") }
                let glob = try waiver["path"].map { (node) throws(RuleLoadError) in try reader.string(node, "path") }
                guard fingerprint != nil || glob != nil else {
                    throw reader.error(item, "a waiver needs 'fingerprint' or 'path' (a glob) to say what it covers")
                }
                let expires = try waiver["expires"].map { (node) throws(RuleLoadError) in try reader.date(node, "expires") }
                let reason = try reader.string(waiver["reason"]!, "reason")
                switch (waiver["rule"], waiver["problem"]) {
                case (let rule?, nil):
                    configuration.waivers.append(
                        Waiver(
                            ruleId: try reader.string(rule, "rule"), fingerprint: fingerprint, pathGlob: glob,
                            reason: reason, expires: expires))
                case (nil, let problem?):
                    let text = try reader.string(problem, "problem")
                    guard let code = InputProblem.Code(rawValue: text) else {
                        throw reader.error(
                            problem, "unknown problem code '\(text)' (certaudit problems lists them)")
                    }
                    guard let glob, fingerprint == nil else {
                        throw reader.error(item, "a problem waiver names the files it covers with 'path' (a glob), not 'fingerprint'")
                    }
                    configuration.waivers.append(Waiver(problem: code, pathGlob: glob, reason: reason, expires: expires))
                default:
                    throw reader.error(item, "a waiver names either a 'rule' or a 'problem' (an input problem code)")
                }
            }
        }
        return configuration
    }
}
