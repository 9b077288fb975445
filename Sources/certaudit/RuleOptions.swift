import ArgumentParser
import CertAudit

#if canImport(Glibc)
    import Glibc
#endif

/// Options shared by every command that loads rules.
struct RuleOptions: ParsableArguments {
    @Option(name: .customLong("rules"), help: "Add a folder (or file) of rule YAML; repeatable.")
    var ruleFolders: [String] = []

    @Flag(help: "Do not load the built-in rule packs (only --rules).")
    var noBuiltinRules = false

    func loadCatalog(parameters: Set<String>) throws -> RuleCatalog {
        var folders: [String] = []
        if !noBuiltinRules {
            guard let builtin = BuiltinRules.locate(environment: ProcessEnvironment.environment) else {
                throw UsageFailure(
                    "cannot find the built-in rules folder; set CERTAUDIT_RULES_DIR or install rules/ to <prefix>/share/certaudit/rules")
            }
            folders.append(builtin)
        }
        folders += ruleFolders
        guard !folders.isEmpty else {
            throw UsageFailure("no rules: --no-builtin-rules needs at least one --rules folder")
        }
        do {
            return try RuleCatalog.load(paths: folders, parameters: parameters)
        } catch {
            throw UsageFailure("rule file error: \(error)")
        }
    }
}

/// The allowed values of every numeric option, checked before anything is computed with them (a value
/// out of range is a usage error naming the range, never an arithmetic trap).
enum NumericLimits {
    static let timeoutSeconds = 1...86_400
    static let concurrency = 1...1024
    static let fileTimeoutSeconds = 1...86_400
    static let expiryDays = 0...36_500
    static let keepRuns = 1...1_000_000
    static let validityDays = 1...36_500
    static let sinceDays = 1...36_500
    /// --max-file-size: a file is read into memory whole.
    static let maxFileSize = 0...(1 << 30)

    /// For `validate()`: a value out of range is a validation error (exit status 2, with the usage line).
    static func validate(_ value: Int, _ range: ClosedRange<Int>, _ option: String, unit: String = "") throws {
        if let message = outOfRange(value, range, option, unit: unit) { throw ValidationError(message) }
    }

    /// For values that come from the configuration file too, checked once it is read.
    static func check(_ value: Int, _ range: ClosedRange<Int>, _ option: String, unit: String = "") throws {
        if let message = outOfRange(value, range, option, unit: unit) { throw UsageFailure(message) }
    }

    private static func outOfRange(_ value: Int, _ range: ClosedRange<Int>, _ option: String, unit: String) -> String? {
        range.contains(value) ? nil : "\(option) must be between \(range.lowerBound) and \(range.upperBound)\(unit) (got \(value))"
    }
}

/// A usage problem: printed as one line on standard error, exit status 2.
struct UsageFailure: Error, CustomStringConvertible {
    var description: String
    init(_ message: String) { description = message }
}

func printError(_ message: String) {
    var line = Array(("certaudit: " + message + "\n").utf8)
    _ = line.withUnsafeMutableBytes { write(STDERR_FILENO, $0.baseAddress, $0.count) }
}
