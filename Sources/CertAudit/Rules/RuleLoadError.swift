/// A rule or product file that cannot be used, with the place and what was expected. A bad rule file
/// stops the run (exit 2): a rule that silently passed everything would be worse than no rule.
public struct RuleLoadError: Error, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int?
    public var message: String

    public init(file: String, line: Int?, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    public var description: String {
        if let line {
            return "\(file):\(line): \(message)"
        }
        return "\(file): \(message)"
    }
}
