import ArgumentParser
import CertAudit

struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join per-host JSON reports (certaudit scan --format json) into one fleet report.",
        discussion: """
            Each host's findings, suppressions, unreadable and skipped files stand as its report gives them; \
            nothing is judged again. Paths are shown as HOST:PATH, and every format gets per-host and per-rule \
            totals. A report names its host (scan --host-name, else the machine's name); an older report \
            without one is named after its file. Exit status: 0 no finding at or above --fail-on; 1 such \
            findings; 2 usage error; 3 a report, or a file a host could not read, is unreadable.
            """
    )

    @Argument(help: ArgumentHelp("JSON reports written by certaudit scan (or by an earlier merge).", valueName: "report.json"))
    var reports: [String]

    @Option(help: "Lowest severity that makes the exit status 1.")
    var failOn: FailOnArgument = .error

    @Option(help: "Report format on standard output (or --output); --report writes the others.")
    var format: MergeFormat = .text

    @Option(help: "Write the report to this file (atomically) instead of standard output.")
    var output: String?

    @Option(
        name: .customLong("report"),
        help: ArgumentHelp("Also write a report in FORMAT to FILE (repeatable).", valueName: "FORMAT:FILE"),
        transform: ReportRequest.parse)
    var extraReports: [ReportRequest] = []

    @Option(help: ArgumentHelp("Largest report read, in bytes (K, M, G suffixes).", valueName: "size"))
    var maxReportSize: String = "1G"

    @Flag(name: .shortAndLong, help: "Text report: also list certificates without findings and skipped files.")
    var verbose = false

    func validate() throws {
        for format in extraReports.map(\.format) where MergeFormat(rawValue: format.rawValue) == nil {
            throw ValidationError("merge writes text, json, sarif, junit, csv, markdown or html; a fleet on Prometheus scrapes each host (certaudit serve)")
        }
        guard let size = ByteSize.parse(maxReportSize), (1...(4 << 30)).contains(size) else {
            throw ValidationError("--max-report-size takes a number of bytes up to 4G, e.g. 512M (got '\(maxReportSize)')")
        }
    }

    func run() throws {
        var merge = FleetMerge(reports: reports, failOn: failOn.threshold)
        merge.main = .init(format: format.format, path: output)
        merge.outputs = extraReports.map { .init(format: $0.format, path: $0.path) }
        merge.verbose = verbose
        merge.maxReportSize = ByteSize.parse(maxReportSize) ?? merge.maxReportSize
        let outcome = try merge.run()
        outcome.failures.forEach(printError)
        if outcome.status != .clean {
            throw ExitCode(outcome.status.rawValue)
        }
    }
}

/// The formats a fleet report is written in: every scan format but Prometheus's (a fleet on Prometheus
/// scrapes each host's `certaudit serve`).
enum MergeFormat: String, CaseIterable, ExpressibleByArgument {
    case text, json, sarif, junit, csv, markdown, html

    var format: ReportFormat {
        ReportFormat(rawValue: rawValue)!
    }
}
