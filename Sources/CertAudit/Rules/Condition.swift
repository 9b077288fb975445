/// A compiled, type-checked condition: evaluating it touches no YAML.
public struct Condition: Sendable {
    let test: @Sendable (EvaluationInput) -> Bool

    public func evaluate(_ input: EvaluationInput) -> Bool {
        test(input)
    }

    public static let always = Condition { _ in true }

    static func all(_ parts: [Condition]) -> Condition {
        Condition { input in parts.allSatisfy { $0.test(input) } }
    }

    static func any(_ parts: [Condition]) -> Condition {
        Condition { input in parts.contains { $0.test(input) } }
    }

    static func not(_ part: Condition) -> Condition {
        Condition { input in !part.test(input) }
    }
}
