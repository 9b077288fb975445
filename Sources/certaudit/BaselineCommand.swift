import ArgumentParser
import CertAudit

struct BaselineCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "baseline",
        abstract: "Record current findings so that only new ones fail a later scan.",
        subcommands: [Create.self]
    )

    struct Create: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Scan the inputs and write every finding (rule id, certificate SHA-256) and input problem (code, path) to --output.")

        @OptionGroup var options: ScanOptions

        @Option(help: "The baseline file to write (it must not exist yet).")
        var output: String

        func run() throws {
            let prepared = try options.prepare()
            var baseline = Baseline()
            var unreadable = 0
            _ = prepared.pipeline.run(prepared.inputs) { report, _ in
                baseline.add(report)
                unreadable += report.problems.count
            }
            do {
                try SafeFileWriter.createAll([.init(path: output, bytes: baseline.encoded(created: prepared.now), mode: 0o644)])
            } catch {
                throw UsageFailure("\(error)")
            }
            // Problems are accepted too (a PKCS#12 nobody has the password of): a later scan counts only new ones.
            print("wrote \(output): \(baseline.entries.count) findings, \(baseline.problems.count) input problems\(unreadable > 0 ? " (\(unreadable) could not be read)" : "")")
        }
    }
}
