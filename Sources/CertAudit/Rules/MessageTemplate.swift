/// A message with `{fact}` placeholders, checked against `FactCatalog` at load time.
public struct MessageTemplate: Sendable {
    private enum Part: Sendable {
        case text(String)
        case fact(FactAccessor)
    }

    private let parts: [Part]
    public let source: String
    /// The facts the message shows.
    public let factNames: Set<String>

    /// Returns nil and the unknown name when a placeholder names no fact.
    static func compile(_ source: String) -> Result<MessageTemplate, UnknownPlaceholder> {
        var parts: [Part] = []
        var names = Set<String>()
        var rest = Substring(source)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else { break }
            let name = String(rest[rest.index(after: open)..<close])
            guard let fact = FactCatalog.byName[name] else {
                return .failure(UnknownPlaceholder(name: name))
            }
            if open > rest.startIndex {
                parts.append(.text(String(rest[..<open])))
            }
            parts.append(.fact(fact.accessor))
            names.insert(name)
            rest = rest[rest.index(after: close)...]
        }
        if !rest.isEmpty {
            parts.append(.text(String(rest)))
        }
        return .success(MessageTemplate(parts: parts, source: source, factNames: names))
    }

    struct UnknownPlaceholder: Error {
        var name: String
    }

    private init(parts: [Part], source: String, factNames: Set<String>) {
        self.parts = parts
        self.source = source
        self.factNames = factNames
    }

    public func render(_ input: EvaluationInput) -> String {
        var out = ""
        for part in parts {
            switch part {
            case .text(let text): out += text
            case .fact(let accessor): out += accessor.render(input)
            }
        }
        // A fact that renders empty at the end (`{tls.note}` for a file) leaves no trailing space.
        while out.last == " " {
            out.removeLast()
        }
        return out
    }
}
