import ArgumentParser
import CertAudit

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "The nightly digest: what changed between recorded runs (certaudit scan --history).",
        discussion: "Exit status: 0, or 1 when the latest run has new errors; 2 usage or history file error."
    )

    @Option(help: "The SQLite history file written by 'certaudit scan --history'.")
    var history: String

    @Option(
        help: ArgumentHelp(
            "Compare the latest run with: last (the run before), Nd (the last run N days before), or a date.",
            valueName: "last|Nd|YYYY-MM-DD"),
        transform: HistoryDiff.Since.parse)
    var since: HistoryDiff.Since = .last

    @Option(help: "Report format.")
    var format: HistoryReport.Format = .markdown

    @Option(help: "Write to this file (atomically) instead of standard output.")
    var output: String?

    @OptionGroup var clock: ClockOptions

    func run() throws {
        let now = clock.now
        let diff: HistoryDiff
        do {
            let store = try HistoryStore(path: history)
            diff = try HistoryDiff.compute(store: store, since: since, now: now)
        } catch let failure as HistoryStore.Failure {
            throw UsageFailure(failure.description)
        } catch let failure as HistoryDiff.Failure {
            throw UsageFailure(failure.description)
        }
        let text = HistoryReport.render(diff, format: format)
        let channel: OutputChannel
        do {
            channel = try output.map { try OutputChannel.file($0) } ?? .standardOutput()
        } catch {
            throw UsageFailure("\(error)")
        }
        channel.write(text)
        if let failure = channel.close() {
            throw UsageFailure(failure)
        }
        if diff.newErrors > 0 {
            throw ExitCode(1)
        }
    }
}
