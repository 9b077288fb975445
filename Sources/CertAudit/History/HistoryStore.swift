import Foundation
import GRDB

/// Scan history in SQLite (GRDB): one row per run, with the certificates seen and their findings.
/// WAL mode and a busy timeout let two runs write at once; versioned migrations; a corrupt or foreign
/// file is a clear error, never a crash.
public final class HistoryStore: Sendable {
    // DatabasePool is Sendable (GRDB 7); the class only holds it.
    private let pool: DatabasePool
    public let path: String

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public struct Run: Sendable {
        public var id: Int64
        public var startedAt: UnixTime
        public var roots: [String]
        public var profiles: [String]
        public var certificates: Int
        public var unreadable: Int
    }

    public struct CertificateRow: Sendable, Hashable {
        public var path: String
        public var index: Int
        public var sha256: String
        /// A certificate's or request's subject; a CRL's issuer ("CRL of …", as reports name it).
        public var subject: String
        /// A certificate's notAfter; a CRL's nextUpdate (its thisUpdate without one); 0 for a request.
        public var notAfter: UnixTime
        public var document: DocumentKind = .certificate
    }

    public struct FindingRow: Sendable, Hashable {
        public var path: String
        public var sha256: String
        public var ruleId: String
        public var severity: Severity
        public var message: String
        public var suppressed: Bool
    }

    static let sqliteHeader = Array("SQLite format 3\0".utf8)

    public init(path: String) throws(Failure) {
        self.path = path
        // A FIFO or device would block SQLite's open forever.
        if let reason = FileReader.notRegular(path: path) {
            throw Failure(description: "\(path): \(reason); --history takes an SQLite file")
        }
        // A non-empty file that is not SQLite at all: say so before SQLite does something worse.
        if let head = FileReader.prefix(path: path, count: HistoryStore.sqliteHeader.count), !head.isEmpty,
            head != HistoryStore.sqliteHeader
        {
            throw Failure(description: "\(path) is not an SQLite database (not a certaudit history file)")
        }
        var configuration = Configuration()
        configuration.busyMode = .timeout(15)
        configuration.foreignKeysEnabled = true
        do {
            pool = try HistoryStore.openPool(path: path, configuration: configuration)
            try pool.read { db in
                let tables = try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'")
                // Ours, or empty, or another process's migration in progress (only GRDB's table so far).
                let ours = tables.contains("certaudit_run")
                var starting = false
                if tables == ["grdb_migrations"] {
                    let applied = try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations")
                    starting = applied.allSatisfy { $0.hasPrefix("certaudit-") }
                }
                if !tables.isEmpty, !ours, !starting {
                    throw Failure(description: "\(path) is an SQLite database of something else (no certaudit tables); use another --history file")
                }
            }
            try HistoryStore.migrate(pool)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(path): cannot open the history database: \(error)")
        }
    }

    /// Opening switches a new database to WAL, which needs a moment of exclusive access that SQLite's
    /// busy timeout does not cover: when two runs create the file at once, the second retries briefly.
    private static func openPool(path: String, configuration: Configuration) throws -> DatabasePool {
        var attempt = 0
        while true {
            do {
                return try DatabasePool(path: path, configuration: configuration)
            } catch let error as DatabaseError where error.resultCode == .SQLITE_BUSY && attempt < 100 {
                attempt += 1
                usleep(50_000)
            }
        }
    }

