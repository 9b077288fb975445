import Foundation
import Testing
@testable import CertAudit

/// `scan --cache FILE`: a re-scan reads only files that changed (strace sees which files are opened),
/// judges what it reuses exactly as a cold scan does, applies time and rules afresh, re-reads what a
/// password change or a new key beside concerns, and survives a damaged or foreign cache file.
@Suite struct FactsCacheTests {
    /// A tree of `count` certificate files (copies of the samples' server certificates, in folders of
    /// 25), aged past the cache's racy window (a file changed within the last second is not kept).
    static func tree(count: Int) throws -> (root: String, files: [String]) {
        let root = Fixtures.temporaryDirectory() + "/tree"
        let sources = try FileManager.default.contentsOfDirectory(atPath: Fixtures.samples + "/tls").filter { $0.hasSuffix(".crt") }.sorted()
        var files: [String] = []
        for index in 0..<count {
            let folder = root + "/f\(index / 25)"
            try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            let file = folder + "/c\(index).pem"
            try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/" + sources[index % sources.count], toPath: file)
            files.append(file)
        }
        return (root, files)
    }

    static func age() {
        Thread.sleep(forTimeInterval: FactsCache.racySeconds.asInterval + 0.2)
    }

    /// Runs `certaudit scan ARGS --format json` and returns the exit status, the report, stderr.
    static func scanJSON(_ arguments: [String]) throws -> (Int32, [String: Any], String) {
        let result = Fixtures.run(Fixtures.executable, ["scan", "--format", "json"] + arguments)
        let report = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return (result.status, report, result.stderr)
    }

    static func cacheCounts(_ report: [String: Any]) -> (reused: Int, read: Int)? {
        guard let cache = (report["summary"] as? [String: Any])?["cache"] as? [String: Any] else { return nil }
        return (cache["reused"] as? Int ?? -1, cache["read"] as? Int ?? -1)
    }

    /// What a report says about certificates, errors and skips, without the run's own figures.
    static func verdicts(_ report: [String: Any]) throws -> String {
        let kept = ["certificates": report["certificates"] ?? NSNull(), "errors": report["errors"] ?? NSNull(), "skipped": report["skipped"] ?? NSNull()]
        return String(decoding: try JSONSerialization.data(withJSONObject: kept, options: [.sortedKeys]), as: UTF8.self)
    }

