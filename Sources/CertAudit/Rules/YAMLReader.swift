import Yams

/// Strict reading of YAML nodes with file:line errors: unknown keys, wrong types and missing fields are
/// errors, never defaults.
struct YAMLReader {
    var file: String

    func line(_ node: Node) -> Int? {
        node.mark?.line
    }

    func error(_ node: Node?, _ message: String) -> RuleLoadError {
        RuleLoadError(file: file, line: node.flatMap(line), message: message)
    }

    func mapping(_ node: Node, _ what: String) throws(RuleLoadError) -> [(key: String, keyNode: Node, value: Node)] {
        guard case .mapping(let mapping) = node else {
            throw error(node, "\(what) must be a mapping")
        }
        var pairs: [(key: String, keyNode: Node, value: Node)] = []
        for (key, value) in mapping {
            guard case .scalar(let scalar) = key else {
                throw error(key, "\(what) has a key that is not a plain string")
            }
            if pairs.contains(where: { $0.key == scalar.string }) {
                throw error(key, "\(what) has the key '\(scalar.string)' twice")
            }
            pairs.append((scalar.string, key, value))
        }
        return pairs
    }

    /// Reads a mapping and rejects keys outside `allowed`.
    func fields(_ node: Node, _ what: String, allowed: [String], required: [String] = []) throws(RuleLoadError)
        -> [String: Node]
    {
        var result: [String: Node] = [:]
        for pair in try mapping(node, what) {
            guard allowed.contains(pair.key) else {
                throw error(
                    pair.keyNode,
                    "unknown field '\(pair.key)' in \(what); expected one of: \(allowed.joined(separator: ", "))")
            }
            result[pair.key] = pair.value
        }
        for key in required where result[key] == nil {
            throw error(node, "\(what) lacks the required field '\(key)'")
        }
        return result
    }

    func string(_ node: Node, _ what: String) throws(RuleLoadError) -> String {
        guard case .scalar(let scalar) = node else {
            throw error(node, "\(what) must be a string")
        }
        return scalar.string
    }

    func bool(_ node: Node, _ what: String) throws(RuleLoadError) -> Bool {
        guard case .scalar(let scalar) = node, let value = Bool.construct(from: scalar) else {
            throw error(node, "\(what) must be true or false")
        }
        return value
    }

    /// A date, `YYYY-MM-DD` (or a time, `YYYY-MM-DDTHH:MM:SSZ`, unless `dateOnly`); `purpose` completes
    /// the error's sentence.
    func date(_ node: Node, _ what: String, dateOnly: Bool = false, purpose: String = "") throws(RuleLoadError) -> UnixTime {
        let text = try string(node, what)
        guard !dateOnly || text.count == 10, let time = UnixTime(iso8601: text) else {
            throw error(node, "\(what) is a date, YYYY-MM-DD\(purpose) (got '\(text)')")
        }
        return time
    }

    func int(_ node: Node, _ what: String) throws(RuleLoadError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else {
            throw error(node, "\(what) must be a whole number")
        }
        return value
    }

    func sequence(_ node: Node, _ what: String) throws(RuleLoadError) -> [Node] {
        guard case .sequence(let sequence) = node else {
            throw error(node, "\(what) must be a list")
        }
        return Array(sequence)
    }

    /// A single string or a list of strings.
    func strings(_ node: Node, _ what: String) throws(RuleLoadError) -> [String] {
        if case .scalar(let scalar) = node {
            return [scalar.string]
        }
        var values: [String] = []
        for item in try sequence(node, what) {
            values.append(try string(item, "each item of \(what)"))
        }
        return values
    }
}
