import Foundation
import Testing
@testable import CertAudit

/// Bad input gives a clear per-file error (or a skip) and the scan goes on.
@Suite struct BadInputTests {
    static let goodPEM: String = {
        String(decoding: FileManager.default.contents(atPath: Fixtures.samples + "/tls/good-rsa.crt")!, as: UTF8.self)
    }()

    func scanFolder(_ build: (String) -> Void, walk: WalkOptions = WalkOptions()) -> [String: InputResult] {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(Self.goodPEM, to: folder + "/good.pem")
        build(folder)
        let (reports, _) = Fixtures.scan([folder], walk: walk)
        var byName: [String: InputResult] = [:]
        for report in reports {
            byName[String(report.path.dropFirst(folder.count + 1))] = report
        }
        #expect(byName["good.pem"]?.certificates.count == 1, "the good file must still be read")
        return byName
    }

    @Test func truncatedAndCorruptPEM() {
        let half = String(Self.goodPEM.prefix(Self.goodPEM.count / 2))
        let reports = scanFolder { folder in
            Fixtures.write(half, to: folder + "/truncated.pem")
            Fixtures.write("-----BEGIN CERTIFICATE-----\nMIIB!!!!\n-----END CERTIFICATE-----\n", to: folder + "/badbase64.pem")
            Fixtures.write("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n", to: folder + "/notder.pem")
        }
        #expect(reports["truncated.pem"]?.problems.map(\.code) == [.pemTruncated])
        #expect(reports["truncated.pem"]?.problems.first?.location == "CERTIFICATE block at line 1")
        #expect(reports["badbase64.pem"]?.problems.map(\.code) == [.pemBadBase64])
        // "AAAA" is three zero bytes: a DER element (tag 0, length 0), but not a certificate.
        #expect(reports["notder.pem"]?.problems.map(\.code) == [.certificateUnparsable])
        #expect(reports["notder.pem"]?.problems.first?.path.hasSuffix("/notder.pem") == true)
    }

    @Test func pemBundleWithOneBadBlockKeepsTheGoodOnes() throws {
        let folder = Fixtures.temporaryDirectory()
        let bundle = "header text\n" + Self.goodPEM + "\nbetween\n-----BEGIN CERTIFICATE-----\n@@@@\n-----END CERTIFICATE-----\n"
            + Self.goodPEM.replacingOccurrences(of: "\n", with: "\r\n")
        Fixtures.write(bundle, to: folder + "/bundle.pem")
        let report = Fixtures.report(for: folder + "/bundle.pem")
        #expect(report.certificates.count == 2)
        #expect(report.certificates.map(\.index) == [0, 1])
        #expect(report.problems.map(\.code) == [.pemBadBase64])
        #expect(report.problems.first?.location?.contains("line") == true)
    }

    @Test func garbageJunkAndNonCertificateFiles() {
        let reports = scanFolder { folder in
            FileManager.default.createFile(atPath: folder + "/garbage.crt", contents: Data((0..<512).map { UInt8(($0 * 37 + 11) % 251) | 0x01 }))
            FileManager.default.createFile(atPath: folder + "/junk.bin", contents: Data((0..<512).map { UInt8(($0 * 37 + 11) % 251) | 0x01 }))
            FileManager.default.createFile(atPath: folder + "/empty.pem", contents: Data())
            Fixtures.write("just some notes\n", to: folder + "/notes.txt")
        }
        #expect(reports["garbage.crt"]?.problems.map(\.code) == [.noCertificateData])
        #expect(reports["junk.bin"]?.skipReason != nil && reports["junk.bin"]?.problems.isEmpty == true)
        #expect(reports["empty.pem"]?.skipReason == "empty file")
        #expect(reports["notes.txt"]?.skipReason != nil)
    }

    @Test func wrongAndMissingPFXPassword() throws {
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-11a.pfx", toPath: folder + "/v.pfx")
        let (noPassword, _) = Fixtures.scan([folder], passwords: PasswordCandidates())
        let problem = try #require(noPassword.first?.problems.first)
        #expect(problem.code == .pkcs12WrongPassword)
        let message = problem.description
        #expect(message.contains("--password-file or CERTAUDIT_PFX_PASSWORD"))
        #expect(!message.contains("certaudit-sample"), "a password must never appear in a message")
        var wrong = PasswordCandidates()
        wrong.add(password: "nope", source: "CERTAUDIT_PFX_PASSWORD")
        let (wrongPassword, _) = Fixtures.scan([folder], passwords: wrong)
        #expect(wrongPassword.first?.problems.first?.code == .pkcs12WrongPassword)
        #expect(wrongPassword.first?.problems.first?.message.contains("nope") == false)
        let (right, _) = Fixtures.scan([folder])
        #expect(right.first?.certificates.first?.friendlyName == "260112 Veeam ONE self-signed certificate")
    }