    /// The migrator checks what is applied before it opens its write transaction, so two runs creating
    /// the file at once can both decide to migrate; the loser fails ("table already exists") and, on a
    /// retry, finds the migration applied.
    private static func migrate(_ pool: DatabasePool) throws {
        var attempt = 0
        while true {
            do {
                try migrator.migrate(pool)
                return
            } catch let error as DatabaseError where attempt < 40 {
                _ = error
                attempt += 1
                usleep(50_000)
            }
        }
    }

    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("certaudit-history-v1") { db in
            try db.execute(
                sql: """
                    CREATE TABLE certaudit_run (
                        id INTEGER PRIMARY KEY AUTOINCREMENT, startedAt INTEGER NOT NULL, roots TEXT NOT NULL,
                        profiles TEXT NOT NULL, certificates INTEGER NOT NULL, unreadable INTEGER NOT NULL,
                        durationSeconds REAL NOT NULL);
                    CREATE TABLE certaudit_certificate (
                        runId INTEGER NOT NULL REFERENCES certaudit_run(id) ON DELETE CASCADE, path TEXT NOT NULL,
                        idx INTEGER NOT NULL, sha256 TEXT NOT NULL, subject TEXT NOT NULL, notAfter INTEGER NOT NULL);
                    CREATE INDEX certaudit_certificate_run ON certaudit_certificate(runId);
                    CREATE TABLE certaudit_finding (
                        runId INTEGER NOT NULL REFERENCES certaudit_run(id) ON DELETE CASCADE, path TEXT NOT NULL,
                        sha256 TEXT NOT NULL, ruleId TEXT NOT NULL, severity TEXT NOT NULL, message TEXT NOT NULL,
                        suppressed INTEGER NOT NULL);
                    CREATE INDEX certaudit_finding_run ON certaudit_finding(runId);
                    """)
        }
        // Requests and CRLs are recorded too (issue 12): each row says what it is.
        migrator.registerMigration("certaudit-history-v2-documents") { db in
            try db.execute(sql: "ALTER TABLE certaudit_certificate ADD COLUMN document TEXT NOT NULL DEFAULT 'certificate'")
        }
        return migrator
    }

    /// Records one run in a single transaction; returns its id.
    @discardableResult
    public func record(
        startedAt: UnixTime, roots: [String], profiles: [String], summary: ScanSummary, certificates: [CertificateRow],
        findings: [FindingRow]
    ) throws(Failure) -> Int64 {
        do {
            return try pool.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO certaudit_run (startedAt, roots, profiles, certificates, unreadable, durationSeconds)
                        VALUES (?, ?, ?, ?, ?, ?)
                        """,
                    arguments: [
                        startedAt.seconds, roots.joined(separator: "\n"), profiles.joined(separator: ","),
                        summary.certificates, summary.unreadable, summary.elapsedSeconds,
                    ])
                let runId = db.lastInsertedRowID
                let certificateStatement = try db.makeStatement(
                    sql: "INSERT INTO certaudit_certificate (runId, path, idx, sha256, subject, notAfter, document) VALUES (?, ?, ?, ?, ?, ?, ?)")
                for row in certificates {
                    try certificateStatement.execute(
                        arguments: [runId, row.path, row.index, row.sha256, row.subject, row.notAfter.seconds, row.document.rawValue])
                }
                let findingStatement = try db.makeStatement(
                    sql: "INSERT INTO certaudit_finding (runId, path, sha256, ruleId, severity, message, suppressed) VALUES (?, ?, ?, ?, ?, ?, ?)")
                for row in findings {
                    try findingStatement.execute(
                        arguments: [runId, row.path, row.sha256, row.ruleId, row.severity.rawValue, row.message, row.suppressed])
                }
                return runId
            }
        } catch {
            throw Failure(description: "\(path): cannot record the run: \(error)")
        }
    }

    /// Keeps the newest `count` runs.
    public func prune(keepRuns count: Int) throws(Failure) {
        do {
            try pool.write { db in
                try db.execute(
                    sql: "DELETE FROM certaudit_run WHERE id NOT IN (SELECT id FROM certaudit_run ORDER BY id DESC LIMIT ?)",
                    arguments: [count])
            }
        } catch {
            throw Failure(description: "\(path): cannot prune old runs: \(error)")
        }
    }

    public func runs() throws(Failure) -> [Run] {
        try read("certaudit_run", sql: "SELECT * FROM certaudit_run ORDER BY id", arguments: []) { row in
            Run(
                id: try row.value("id"), startedAt: try row.time("startedAt"),
                roots: (try row.value("roots") as String).split(separator: "\n").map(String.init),
                profiles: (try row.value("profiles") as String).split(separator: ",").map(String.init),
                certificates: try row.count("certificates"), unreadable: try row.count("unreadable"))
        }
    }

    public func certificates(run: Int64) throws(Failure) -> [CertificateRow] {
        try read(
            "certaudit_certificate", sql: "SELECT * FROM certaudit_certificate WHERE runId = ? ORDER BY path, idx",
            arguments: [run]
        ) { row in
            let documentText: String = try row.value("document")
            guard let document = DocumentKind(rawValue: documentText) else {
                throw row.failure("document", "'\(documentText)' is not certificate, csr or crl")
            }
            return CertificateRow(
                path: try row.value("path"), index: try row.count("idx"), sha256: try row.value("sha256"),
                subject: try row.value("subject"), notAfter: try row.time("notAfter"), document: document)
        }
    }

    public func findings(run: Int64) throws(Failure) -> [FindingRow] {
        try read(
            "certaudit_finding", sql: "SELECT * FROM certaudit_finding WHERE runId = ? ORDER BY path, ruleId",
            arguments: [run]
        ) { row in
            let severityText: String = try row.value("severity")
            guard let severity = Severity(rawValue: severityText) else {
                throw row.failure("severity", "'\(severityText)' is not a severity")
            }
            return FindingRow(
                path: try row.value("path"), sha256: try row.value("sha256"), ruleId: try row.value("ruleId"),
                severity: severity, message: try row.value("message"), suppressed: try row.value("suppressed"))
        }
    }

    /// Fetches rows and converts each defensively: a value of the wrong type, a NULL or an out-of-range
    /// number is a `Failure` naming the table, the column and the row, never a GRDB fatal error or an
    /// arithmetic trap (the file may have been edited, or written by something else).
    private func read<Value>(
        _ table: String, sql: String, arguments: StatementArguments, _ convert: (CheckedRow) throws -> Value
    ) throws(Failure) -> [Value] {
        do {
            return try pool.read { db in
                var values: [Value] = []
                let cursor = try Row.fetchCursor(db, sql: sql, arguments: arguments)
                var number = 0
                while let row = try cursor.next() {
                    number += 1
                    values.append(try convert(CheckedRow(row: row, table: table, number: number, path: path)))
                }
                return values
            }
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(path): cannot read \(table): \(error)")
        }
    }

    /// One row read column by column with type and range checks.
    struct CheckedRow {
        var row: Row
        var table: String
        var number: Int
        var path: String

        /// 0001-01-01 to 9999-12-31, the range every date computation here is safe in.
        static let timeRange: ClosedRange<Int64> = -62_135_596_800...253_402_300_799

        func failure(_ column: String, _ reason: String) -> Failure {
            Failure(description: "\(path): table \(table), row \(number), column \(column): \(reason) (a damaged or edited history file; use another --history file)")
        }

        func value<T: DatabaseValueConvertible>(_ column: String) throws(Failure) -> T {
            let stored: DatabaseValue = row[column] ?? .null
            guard let value = T.fromDatabaseValue(stored) else {
                throw failure(column, stored.isNull ? "no value" : "\(stored) is not a \(T.self)")
            }
            return value
        }

        func time(_ column: String) throws(Failure) -> UnixTime {
            let seconds: Int64 = try value(column)
            guard CheckedRow.timeRange.contains(seconds) else {
                throw failure(column, "\(seconds) is not a time between the years 1 and 9999")
            }
            return UnixTime(seconds: seconds)
        }

        func count(_ column: String) throws(Failure) -> Int {
            let number: Int64 = try value(column)
            guard (0...Int64(Int32.max)).contains(number) else {
                throw failure(column, "\(number) is not a count")
            }
            return Int(number)
        }
    }
}

/// Collects the compact per-certificate rows a history needs while a scan streams.
public struct HistoryRecorder: Sendable {
    public private(set) var certificates: [HistoryStore.CertificateRow] = []
    public private(set) var findings: [HistoryStore.FindingRow] = []

    public init() {}

    public mutating func add(_ report: InputResult) {
        for certificate in report.certificates {
            let facts = certificate.facts
            let notAfter = facts.document == .csr ? UnixTime(seconds: 0) : facts.notAfter
            certificates.append(
                .init(
                    path: report.path, index: certificate.index, sha256: facts.sha256, subject: ReportDigest.name(of: certificate),
                    notAfter: notAfter, document: facts.document))
            for finding in certificate.findings {
                findings.append(
                    .init(
                        path: report.path, sha256: facts.sha256, ruleId: finding.ruleId, severity: finding.severity,
                        message: finding.message, suppressed: finding.suppression != nil))
            }
        }
    }
}
