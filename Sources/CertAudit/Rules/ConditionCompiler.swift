import Yams

/// Compiles the condition language into `Condition`s, checking every fact name, operator, bit name and
/// value type against `FactCatalog`. The language:
///
///     all: [cond, …]      any: [cond, …]      not: cond
///     FACT: VALUE                      equality shorthand (boolean, integer, string, enumeration)
///     FACT: { OP: VALUE, … }           every listed operator must hold
///
/// Operators by fact type: integer `eq ne lt le gt ge` (a number or `$parameter`); string and
/// enumeration `eq ne in` (and `matches` for strings: a regular expression); date `lt le gt ge`
/// (`YYYY-MM-DD`, or `$now`); list of strings `has lacks hasAny eq empty`; KeyUsage `has lacks hasAny
/// eq empty` (all false when the extension is absent).
struct ConditionCompiler {
    var reader: YAMLReader
    var parameters: Set<String>

    func compile(_ node: Node) throws(RuleLoadError) -> Condition {
        let pairs = try reader.mapping(node, "a condition")
        guard pairs.count == 1, let pair = pairs.first else {
            throw reader.error(
                node,
                "a condition is a mapping with exactly one key (all, any, not, or a fact name); use 'all:' to combine")
        }
        switch pair.key {
        case "all", "any":
            let items = try reader.sequence(pair.value, "'\(pair.key)'")
            guard !items.isEmpty else {
                throw reader.error(pair.value, "'\(pair.key)' needs at least one condition")
            }
            var parts: [Condition] = []
            for item in items {
                parts.append(try compile(item))
            }
            return pair.key == "all" ? .all(parts) : .any(parts)
        case "not":
            return .not(try compile(pair.value))
        default:
            guard let fact = FactCatalog.byName[pair.key] else {
                throw reader.error(
                    pair.keyNode,
                    "unknown fact '\(pair.key)'; run 'certaudit rules facts' for the list (or use all/any/not)")
            }
            return try predicate(fact, pair.value)
        }
    }

    private func predicate(_ fact: FactDefinition, _ node: Node) throws(RuleLoadError) -> Condition {
        var tests: [Condition] = []
        if case .scalar = node {
            tests.append(try operation(fact, "eq", node))
        } else if case .sequence = node, case .keyUsage = fact.accessor {
            tests.append(try operation(fact, "eq", node))
        } else {
            let pairs = try reader.mapping(node, "the test of '\(fact.name)'")
            guard !pairs.isEmpty else {
                throw reader.error(node, "the test of '\(fact.name)' has no operator")
            }
            for pair in pairs {
                tests.append(try operation(fact, pair.key, pair.value, keyNode: pair.keyNode))
            }
        }
        return tests.count == 1 ? tests[0] : .all(tests)
    }

    private func unknownOperator(_ fact: FactDefinition, _ op: String, _ node: Node?, allowed: [String]) -> RuleLoadError {
        reader.error(
            node,
            "operator '\(op)' does not apply to '\(fact.name)' (\(fact.accessor.typeName)); expected one of: \(allowed.joined(separator: ", "))"
        )
    }

    private func operation(_ fact: FactDefinition, _ op: String, _ value: Node, keyNode: Node? = nil) throws(RuleLoadError)
        -> Condition
    {
        let place = keyNode ?? value
        switch fact.accessor {
        case .bool(let get): return try boolOperation(fact, op, value, place: place, get: get)
        case .int(let get): return try intOperation(fact, op, value, place: place, get: get)
        case .string(let get): return try stringOperation(fact, op, value, place: place, get: get)
        case .enumeration(let values, let get):
            return try enumerationOperation(fact, op, value, place: place, values: values, get: get)
        case .date(let get): return try dateOperation(fact, op, value, place: place, get: get)
        case .strings(let vocabulary, let get):
            return try stringsOperation(fact, op, value, place: place, vocabulary: vocabulary, get: get)
        case .keyUsage(let get): return try keyUsageOperation(fact, op, value, place: place, get: get)
        }
    }