    @Test func factsComeBackExactlyAsTheParserMadeThem() throws {
        // Every sample, every container (PEM, DER, PKCS#7, PKCS#12 with the samples' passwords, keystores).
        let decoder = ContainerDecoder(passwords: Fixtures.passwords)
        let files = try FileManager.default.subpathsOfDirectory(atPath: Fixtures.samples).sorted()
        var certificates = 0
        for relative in files {
            let path = Fixtures.samples + "/" + relative
            guard case .bytes(let bytes) = FileReader.load(path: path, limit: 1 << 24) else { continue }
            let parsed = ParsedInput(decoder.decode(bytes, name: relative))
            var info = stat()
            #expect(stat(path, &info) == 0)
            let encoded = FactsCache.encodeRecord(path: path, identity: FactsCache.Identity(info), parsed: parsed)
            let record = try FactsCache.decodeRecord(encoded)
            #expect(record.path == path)
            #expect(record.identity == FactsCache.Identity(info))
            let back = try FactsCache.parsedInput(of: record)
            #expect(String(reflecting: back.certificates.map(\.facts)) == String(reflecting: parsed.certificates.map(\.facts)), "\(relative)")
            #expect(back.certificates.map { "\($0.position) \($0.container) \(String(describing: $0.friendlyName)) \($0.location)" }
                == parsed.certificates.map { "\($0.position) \($0.container) \(String(describing: $0.friendlyName)) \($0.location)" })
            #expect(back.problems.map(\.withCode) == parsed.problems.map(\.withCode), "\(relative)")
            #expect(back.skipReason == parsed.skipReason && back.certificateCount == parsed.certificateCount)
            certificates += back.certificates.count
            // Any cut of the record is an error, never a trap or a wrong record.
            for cut in stride(from: 0, to: encoded.count, by: max(1, encoded.count / 40)) {
                if let shorter = try? FactsCache.decodeRecord(Array(encoded[..<cut])) {
                    #expect(throws: BinaryReader.Malformed.self) { try FactsCache.parsedInput(of: shorter) }
                }
            }
        }
        #expect(certificates > 50)
    }

    @Test func aRescanAfterOnePercentChangedReadsExactlyThoseFiles() throws {
        let strace = "/usr/bin/strace"
        try #require(FileManager.default.isExecutableFile(atPath: strace), "run scripts/install-system-deps (installs strace)")
        let (root, files) = try Self.tree(count: 200)
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        let (_, cold, _) = try Self.scanJSON([root, "--cache", cache])
        #expect(Self.cacheCounts(cold)! == (reused: 0, read: 200))
        let attributes = try FileManager.default.attributesOfItem(atPath: cache)
        #expect((attributes[.posixPermissions] as? Int) == 0o600)

        // 1%: one file gets another certificate, one is touched (same bytes, new times); one new file,
        // one deleted.
        try FileManager.default.removeItem(atPath: files[7])
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/expired.crt", toPath: files[7])
        #expect(utimes(files[120], nil) == 0)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: root + "/f3/new.pem")
        try FileManager.default.removeItem(atPath: files[150])
        let changed: Set<String> = [files[7], files[120], root + "/f3/new.pem"]

        let trace = Fixtures.temporaryDirectory() + "/trace"
        let report = Fixtures.temporaryDirectory() + "/warm.json"
        let traced = Fixtures.run(
            strace, ["-f", "-qq", "-e", "trace=open,openat,openat2", "-o", trace, Fixtures.executable, "scan", "--format", "json", "--output", report, root, "--cache", cache])
        #expect([0, 1].contains(traced.status), "\(traced.stderr)")
        // Every file below the tree that was opened (folders are listed, not read).
        let opened = Set(
            try String(contentsOfFile: trace, encoding: .utf8).split(separator: "\n").compactMap { line -> String? in
                // Opens that succeeded (the configuration file probe finds none).
                guard let start = line.range(of: "\"" + root + "/"), !line.contains("O_DIRECTORY"), !line.contains("= -1 ") else { return nil }
                let rest = line[start.upperBound...]
                return rest.firstIndex(of: "\"").map { root + "/" + rest[..<$0] }
            })
        #expect(opened == changed)
        let warm = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: report))) as? [String: Any])
        #expect(Self.cacheCounts(warm)! == (reused: 197, read: 3))

        // What was reused is judged exactly as a scan without the cache judges it.
        let (_, fresh, _) = try Self.scanJSON([root])
        #expect(Self.cacheCounts(fresh) == nil)
        #expect(try Self.verdicts(warm) == Self.verdicts(fresh))
        let replaced = (warm["certificates"] as? [[String: Any]])?.first { $0["path"] as? String == files[7] }
        #expect((replaced?["findings"] as? [[String: Any]])?.contains { $0["ruleId"] as? String == "browser.expired" } == true)
    }

    @Test func timeAndRulesAreAppliedAfreshToReusedFacts() throws {
        let (root, _) = try Self.tree(count: 30)
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        let (_, early, _) = try Self.scanJSON([root, "--cache", cache, "--at", "2027-01-01T00:00:00Z"])
        var before = stat()
        #expect(stat(cache, &before) == 0)
        let (_, late, _) = try Self.scanJSON([root, "--cache", cache, "--at", "2099-01-01T00:00:00Z"])
        #expect(Self.cacheCounts(late)! == (reused: 30, read: 0))
        // Nothing changed: the cache file is left as it was, not rewritten.
        var after = stat()
        #expect(stat(cache, &after) == 0)
        #expect(after.st_ino == before.st_ino && after.st_mtim.tv_nsec == before.st_mtim.tv_nsec && after.st_mtim.tv_sec == before.st_mtim.tv_sec)
        #expect(try FileManager.default.contentsOfDirectory(atPath: (cache as NSString).deletingLastPathComponent) == ["facts.cache"], "no temporary file left")
        let (_, lateFresh, _) = try Self.scanJSON([root, "--at", "2099-01-01T00:00:00Z"])
        #expect(try Self.verdicts(late) == Self.verdicts(lateFresh))
        #expect(try Self.verdicts(late) != Self.verdicts(early), "expiry is judged at the new --at")
        // Another rule selection on the same cache.
        let (_, vendorOnly, _) = try Self.scanJSON([root, "--cache", cache, "--profile", "rfc5280"])
        let (_, vendorOnlyFresh, _) = try Self.scanJSON([root, "--profile", "rfc5280"])
        #expect(Self.cacheCounts(vendorOnly)! == (reused: 30, read: 0))
        #expect(try Self.verdicts(vendorOnly) == Self.verdicts(vendorOnlyFresh))
    }

    @Test func aNewPasswordSetRereadsOnlyWhatNeedsPasswords() throws {
        let folder = Fixtures.temporaryDirectory() + "/p"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/vspc-5.pfx", toPath: folder + "/vspc-5.pfx")
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/good-rsa.crt")
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        let (_, first, _) = try Self.scanJSON([folder, "--cache", cache])
        #expect(Self.cacheCounts(first)! == (reused: 0, read: 2))
        let (_, again, _) = try Self.scanJSON([folder, "--cache", cache])
        #expect(Self.cacheCounts(again)! == (reused: 2, read: 0))
        let (_, withPasswords, _) = try Self.scanJSON([folder, "--cache", cache, "--password-file", Fixtures.samples + "/passwords.txt"])
        #expect(Self.cacheCounts(withPasswords)! == (reused: 1, read: 1))
        let (_, fresh, _) = try Self.scanJSON([folder, "--password-file", Fixtures.samples + "/passwords.txt"])
        #expect(try Self.verdicts(withPasswords) == Self.verdicts(fresh))
        #expect(try Self.verdicts(withPasswords) != Self.verdicts(again), "the PKCS#12 opens with the samples' password")
        // The password never appears in the cache.
        let password = try String(contentsOfFile: Fixtures.samples + "/passwords.txt", encoding: .utf8).split(separator: "\n").first.map(String.init) ?? "-"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cache))
        #expect(bytes.range(of: Data(password.utf8)) == nil)
    }

    @Test func aKeyAppearingBesideACertificateIsCheckedAfresh() throws {
        let folder = Fixtures.temporaryDirectory() + "/k"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/good-rsa.crt", toPath: folder + "/good-rsa.crt")
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        _ = try Self.scanJSON([folder, "--cache", cache])
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/keys/good-rsa.key", toPath: folder + "/good-rsa.key")
        #expect(chmod(folder + "/good-rsa.key", 0o644) == 0)
        let (_, report, _) = try Self.scanJSON([folder, "--cache", cache])
        #expect(Self.cacheCounts(report)! == (reused: 0, read: 2))
        let certificate = (report["certificates"] as? [[String: Any]])?.first
        #expect((certificate?["privateKey"] as? [String: Any])?["match"] as? String == "match")
        #expect((certificate?["findings"] as? [[String: Any]])?.contains { $0["ruleId"] as? String == "files.private-key-exposed" } == true)
    }

    @Test func aDamagedCacheIsAWarningAndAFullRead() throws {
        let (root, _) = try Self.tree(count: 40)
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        let (coldStatus, cold, _) = try Self.scanJSON([root, "--cache", cache])
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cache)))
        bytes[bytes.count / 2] ^= 0x40
        _ = FileManager.default.createFile(atPath: cache, contents: Data(bytes))
        let (status, damaged, stderr) = try Self.scanJSON([root, "--cache", cache])
        #expect(status == coldStatus)
        #expect(stderr.contains("warning: the cache is damaged"), "\(stderr)")
        let counts = try #require(Self.cacheCounts(damaged))
        #expect(counts.reused > 0 && counts.reused < 40 && counts.reused + counts.read == 40)
        #expect(try Self.verdicts(damaged) == Self.verdicts(cold))
        // The damaged cache was replaced by a whole one.
        let (_, healed, healedErrors) = try Self.scanJSON([root, "--cache", cache])
        #expect(Self.cacheCounts(healed)! == (reused: 40, read: 0), "\(healedErrors)")

        // Cut short in the middle of a record.
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cache)))
        _ = FileManager.default.createFile(atPath: cache, contents: Data(whole[..<(whole.count * 2 / 3)]))
        let (_, cut, cutErrors) = try Self.scanJSON([root, "--cache", cache])
        #expect(cutErrors.contains("warning: the cache is damaged"))
        #expect(try Self.verdicts(cut) == Self.verdicts(cold))
    }

    /// Found by the `cache` fuzz target: a record that claims 200 MiB (the limit is 256) in a file of a
    /// few KiB made the reader allocate and clear the whole claim before reading. Now the claim costs
    /// what the file holds: the scan's peak RSS stays far below it, and the cache is reported damaged.
    @Test func aRecordClaimingMoreThanTheFileHoldsCostsOnlyWhatTheFileHolds() throws {
        let (root, _) = try Self.tree(count: 10)
        let cache = Fixtures.temporaryDirectory() + "/facts.cache"
        Self.age()
        let (coldStatus, cold, _) = try Self.scanJSON([root, "--cache", cache])
        let whole = [UInt8](try Data(contentsOf: URL(fileURLWithPath: cache)))
        // Keep the header and the first record (magic, format, three length-prefixed fields; then
        // length, record, 8-byte checksum), then the bogus record where the second one was.
        func varint(_ at: inout Int) -> Int {
            var value = 0
            var shift = 0
            while true {
                let byte = whole[at]
                at += 1
                value |= Int(byte & 0x7F) << shift
                shift += 7
                if byte < 0x80 { return value }
            }
        }
        var at = FactsCache.magic.count
        _ = varint(&at)
        for _ in 0..<3 { at += varint(&at) }
        at += varint(&at) + 8
        var bytes = Array(whole[..<at])
        var length = UInt64(200 << 20)  // LEB128, as the cache writes record lengths
        repeat {
            bytes.append(UInt8(length & 0x7F) | (length >= 0x80 ? 0x80 : 0))
            length >>= 7
        } while length > 0
        bytes += [UInt8](repeating: 0xC0, count: 4096)
        _ = FileManager.default.createFile(atPath: cache, contents: Data(bytes))
        let measured = Fixtures.run("/usr/bin/time", ["-f", "peak-rss-kb %M", Fixtures.executable, "scan", "--format", "json", root, "--cache", cache])
        #expect(measured.status == coldStatus)
        #expect(measured.stderr.contains("warning: the cache is damaged"), "\(measured.stderr)")
        let peak = measured.stderr.split(separator: "\n").first { $0.hasPrefix("peak-rss-kb ") }.flatMap { Int($0.dropFirst(12)) }
        #expect((peak ?? .max) < 120 * 1024, "peak RSS \(peak ?? -1) KiB for a record that claims 200 MiB")
        let report = try #require(try JSONSerialization.jsonObject(with: Data(measured.stdout.utf8)) as? [String: Any])
        #expect(try Self.verdicts(report) == Self.verdicts(cold))
    }

    @Test func aFileThatIsNoCacheIsNeitherUsedNorReplaced() throws {
        let (root, _) = try Self.tree(count: 5)
        let notACache = Fixtures.temporaryDirectory() + "/report.json"
        Fixtures.write("{\"an\": \"earlier report\"}\n", to: notACache)
        let (_, report, stderr) = try Self.scanJSON([root, "--cache", notACache])
        #expect(stderr.contains("is not a certaudit facts cache; it is left as it is"), "\(stderr)")
        #expect(try String(contentsOfFile: notACache, encoding: .utf8) == "{\"an\": \"earlier report\"}\n")
        #expect(Self.cacheCounts(report)! == (reused: 0, read: 5))
    }
}

extension Int64 {
    fileprivate var asInterval: TimeInterval { TimeInterval(self) }
}
