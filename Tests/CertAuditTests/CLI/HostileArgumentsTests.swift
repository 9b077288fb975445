import Foundation
import Testing
@testable import CertAudit

/// Out-of-range numbers are usage errors naming the range (never an arithmetic trap), and every file the
/// command line opens is checked to be a regular file first (a FIFO used to hang `--history`).
@Suite struct HostileArgumentsTests {
    static let sample = Fixtures.samples + "/tls/good-rsa.crt"

    static let numeric: [([String], String)] = [
        (["scan", "--timeout", "99999999999", sample], "--timeout must be between 1 and 86400 seconds"),
        (["scan", "--timeout", "0", sample], "--timeout must be between 1 and 86400 seconds"),
        (["scan", "--max-file-size", "9999999999999G", sample], "--max-file-size takes a number of bytes up to 1G"),
        (["scan", "--max-file-size", "2G", sample], "--max-file-size takes a number of bytes up to 1G"),
        (["scan", "--expiry-days", "99999999999", sample], "--expiry-days must be between 0 and 36500"),
        (["scan", "--expiry-days=-1", sample], "--expiry-days must be between 0 and 36500"),
        (["scan", "--history", "/tmp/certaudit-unused.sqlite", "--keep-runs", "0", sample], "--keep-runs must be between 1 and 1000000"),
        (["remediate", "--dry-run", "--validity-days", "9223372036854775000", sample], "--validity-days must be between 1 and 36500 days"),
        (["report", "--history", "/tmp/certaudit-unused.sqlite", "--since", "999999999999999d"], "Nd with N from 1 to 36500"),
        (["scan", "--timeout", "99999999999999999999999", sample], "--timeout"),
    ]

    @Test(arguments: numeric.indices)
    func outOfRangeNumberIsAUsageError(_ index: Int) {
        let (arguments, message) = Self.numeric[index]
        let result = Fixtures.run(Fixtures.executable, arguments)
        #expect(result.status == 2, "\(arguments): \(result.stderr)")
        #expect(result.stderr.contains(message), "\(arguments): \(result.stderr)")
    }

    @Test func configurationExpiryDaysIsRangeChecked() {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("expiryDays: 9223372036854775807\n", to: folder + "/.certaudit.yaml")
        let result = Fixtures.run(Fixtures.executable, ["scan", folder])
        #expect(result.status == 2)
        #expect(result.stderr.contains("expiryDays (configuration) must be between 0 and 36500"), "\(result.stderr)")
    }

    @Test func aFIFOGivenForAnyFileIsRefusedWithoutHanging() throws {
        let folder = Fixtures.temporaryDirectory()
        let fifo = folder + "/fifo"
        #expect(mkfifo(fifo, 0o600) == 0)
        let cases: [[String]] = [
            ["scan", "--history", fifo, Self.sample],
            ["report", "--history", fifo],
            ["scan", "--config", fifo, Self.sample],
            ["scan", "--baseline", fifo, Self.sample],
            ["scan", "--password-file", fifo, Self.sample],
            ["remediate", "--dry-run", "--key", "reuse", "--key-file", fifo, Self.sample],
            ["remediate", "--dry-run", "--ca-cert", fifo, "--ca-key", fifo, Self.sample],
        ]
        for arguments in cases {
            let started = Date()
            let result = Fixtures.run("/usr/bin/timeout", ["-s", "KILL", "20", Fixtures.executable] + arguments)
            #expect(Date().timeIntervalSince(started) < 15, "\(arguments) hung")
            #expect(result.status == 2, "\(arguments): \(result.status) \(result.stderr)")
        }
    }

    /// A history file whose rows were edited (a string where a time belongs, an extreme integer, an
    /// unknown severity) is a clear exit 2 naming the table, never a GRDB fatal error or a trap.
    @Test(arguments: [
        ("UPDATE certaudit_run SET startedAt = 'abc'", "table certaudit_run"),
        ("UPDATE certaudit_run SET startedAt = 9223372036854775807", "table certaudit_run"),
        ("UPDATE certaudit_run SET certificates = -5", "table certaudit_run"),
        ("UPDATE certaudit_certificate SET notAfter = -9223372036854775808", "table certaudit_certificate"),
        ("UPDATE certaudit_certificate SET notAfter = x'00ff'", "table certaudit_certificate"),
        ("UPDATE certaudit_finding SET severity = 'catastrophic'", "table certaudit_finding"),
        ("UPDATE certaudit_finding SET suppressed = 'maybe'", "table certaudit_finding"),
    ])
    func damagedHistoryRowIsAClearError(_ statement: String, _ table: String) throws {
        let folder = Fixtures.temporaryDirectory()
        let history = folder + "/history.sqlite"
        for _ in 0..<2 {
            let recorded = Fixtures.run(
                Fixtures.executable, ["scan", "--history", history, Fixtures.samples + "/veeam/veeam-one-10a.crt"])
            #expect(recorded.status == 1, "\(recorded.stderr)")
        }
        // SQLite's own type affinity keeps 'abc' as text in an INTEGER column: an edit any tool can make.
        let edit = Fixtures.run(
            "/usr/bin/python3",
            ["-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(sys.argv[2]); c.commit()", history, statement])
        #expect(edit.status == 0, "\(edit.stderr)")
        let report = Fixtures.run(Fixtures.executable, ["report", "--history", history])
        #expect(report.status == 2, "\(statement): \(report.status) \(report.stdout) \(report.stderr)")
        #expect(report.stderr.contains(table), "\(report.stderr)")
        #expect(report.stderr.contains("damaged or edited history file"), "\(report.stderr)")
    }
}