    /// `eq` on a boolean fact.
    private func boolOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, get: @escaping @Sendable (EvaluationInput) -> Bool) throws(RuleLoadError)
        -> Condition
    {
        guard op == "eq" else { throw unknownOperator(fact, op, place, allowed: ["eq"]) }
        let expected = try reader.bool(value, "'\(fact.name)'")
        return Condition { get($0) == expected }
    }

    /// `eq ne lt le gt ge` on an integer fact (a number or a `$parameter`).
    private func intOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, get: @escaping @Sendable (EvaluationInput) -> Int) throws(RuleLoadError)
        -> Condition
    {
        let operand = try intOperand(value, fact.name)
        let compare: @Sendable (Int, Int) -> Bool
        switch op {
        case "eq": compare = { $0 == $1 }
        case "ne": compare = { $0 != $1 }
        case "lt": compare = { $0 < $1 }
        case "le": compare = { $0 <= $1 }
        case "gt": compare = { $0 > $1 }
        case "ge": compare = { $0 >= $1 }
        default: throw unknownOperator(fact, op, place, allowed: ["eq", "ne", "lt", "le", "gt", "ge"])
        }
        return Condition { input in compare(get(input), operand(input)) }
    }

    /// `eq ne in matches` on a string fact.
    private func stringOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, get: @escaping @Sendable (EvaluationInput) -> String) throws(RuleLoadError)
        -> Condition
    {
        switch op {
        case "eq", "ne":
            let expected = try reader.string(value, "'\(fact.name)'")
            return op == "eq" ? Condition { get($0) == expected } : Condition { get($0) != expected }
        case "in":
            let options = Set(try reader.strings(value, "'\(fact.name)' in"))
            return Condition { options.contains(get($0)) }
        case "matches":
            let source = try reader.string(value, "'\(fact.name)' matches")
            let matcher: PatternMatcher
            do {
                matcher = try PatternMatcher(source)
            } catch {
                throw reader.error(value, "invalid regular expression '\(source)': \(error)")
            }
            return Condition { matcher.matches(get($0)) }
        default:
            throw unknownOperator(fact, op, place, allowed: ["eq", "ne", "in", "matches"])
        }
    }

    /// `eq ne in` on an enumerated fact: values are checked against its cases at load time.
    private func enumerationOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, values: [String], get: @escaping @Sendable (EvaluationInput) -> Int) throws(RuleLoadError)
        -> Condition
    {
        let names = try reader.strings(value, "'\(fact.name)'")
        var expected: [Int] = []
        for item in names {
            guard let index = values.firstIndex(of: item) else {
                throw reader.error(
                    value, "'\(item)' is not a value of '\(fact.name)'; expected one of: \(values.joined(separator: ", "))")
            }
            expected.append(index)
        }
        switch op {
        case "eq", "ne":
            guard expected.count == 1, let single = expected.first else {
                throw reader.error(value, "'\(fact.name)' \(op) takes one value; use 'in' for a list")
            }
            return op == "eq" ? Condition { get($0) == single } : Condition { get($0) != single }
        case "in":
            let options = Set(expected)
            return Condition { options.contains(get($0)) }
        default:
            throw unknownOperator(fact, op, place, allowed: ["eq", "ne", "in"])
        }
    }

    /// `lt le gt ge` on a date fact (a date or `$now`).
    private func dateOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, get: @escaping @Sendable (EvaluationInput) -> UnixTime) throws(RuleLoadError)
        -> Condition
    {
        let operand = try dateOperand(value, fact.name)
        let compare: @Sendable (UnixTime, UnixTime) -> Bool
        switch op {
        case "lt": compare = { $0 < $1 }
        case "le": compare = { $0 <= $1 }
        case "gt": compare = { $0 > $1 }
        case "ge": compare = { $0 >= $1 }
        default: throw unknownOperator(fact, op, place, allowed: ["lt", "le", "gt", "ge"])
        }
        return Condition { input in compare(get(input), operand(input)) }
    }

    /// `has lacks hasAny eq empty` on a list of strings, checked against the fact's vocabulary.
    private func stringsOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, vocabulary: Set<String>?, get: @escaping @Sendable (EvaluationInput) -> [String]) throws(RuleLoadError)
        -> Condition
    {
        if op == "empty" {
            let expected = try reader.bool(value, "'\(fact.name)' empty")
            return Condition { get($0).isEmpty == expected }
        }
        let items = try reader.strings(value, "'\(fact.name)' \(op)")
        if let vocabulary {
            for item in items where !vocabulary.contains(item) && !Self.isDottedOID(item) {
                throw reader.error(
                    value,
                    "'\(item)' is not a known value of '\(fact.name)'; expected a dotted OID or one of: \(vocabulary.sorted().joined(separator: ", "))"
                )
            }
        }
        let wanted = Set(items)
        switch op {
        case "has": return Condition { wanted.isSubset(of: get($0)) }
        case "lacks": return Condition { wanted.isDisjoint(with: get($0)) }
        case "hasAny": return Condition { !wanted.isDisjoint(with: get($0)) }
        case "eq": return Condition { Set(get($0)) == wanted }
        default: throw unknownOperator(fact, op, place, allowed: ["has", "lacks", "hasAny", "eq", "empty"])
        }
    }

    /// `has lacks hasAny eq empty` on KeyUsage: all false when the extension is absent.
    private func keyUsageOperation(_ fact: FactDefinition, _ op: String, _ value: Node, place: Node, get: @escaping @Sendable (EvaluationInput) -> KeyUsageSet?) throws(RuleLoadError)
        -> Condition
    {
        if op == "empty" {
            let expected = try reader.bool(value, "'\(fact.name)' empty")
            return Condition { input in get(input).map { $0.isEmpty == expected } ?? false }
        }
        let wanted = try keyUsageSet(value)
        let test: @Sendable (KeyUsageSet) -> Bool
        switch op {
        case "has": test = { $0.isSuperset(of: wanted) }
        case "lacks": test = { $0.isDisjoint(with: wanted) }
        case "hasAny": test = { !$0.isDisjoint(with: wanted) }
        case "eq": test = { $0 == wanted }
        default: throw unknownOperator(fact, op, place, allowed: ["has", "lacks", "hasAny", "eq", "empty"])
        }
        return Condition { input in get(input).map(test) ?? false }
    }

    func keyUsageSet(_ node: Node) throws(RuleLoadError) -> KeyUsageSet {
        var set = KeyUsageSet()
        for name in try reader.strings(node, "KeyUsage bits") {
            guard let bit = KeyUsageBit(name: name) else {
                throw reader.error(
                    node,
                    "unknown KeyUsage bit '\(name)'; expected one of: \(KeyUsageBit.allCases.map(\.name).joined(separator: ", "))"
                )
            }
            set.insert(KeyUsageSet([bit]))
        }
        return set
    }

    private func intOperand(_ node: Node, _ factName: String) throws(RuleLoadError) -> @Sendable (EvaluationInput) -> Int {
        let text = try reader.string(node, "'\(factName)' operand")
        if text.hasPrefix("$") {
            let name = String(text.dropFirst())
            guard parameters.contains(name) else {
                throw reader.error(
                    node, "unknown parameter '\(text)'; known: \(parameters.sorted().map { "$" + $0 }.joined(separator: ", "))")
            }
            return { $0.context.parameters[name] ?? 0 }
        }
        guard let value = Int(text) else {
            throw reader.error(node, "'\(factName)' is an integer fact; '\(text)' is not a whole number")
        }
        return { _ in value }
    }

    private func dateOperand(_ node: Node, _ factName: String) throws(RuleLoadError) -> @Sendable (EvaluationInput) -> UnixTime {
        let text = try reader.string(node, "'\(factName)' operand")
        if text == "$now" {
            return { $0.context.now }
        }
        guard let date = UnixTime(iso8601: text) else {
            throw reader.error(node, "'\(factName)' is a date fact; '\(text)' is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ")
        }
        return { _ in date }
    }

    static func isDottedOID(_ text: String) -> Bool {
        let arcs = text.split(separator: ".", omittingEmptySubsequences: false)
        return arcs.count >= 2 && arcs.allSatisfy { !$0.isEmpty && $0.allSatisfy(\.isNumber) }
    }
}
