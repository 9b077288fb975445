import ArgumentParser
import CertAudit

struct ScanCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Read certificates from files, folders, standard input or live servers and judge them.",
        discussion: """
            Exit status: 0 no finding at or above --fail-on; 1 such findings; 2 usage, rule file or \
            configuration error; 3 some input could not be read (findings are still reported; 3 wins over 1). \
            Findings and input problems in --baseline or waived in the configuration are reported but do not \
            count. PKCS#12 passwords: --password-file (one per line) or CERTAUDIT_PFX_PASSWORD; the empty \
            password is always tried first. Passwords are never accepted on the command line.
            """
    )

    @OptionGroup var options: ScanOptions

    @Option(help: "Lowest severity that makes the exit status 1 (default: the configuration's, else error).")
    var failOn: FailOnArgument?

    @Option(help: "Report format on standard output (or --output); --report writes the others.")
    var format: MainFormatArgument = .text

    @Option(help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Option(
        name: .customLong("report"),
        help: ArgumentHelp(
            "Also write a report in FORMAT to FILE (repeatable).", discussion: "FORMAT: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")).",
            valueName: "FORMAT:FILE"),
        transform: ReportRequest.parse)
    var reports: [ReportRequest] = []

    @Option(help: "Findings and input problems recorded in this baseline (certaudit baseline create) do not count.")
    var baseline: String?

    @Option(help: "Record this run in an SQLite history file (for certaudit report).")
    var history: String?

    @Option(help: "With --history: keep only the newest N runs.")
    var keepRuns: Int?

    @Option(
        help: ArgumentHelp(
            "Keep what each file held in FILE and reuse it for files that did not change since.",
            discussion: "Unchanged: same device, inode, size, mtime and ctime. Facts are kept, not findings: rules, --at, baselines and waivers apply afresh. Files with a private key in or beside them are always read. A damaged cache is a warning, then a full read.",
            valueName: "FILE"))
    var cache: String?

    @Flag(name: .shortAndLong, help: "Text report: also list certificates without findings and skipped files.")
    var verbose = false

    @Option(help: ArgumentHelp("The host name the JSON report carries, for certaudit merge (default: this machine's name).", valueName: "name"))
    var hostName: String?

    func validate() throws {
        if let hostName {
            guard !hostName.isEmpty, hostName.utf8.count <= 253, !hostName.utf8.contains(where: { $0 < 0x20 || $0 == 0x7f }) else {
                throw ValidationError("--host-name takes a name of 1 to 253 characters without control characters")
            }
        }
        if let keepRuns {
            guard history != nil else { throw ValidationError("--keep-runs goes with --history") }
            try NumericLimits.validate(keepRuns, NumericLimits.keepRuns, "--keep-runs")
        }
    }

    func run() throws {
        let prepared = try options.prepare()
        var failOn = self.failOn ?? .error
        if self.failOn == nil, let configured = prepared.configuration?.failOn {
            failOn = try FailOnArgument.configured(configured)
        }
        var pipeline = prepared.pipeline
        pipeline.cachePath = cache
        var session = ScanSession(
            pipeline: pipeline, inputs: prepared.inputs, rules: prepared.rules, referenceTime: prepared.now,
            failOn: failOn.threshold)
        session.main = .init(format: format.format, path: output)
        session.reports = reports.map { .init(format: $0.format, path: $0.path) }
        session.verbose = verbose
        if let hostName {
            session.hostName = hostName
        }
        session.baselinePath = baseline ?? prepared.configuration?.baseline
        session.waivers = prepared.configuration?.waivers ?? []
        session.configurationPath = prepared.configurationPath
        session.historyPath = history
        session.keepRuns = keepRuns
        let outcome = try session.run()
        outcome.summary.warnings.forEach { printError("warning: " + $0) }
        outcome.failures.forEach(printError)
        if outcome.status != .clean {
            throw ExitCode(outcome.status.rawValue)
        }
    }
}

extension FailOnArgument {
    /// The configuration file's `failOn` (checked when the file was loaded).
    static func configured(_ text: String) throws -> FailOnArgument {
        guard let value = FailOnArgument(rawValue: text) else {
            throw UsageFailure("configuration error: failOn is error, warning, notice, info or never (got '\(text)')")
        }
        return value
    }
}

enum ByteSize {
    /// Bytes, or nil for text that is not a size or does not fit an Int.
    static func parse(_ text: String) -> Int? {
        SuffixedNumber.parse(text.uppercased(), units: ["K": 1 << 10, "M": 1 << 20, "G": 1 << 30])
    }
}

/// A non-negative decimal number with an optional unit suffix (`10M`, `15m`), times the unit's
/// multiplier; nil for anything else or an overflow. A number without a suffix counts as 1 each.
enum SuffixedNumber {
    static func parse(_ text: String, units: [Character: Int]) -> Int? {
        guard let last = text.last else { return nil }
        let (digits, unit) = units[last].map { (text.dropLast(), $0) } ?? (Substring(text), 1)
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else { return nil }
        let (value, overflow) = count.multipliedReportingOverflow(by: unit)
        return overflow ? nil : value
    }
}
