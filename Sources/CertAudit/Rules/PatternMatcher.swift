/// A regular expression compiled once at load time and shareable across worker threads.
final class PatternMatcher: @unchecked Sendable {
    // Regex values are immutable; matching does not mutate shared state.
    private let regex: Regex<AnyRegexOutput>
    let source: String

    init(_ source: String) throws {
        regex = try Regex(source)
        self.source = source
    }

    func matches(_ text: String) -> Bool {
        (try? regex.firstMatch(in: text)) != nil
    }
}
