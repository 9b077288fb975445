import Foundation
import Testing
@testable import CertAudit

/// Two recorded runs with a certificate added, one fixed and one expiring between them: the nightly
/// report lists exactly those changes. Concurrent writers and bad history files.
@Suite struct HistoryTests {
    let binary = Fixtures.executable

    func copy(_ sample: String, to path: String) throws {
        try? FileManager.default.removeItem(atPath: path)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/" + sample, toPath: path)
    }

    @Test func reportListsExactlyWhatChanged() throws {
        let folder = Fixtures.temporaryDirectory()
        let certs = folder + "/certs"
        try FileManager.default.createDirectory(atPath: certs, withIntermediateDirectories: true)
        let history = folder + "/history.sqlite"
        try copy("veeam/veeam-one-10a.crt", to: certs + "/console.crt")  // broken: will be fixed
        try copy("tls/good-rsa.crt", to: certs + "/web.crt")              // unchanged
        _ = Fixtures.run(binary, ["scan", "--at", "2026-11-01", "--history", history, certs])

        try copy("veeam/veeam-one-11a.pfx", to: certs + "/console.crt")   // replaced by a fixed one (same path)
        try copy("tls/expiring-soon.crt", to: certs + "/expiring.crt")    // added, expires 2026-12-15
        try copy("tls/cn-only.crt", to: certs + "/cn-only.crt")           // added, with a new error
        let second = Fixtures.run(
            binary, ["scan", "--at", "2026-12-01", "--history", history, "--password-file", Fixtures.samples + "/passwords.txt", certs])
        #expect(second.status == 1)

        let report = Fixtures.run(binary, ["report", "--history", history, "--format", "json", "--at", "2026-12-01"])
        #expect(report.status == 1, "new errors make the report exit 1")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(report.stdout.utf8)) as? [String: Any])
        func paths(_ key: String) -> Set<String> {
            Set((json[key] as? [[String: Any]] ?? []).compactMap { $0["path"] as? String }.map { String($0.dropFirst(certs.count + 1)) })
        }
        #expect(paths("appeared") == ["expiring.crt", "cn-only.crt"])
        #expect(paths("disappeared").isEmpty)
        #expect(paths("replaced") == ["console.crt"])
        #expect(paths("expiring") == ["expiring.crt"])
        let resolved = (json["resolvedFindings"] as! [[String: Any]]).compactMap { $0["ruleId"] as? String }
        #expect(resolved.contains("browser.ku-lacks-digital-signature"))
        let newRules = Set((json["newFindings"] as! [[String: Any]]).compactMap { $0["ruleId"] as? String })
        #expect(newRules.contains("browser.no-dns-or-ip-san"))
        #expect(newRules.contains("browser.expiring-soon"))
        #expect(!newRules.contains("browser.ku-lacks-digital-signature"))

        let markdown = Fixtures.run(binary, ["report", "--history", history, "--at", "2026-12-01"])
        #expect(markdown.stdout.contains("### Expiring"))
        #expect(markdown.stdout.contains("expiring.crt"))
        let html = Fixtures.run(binary, ["report", "--history", history, "--format", "html", "--at", "2026-12-01"])
        #expect(html.stdout.contains("id=\"new-errors\">"))

        // Retention.
        _ = Fixtures.run(binary, ["scan", "--history", history, "--keep-runs", "1", certs + "/web.crt"])
        #expect(try HistoryStore(path: history).runs().count == 1)
    }

    @Test(arguments: 1...4)
    func concurrentWritersAllLand(_ round: Int) throws {
        // Both processes also race to create the file, the hardest moment (switching it to WAL).
        let history = Fixtures.temporaryDirectory() + "/history-\(round).sqlite"
        let processes = (0..<3).map { _ -> (Process, Pipe) in
            let process = Process()
            let errors = Pipe()
            process.executableURL = URL(fileURLWithPath: binary)
            process.arguments = ["scan", "--history", history, Fixtures.samples + "/tls"]
            process.standardOutput = FileHandle.nullDevice
            process.standardError = errors
            try! process.run()
            return (process, errors)
        }
        for (process, errors) in processes {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            process.waitUntilExit()
            #expect(process.terminationStatus == 1, "scans of tls/ find errors and nothing else goes wrong: \(message)")
        }
        let runs = try HistoryStore(path: history).runs()
        #expect(runs.count == 3)
        #expect(runs.allSatisfy { $0.certificates == runs[0].certificates && $0.certificates > 0 })
    }

    @Test func corruptOrForeignHistoryIsAClearError() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("this is not a database\n", to: folder + "/garbage.sqlite")
        let garbage = Fixtures.run(binary, ["scan", "--history", folder + "/garbage.sqlite", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(garbage.status == 2)
        #expect(garbage.stderr.contains("is not an SQLite database"))
        #expect(FileManager.default.contents(atPath: folder + "/garbage.sqlite") == Data("this is not a database\n".utf8))

        _ = Fixtures.run("/usr/bin/python3", ["-c", "import sqlite3; c=sqlite3.connect('\(folder)/other.sqlite'); c.execute('create table notes(x)'); c.commit()"])
        let foreign = Fixtures.run(binary, ["report", "--history", folder + "/other.sqlite"])
        #expect(foreign.status == 2)
        #expect(foreign.stderr.contains("database of something else"))

        // A damaged certaudit history: valid header, garbage pages.
        let damaged = folder + "/damaged.sqlite"
        _ = Fixtures.run(binary, ["scan", "--history", damaged, Fixtures.samples + "/tls/good-rsa.crt"])
        var bytes = [UInt8](FileManager.default.contents(atPath: damaged)!)
        for index in 100..<min(bytes.count, 8192) { bytes[index] = 0xA5 }
        FileManager.default.createFile(atPath: damaged, contents: Data(bytes))
        try? FileManager.default.removeItem(atPath: damaged + "-wal")
        try? FileManager.default.removeItem(atPath: damaged + "-shm")
        let broken = Fixtures.run(binary, ["report", "--history", damaged])
        #expect(broken.status == 2, "\(broken.stdout)\(broken.stderr)")
        #expect(!broken.stderr.isEmpty)
    }
}
