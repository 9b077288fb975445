import Foundation
import Testing
@testable import CertAudit

/// Subjects, friendly names, paths and PEM labels are attacker controlled: they reach text and Markdown
/// reports with control characters escaped, CSV cells cannot become formulas, and every report says
/// which configuration file was applied.
@Suite struct ReportInjectionTests {
    /// A certificate whose CN carries a clear-screen sequence, an OSC 52 clipboard write and a BEL, made
    /// by `openssl req -utf8` (KeyUsage {keyAgreement}, so it has a finding and is listed).
    static func hostileCertificate(in folder: String) -> String {
        let path = folder + "/evil.pem"
        let cn = "evil\u{1b}[2J\u{1b}]52;c;ZXZpbA==\u{07}\u{9b}31m\u{202e}moc.elpmaxe"
        Fixtures.openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", "/dev/null", "-subj",
            "/CN=" + cn, "-utf8", "-days", "1", "-addext", "keyUsage=keyAgreement", "-out", path,
        ])
        return path
    }

    static let controls: [UInt8] = [0x1b, 0x07, 0x9b]

    @Test func textAndMarkdownShowControlCharactersEscaped() throws {
        let folder = Fixtures.temporaryDirectory()
        let certificate = Self.hostileCertificate(in: folder)
        // A file name and a PEM label with escape sequences too.
        let named = folder + "/name\u{1b}]0;owned\u{07}.pem"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: named)
        Fixtures.write("-----BEGIN \u{1b}[31mKEY-----\nAAAA\n-----END \u{1b}[31mKEY-----\n", to: folder + "/label.pem")

        let text = Fixtures.run(Fixtures.executable, ["scan", "--verbose", "--report", "markdown:" + folder + "/r.md", folder])
        let markdown = try String(contentsOfFile: folder + "/r.md", encoding: .utf8)
        for (name, output) in [("text", text.stdout), ("markdown", markdown)] {
            let bytes = Array(output.utf8)
            #expect(!bytes.contains(0x1b) && !bytes.contains(0x07), "\(name) carries raw control characters")
            #expect(!output.unicodeScalars.contains { $0.value == 0x9b || $0.value == 0x202e }, "\(name): C1 or bidi override")
        }
        #expect(text.stdout.contains("evil\\x1b[2J\\x1b]52"), "\(text.stdout)")
        #expect(text.stdout.contains("\\u{9b}31m\\u{202e}moc.elpmaxe"))
        #expect(text.stdout.contains("name\\x1b]0;owned\\x07.pem"))
        #expect(text.stdout.contains("\\x1b[31mKEY"), "the PEM label in the skip reason")
        #expect(markdown.contains("evil\\x1b[2J"), "\(markdown)")
        _ = certificate
    }

    @Test func csvCellsCannotBecomeFormulas() {
        for formula in ["=HYPERLINK(\"http://x\")", "+1+2", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"] {
            let cell = CSVReport.field(formula)
            #expect(cell.hasPrefix("'") || cell.hasPrefix("\"'"), "\(formula) → \(cell)")
        }
        #expect(CSVReport.field("CN=www.example.com") == "CN=www.example.com")
        #expect(CSVReport.field("a,b") == "\"a,b\"")
        let report = InputResult(path: "=cmd|' /C calc'!A0", problem: InputProblem(.fileOpenFailed, "@evil"))
        let writer = CSVReport(output: OutputChannel.standardOutput())
        let row = String(decoding: writer.renderer(report), as: UTF8.self)
        #expect(row.hasPrefix("'=cmd|"), "\(row)")
        #expect(row.contains(",'@evil"), "\(row)")
    }

    @Test func everyReportNamesTheConfigurationThatWasApplied() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: folder + "/vone.crt")
        // A folder that waives its own findings: the feature stays, but the reports must say so.
        Fixtures.write("failOn: never\n", to: folder + "/.certaudit.yaml")
        let config = folder + "/.certaudit.yaml"
        let result = Fixtures.run(
            Fixtures.executable,
            ["scan", "--report", "json:" + folder + "/r.json", "--report", "sarif:" + folder + "/r.sarif", "--report",
             "markdown:" + folder + "/r.md", "--report", "html:" + folder + "/r.html", folder])
        #expect(result.status == 0, "failOn: never was applied")
        #expect(result.stdout.hasPrefix("configuration: \(config) (applied)\n"), "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.json"))) as? [String: Any])
        #expect(json["configuration"] as? String == config)
        let sarif = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: folder + "/r.sarif"))) as? [String: Any])
        let run = try #require((sarif["runs"] as? [[String: Any]])?.first)
        let invocation = try #require((run["invocations"] as? [[String: Any]])?.first)
        #expect((invocation["properties"] as? [String: Any])?["configuration"] as? String == config)
        #expect(try String(contentsOfFile: folder + "/r.md", encoding: .utf8).contains("Configuration applied: `\(config)`"))
        #expect(try String(contentsOfFile: folder + "/r.html", encoding: .utf8).contains("Configuration applied: <code>\(config)</code>"))

        // --no-config: the folder's file is ignored, so its finding fails the gate again.
        let ignored = Fixtures.run(Fixtures.executable, ["scan", "--no-config", "--format", "json", folder])
        #expect(ignored.status == 1, "\(ignored.stdout)")
        let plain = try #require(try JSONSerialization.jsonObject(with: Data(ignored.stdout.utf8)) as? [String: Any])
        #expect(plain["configuration"] is NSNull)
        let both = Fixtures.run(Fixtures.executable, ["scan", "--no-config", "--config", config, folder])
        #expect(both.status == 2)
        #expect(both.stderr.contains("--no-config and --config exclude each other"), "\(both.stderr)")
    }

    @Test func aFileSwappedForASymlinkAfterTheListingIsNotRead() throws {
        // The walk listed a regular file; by the time it is opened it is a link. Without --follow-symlinks
        // the open uses O_NOFOLLOW (the walk item stands for the listing; the link for the swap).
        let folder = Fixtures.temporaryDirectory()
        let link = folder + "/server.pem"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: Fixtures.samples + "/tls/good-rsa.crt")
        var walk = WalkOptions()
        let scanner = { (walk: WalkOptions) in
            AuditPipeline(walker: InputWalker(options: walk), decoder: ContainerDecoder(), auditor: Fixtures.auditor())
        }
        let refused = scanner(walk).report(for: .file(path: link, inTree: true))
        #expect(refused.certificates.isEmpty)
        #expect(refused.problems.map(\.code) == [.fileLinkSwapped], "\(refused.problems)")
        walk.followSymlinks = true
        #expect(scanner(walk).report(for: .file(path: link, inTree: true)).certificates.count == 1)
        #expect(scanner(WalkOptions()).report(for: .file(path: link, inTree: false)).certificates.count == 1, "a link named on the command line is read")
    }
}
