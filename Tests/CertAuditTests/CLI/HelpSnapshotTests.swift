import Foundation
import Testing

/// The help of every command, as ArgumentParser renders it at 100 columns, is compared with the
/// snapshot in Tests/CertAuditTests/CLI/Help/ (regenerate with CERTAUDIT_UPDATE_SNAPSHOTS=1 and review
/// the diff). Closed value sets are listed by the parser itself, and the parser does all the wrapping.
@Suite struct HelpSnapshotTests {
    static let commands = [
        "scan", "serve", "merge", "remediate", "baseline create", "report", "rules list", "rules explain", "rules test", "rules facts",
        "problems",
    ]
    static let folder = Fixtures.repositoryRoot + "/Tests/CertAuditTests/CLI/Help"

    @Test(arguments: commands)
    func helpMatchesItsSnapshot(_ command: String) throws {
        let result = Fixtures.run(
            Fixtures.executable, ["help"] + command.split(separator: " ").map(String.init),
            environment: ["COLUMNS": "100", "LINES": "50"])
        #expect(result.status == 0, "\(result.stderr)")
        let help = result.stdout
        let path = Self.folder + "/" + command.replacingOccurrences(of: " ", with: "-") + ".txt"
        if ProcessInfo.processInfo.environment["CERTAUDIT_UPDATE_SNAPSHOTS"] == "1" {
            try help.write(toFile: path, atomically: true, encoding: .utf8)
        }
        let snapshot = try String(contentsOfFile: path, encoding: .utf8)
        #expect(help == snapshot, "help for '\(command)' differs from \(path)")
        // No hand-made line breaks: every line but the usage line fits the width the parser wrapped to.
        for line in help.split(separator: "\n") where !line.hasPrefix("USAGE:") {
            #expect(line.count <= 100, "\(command): \(line)")
        }
    }

    @Test func closedValueSetsAreListedByTheParser() {
        func help(_ command: String) -> String {
            let text = Fixtures.run(Fixtures.executable, ["help", command], environment: ["COLUMNS": "100", "LINES": "50"]).stdout
            return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        }
        let scan = help("scan")
        #expect(scan.contains("values: error, warning, notice, info, never"), "\(scan)")
        #expect(scan.contains("values: text, json"))
        let remediate = help("remediate")
        #expect(remediate.contains("values: rsa-2048, rsa-3072, rsa-4096, ec-p256, ec-p384"), "\(remediate)")
        #expect(remediate.contains("values: new, reuse"))
        let wrong = Fixtures.run(Fixtures.executable, ["scan", "--fail-on", "critical", Fixtures.samples])
        #expect(wrong.status == 2)
        #expect(wrong.stderr.contains("'critical'"), "\(wrong.stderr)")
    }
}
