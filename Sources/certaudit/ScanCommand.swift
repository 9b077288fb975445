import ArgumentParser
import CertAudit

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read certificates from files, folders or standard input and judge them.",
        discussion: """
            Exit status: 0 no finding at or above --fail-on; 1 such findings; 2 usage or rule file error;
            3 some input could not be read (findings are still reported; 3 wins over 1).
            PKCS#12 passwords: --password-file (one per line) or CERTAUDIT_PFX_PASSWORD; the empty password
            is always tried first. Passwords are never accepted on the command line.
            """
    )

    @Argument(help: "Files or folders to scan (folders recursively); '-' reads standard input.")
    var paths: [String]

    @Option(name: .customLong("profile"), help: "Rule profile (repeatable): browser, vendor, rfc5280, cabf, all… Default: browser and vendor.")
    var profiles: [String] = []

    @Option(name: .customLong("disable"), help: "Turn off a rule by id (repeatable).")
    var disabledRules: [String] = []

    @OptionGroup var ruleOptions: RuleOptions

    @Option(help: "Lowest severity that makes the exit status 1: error, warning, notice, info or never.")
    var failOn: String = "error"

    @Option(help: "Report format: text or json.")
    var format: String = "text"

    @Option(help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Option(help: "Warn about certificates expiring within this many days.")
    var expiryDays: Int = 30

    @Option(help: "Judge as of this time instead of now (YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ).")
    var at: String?

    @Option(help: "File with PKCS#12 passwords to try, one per line.")
    var passwordFile: String?

    @Option(name: .customLong("include"), help: "Only read files matching this glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Leave out files and folders matching this glob (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Follow symbolic links inside folders (loops are detected).")
    var followSymlinks = false

    @Option(help: "Skip files larger than this (bytes, or with K/M/G suffix).")
    var maxFileSize: String = "10M"

    @Flag(name: .shortAndLong, help: "Text report: also list certificates without findings and skipped files.")
    var verbose = false

    func run() throws {
        let failThreshold: Severity?
        if failOn == "never" {
            failThreshold = nil
        } else if let severity = Severity(rawValue: failOn) {
            failThreshold = severity
        } else {
            throw UsageFailure("--fail-on takes error, warning, notice, info or never (got '\(failOn)')")
        }
        guard format == "text" || format == "json" else {
            throw UsageFailure("--format takes text or json (got '\(format)')")
        }
        guard expiryDays >= 0 else {
            throw UsageFailure("--expiry-days must be 0 or more")
        }
        guard let sizeLimit = ByteSize.parse(maxFileSize) else {
            throw UsageFailure("--max-file-size takes a number of bytes, e.g. 10M or 524288 (got '\(maxFileSize)')")
        }
        var now = UnixTime.now()
        if let at {
            guard let parsed = UnixTime(iso8601: at) else {
                throw UsageFailure("--at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (got '\(at)')")
            }
            now = parsed
        }

        var parameters = EvaluationContext.defaultParameters
        parameters["expiryDays"] = expiryDays
        let catalog = try ruleOptions.loadCatalog(parameters: Set(parameters.keys))
        let rules: [Rule]
        do {
            rules = try catalog.selecting(profiles: profiles, disabling: disabledRules)
        } catch {
            throw UsageFailure(error.description)
        }
        let passwords = try PasswordOptions.candidates(passwordFile: passwordFile)

        var walk = WalkOptions()
        walk.followSymlinks = followSymlinks
        walk.includes = includes
        walk.excludes = excludes
        walk.maxFileSize = sizeLimit
        let scanner = Scanner(
            walker: InputWalker(options: walk),
            decoder: ContainerDecoder(passwords: passwords),
            auditor: Auditor(rules: rules, products: catalog.products, context: EvaluationContext(now: now, parameters: parameters)))

        let channel: OutputChannel
        if let output {
            do {
                channel = try OutputChannel.file(output)
            } catch {
                throw UsageFailure(error.description)
            }
        } else {
            channel = .standardOutput()
        }
        let writer: ReportWriter =
            format == "json"
            ? JSONReport(output: channel)
            : TextReport(
                output: channel, verbose: verbose,
                color: channel.isTerminal && ProcessInfoLite.environment["NO_COLOR"] == nil)
        let chosenProfiles = Array(Set(rules.map(\.profile))).sorted()
        writer.begin(
            ScanHeader(
                toolVersion: CertAuditVersion.current, roots: paths, profiles: chosenProfiles, referenceTime: now,
                failOn: failThreshold, rules: rules))
        let summary = scanner.run(paths, render: writer.renderer) { writer.write($0, rendered: $1) }
        writer.finish(summary)
        if let failure = channel.close() {
            printError(failure)
            throw ExitCode(ExitStatus.usage.rawValue)
        }
        let status = ExitStatus.of(summary, failOn: failThreshold)
        if status != .clean {
            throw ExitCode(status.rawValue)
        }
    }
}

enum ByteSize {
    static func parse(_ text: String) -> Int? {
        let multipliers: [Character: Int] = ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30]
        guard let last = text.uppercased().last else { return nil }
        if let multiplier = multipliers[last] {
            return Int(text.dropLast()).flatMap { $0 >= 0 ? $0 * multiplier : nil }
        }
        return Int(text).flatMap { $0 >= 0 ? $0 : nil }
    }
}