    @Test func symlinkLoopIsAnErrorAndTheScanGoesOn() throws {
        let reports = scanFolder(
            { folder in
                try! FileManager.default.createDirectory(atPath: folder + "/sub", withIntermediateDirectories: true)
                try! FileManager.default.createSymbolicLink(atPath: folder + "/sub/loop", withDestinationPath: "..")
                try! FileManager.default.createSymbolicLink(atPath: folder + "/dangling.pem", withDestinationPath: folder + "/missing")
            }, walk: { var options = WalkOptions(); options.followSymlinks = true; return options }())
        #expect(reports["sub/loop"]?.problems.map(\.code) == [.folderLoop])
        #expect(reports["dangling.pem"]?.problems.map(\.code) == [.brokenLink])
    }

    @Test func symlinksAreNotFollowedByDefault() {
        let reports = scanFolder { folder in
            try! FileManager.default.createSymbolicLink(atPath: folder + "/link.pem", withDestinationPath: folder + "/good.pem")
        }
        #expect(reports["link.pem"]?.skipReason?.contains("--follow-symlinks") == true)
    }

    @Test func hugeFileIsSkippedWithANote() {
        var options = WalkOptions()
        options.maxFileSize = 4096
        let reports = scanFolder(
            { folder in
                FileManager.default.createFile(atPath: folder + "/huge.pem", contents: Data(repeating: 0x41, count: 10_000))
            }, walk: options)
        #expect(reports["huge.pem"]?.skipReason?.contains("max-file-size") == true)
    }

    @Test func unreadableFileIsAPerFileError() throws {
        guard geteuid() != 0 else {
            // root reads mode-000 files; a dangling link stands in for "cannot open" (tested above).
            return
        }
        let reports = scanFolder { folder in
            Fixtures.write(Self.goodPEM, to: folder + "/secret.pem")
            chmod(folder + "/secret.pem", 0)
        }
        #expect(reports["secret.pem"]?.problems.map(\.code) == [.fileOpenFailed])
    }

    @Test func includeAndExcludeGlobs() {
        var options = WalkOptions()
        options.excludes = ["skipme"]
        options.includes = ["*.pem"]
        let reports = scanFolder(
            { folder in
                try! FileManager.default.createDirectory(atPath: folder + "/skipme", withIntermediateDirectories: true)
                Fixtures.write(Self.goodPEM, to: folder + "/skipme/inside.pem")
                Fixtures.write(Self.goodPEM, to: folder + "/other.crt")
            }, walk: options)
        #expect(reports["skipme/inside.pem"] == nil)
        #expect(reports["other.crt"] == nil)
    }
}

/// Hostile PEM: every mix of BEGIN/END lines is read in one linear pass, and the problems one file can
/// produce are bounded. (Before, 40,000 BEGIN lines without END took 95 s: each line was searched to the
/// end of the file. All five shapes take well under a second in a debug build; the generous bound
/// below only catches a scan that is quadratic again, which misses it by minutes.)
@Suite struct HostilePEMTests {
    static let shapes: [(String, String)] = [
        ("BEGIN lines without END", "-----BEGIN CERTIFICATE-----\n"),
        ("BEGIN lines without closing dashes", "-----BEGIN CERTIFICATE\n"),
        ("END lines without closing dashes", "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE\n"),
        ("END before BEGIN", "-----END CERTIFICATE-----\n-----BEGIN CERTIFICATE-----\n"),
        ("markers inside one line", "x -----BEGIN CERTIFICATE----- -----END CERTIFICATE-----"),
    ]

    @Test(arguments: shapes.map(\.0))
    func fortyThousandMarkersAreReadInOnePass(_ shape: String) throws {
        let line = try #require(Self.shapes.first { $0.0 == shape }?.1)
        let bytes = Array(String(repeating: line, count: 40_000).utf8)
        let started = Date()
        let decoded = ContainerDecoder().decode(bytes, name: "hostile.pem")
        let report = Fixtures.auditor().audit(decoded, path: "hostile.pem")
        #expect(Date().timeIntervalSince(started) < 20, "\(shape): not a linear pass")
        #expect(report.certificates.isEmpty)
        #expect(report.problems.count <= Auditor.problemLimit, "\(shape): \(report.problems.count) problems listed")
        if report.problems.count == Auditor.problemLimit {
            #expect(report.problems.last?.code == .tooManyProblems)
        }
    }

    @Test func blocksAroundHostileLinesAreStillFound() throws {
        let good = BadInputTests.goodPEM
        let text = good + String(repeating: "-----BEGIN CERTIFICATE\n", count: 1000) + good
            + String(repeating: "-----END CERTIFICATE-----\n", count: 1000) + good
        let decoded = ContainerDecoder().decode(Array(text.utf8), name: "mixed.pem")
        #expect(decoded.certificates.count == 3, "\(decoded.problems.prefix(3))")
    }
}

/// PKCS#12 files asking for 2^31-1 PBKDF iterations (MAC, certificate safe, shrouded key bag; made by
/// samples/generate.py and confirmed by `openssl pkcs12 -info`) are refused before any key derivation,
/// with the count in the message. Before, each stalled a scan for 11–18 minutes per password.
@Suite struct PKCS12IterationLimitTests {
    @Test(arguments: ["pfx-mac-iterations.pfx", "pfx-safe-iterations.pfx", "pfx-keybag-iterations.pfx"])
    func hugeIterationCountIsRefused(_ name: String) throws {
        let started = Date()
        let report = Fixtures.report(for: Fixtures.samples + "/bad/" + name)
        #expect(Date().timeIntervalSince(started) < 30, "refused before any KDF runs")
        #expect(report.certificates.isEmpty)
        let problem = try #require(report.problems.first)
        #expect(problem.code == .pkcs12IterationLimit)
        #expect(problem.message.contains("2147483647"), "\(problem)")
        #expect(problem.message.contains("limit of 10000000"), "\(problem)")
        let info = Fixtures.run(
            "/usr/bin/timeout",
            ["-s", "KILL", "5", "/usr/bin/openssl", "pkcs12", "-info", "-noout", "-legacy", "-nomacver", "-in", Fixtures.samples + "/bad/" + name, "-passin", "pass:certaudit-sample"])
        #expect((info.stdout + info.stderr).contains("Iteration 2147483647"), "OpenSSL reads the same count")
    }
}

/// Every file has a time budget (`--file-timeout`): a PKCS#12 whose MAC asks for 9,000,000 iterations
/// (under the iteration limit, so OpenSSL runs them: seconds per password) is an error once the budget
/// has passed between two password attempts, and the scan goes on with the next file.
@Suite struct FileTimeBudgetTests {
    /// vspc-5.pfx with its MAC iteration count re-encoded as 9,000,000 (pure DER surgery, no crypto).
    static func slowPFX(at path: String) {
        let script = """
            import sys
            def read(b, o):
                t, n = b[o], b[o + 1]; o += 2
                if n & 0x80:
                    k = n & 0x7f; n = int.from_bytes(b[o:o + k], 'big'); o += k
                return t, o, o + n
            def tlv(t, c):
                n = len(c)
                l = bytes([n]) if n < 0x80 else bytes([0x80 | ((n.bit_length() + 7) // 8)]) + n.to_bytes((n.bit_length() + 7) // 8, 'big')
                return bytes([t]) + l + c
            def kids(b):
                _, s, e = read(b, 0); out = []
                while s < e:
                    _, _, q = read(b, s); out.append(b[s:q]); s = q
                return out
            pfx = open(sys.argv[1], 'rb').read()
            version, auth, mac = kids(pfx)
            digest, salt, _ = kids(mac)
            slow = tlv(0x30, digest + salt + tlv(0x02, (9000000).to_bytes(4, 'big')))
            open(sys.argv[2], 'wb').write(tlv(0x30, version + auth + slow))
            """
        let result = Fixtures.run("/usr/bin/python3", ["-c", script, Fixtures.samples + "/veeam/vspc-5.pfx", path])
        #expect(result.status == 0, "\(result.stderr)")
    }

    @Test func aFileOverItsBudgetIsAnErrorAndTheScanGoesOn() throws {
        let folder = Fixtures.temporaryDirectory()
        Self.slowPFX(at: folder + "/a-slow.pfx")
        Fixtures.write(BadInputTests.goodPEM, to: folder + "/b-good.pem")
        let info = Fixtures.run(
            "/usr/bin/timeout",
            ["-s", "KILL", "5", "/usr/bin/openssl", "pkcs12", "-info", "-noout", "-legacy", "-nomacver", "-in", folder + "/a-slow.pfx", "-passin", "pass:x"])
        #expect((info.stdout + info.stderr).contains("MAC: sha1, Iteration 9000000"), "OpenSSL reads the count")
        let started = Date()
        let result = Fixtures.run(
            Fixtures.executable,
            ["scan", "--file-timeout", "1", "--password-file", Fixtures.samples + "/passwords.txt", "--format", "json", folder])
        let elapsed = Date().timeIntervalSince(started)
        #expect(result.status == 3, "\(result.stdout)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let errors = try #require(json["errors"] as? [[String: Any]])
        let error = try #require(errors.first { ($0["path"] as? String)?.hasSuffix("a-slow.pfx") == true })
        #expect(error["code"] as? String == "pkcs12.timeout", "\(error)")
        let message = try #require(error["message"] as? String)
        #expect(message.contains("time budget of 1 s (--file-timeout) exceeded"), "\(message)")
        #expect((json["certificates"] as? [[String: Any]])?.count == 1, "the next file is read")
        // Three candidates (none, empty, the file's) at seconds each would take far longer unbounded.
        #expect(elapsed < 60, "\(elapsed) s")
    }

    @Test func outOfRangeBudgetIsAUsageError() {
        let result = Fixtures.run(Fixtures.executable, ["scan", "--file-timeout", "0", Fixtures.samples + "/tls/good-rsa.crt"])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--file-timeout must be between 1 and 86400 seconds"), "\(result.stderr)")
    }
}
