import Foundation
import Testing
@testable import CertAudit

/// `remediate --in-place` is a transaction: certificate and key are replaced together or not at all,
/// backups never collide, links, owners, groups and modes are kept, a combined PEM stays combined, and
/// an unrelated key file is never overwritten. Failures are real (a full tmpfs) or injected
/// (`CERTAUDIT_TEST_FAULT`) where a real one cannot be made on demand.
@Suite(.serialized) struct InPlaceTransactionTests {
    static let source = Fixtures.samples + "/veeam/veeam-one-10a.crt"
    static let sourceKey = Fixtures.samples + "/keys/veeam-one-10a.key"

    /// site.crt with its own key beside it as site.key (what a remediation replaces together).
    static func site(in folder: String) throws -> (certificate: String, key: String) {
        let certificate = folder + "/site.crt"
        let key = folder + "/site.key"
        try FileManager.default.copyItem(atPath: source, toPath: certificate)
        try FileManager.default.copyItem(atPath: sourceKey, toPath: key)
        return (certificate, key)
    }

    static func contents(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    static func listing(_ folder: String) -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    static func remediate(_ arguments: [String], fault: String? = nil) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(
            Fixtures.executable, ["remediate", "--in-place", "--at", "2026-12-01"] + arguments,
            environment: fault.map { ["CERTAUDIT_TEST_FAULT": $0] } ?? [:])
    }

    @Test(arguments: ["rename:2", "rename:1", "backup:2", "stage:2"])
    func aFailureAnywhereLeavesTheOriginalsExactlyAsTheyWere(_ fault: String) throws {
        let folder = Fixtures.temporaryDirectory()
        let (certificate, key) = try Self.site(in: folder)
        let before = (Self.contents(certificate), Self.contents(key))
        let result = Self.remediate([certificate], fault: fault)
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("injected failure"), "\(result.stdout)")
        #expect(Self.contents(certificate) == before.0, "the certificate is the original")
        #expect(Self.contents(key) == before.1, "the key is the original")
        // The pair still belongs together (openssl's view).
        let certificateKey = Fixtures.openssl(["x509", "-in", certificate, "-noout", "-pubkey"])
        #expect(certificateKey == Fixtures.openssl(["pkey", "-in", key, "-pubout"]))
        // No staged file or stray backup is left; the manifest says what was rolled back.
        #expect(Self.listing(folder) == ["remediation.json", "site.crt", "site.key"], "\(Self.listing(folder))")
        let manifest = try #require(Self.contents(folder + "/remediation.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        #expect((json["replacements"] as? [Any])?.isEmpty == true)
        #expect((json["failed"] as? [[String: Any]])?.first?["reason"] as? String != nil)
        if fault == "rename:2" {
            let rolledBack = json["rolledBack"] as? [String] ?? []
            #expect(rolledBack.contains { $0.hasPrefix(certificate + " (restored from") }, "\(rolledBack)")
        }
    }

    /// Runs remediate with `CERTAUDIT_TEST_SIGNAL` (the process sends itself SIGTERM at that step);
    /// returns how it ended and its output.
    static func remediateSignalled(_ arguments: [String], at step: String) throws -> (reason: Process.TerminationReason, status: Int32, stdout: String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Fixtures.executable)
        process.arguments = ["remediate", "--in-place", "--at", "2026-12-01"] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(["CERTAUDIT_TEST_SIGNAL": step]) { $1 }
        let output = Pipe()
        process.standardOutput = output
        process.standardError = FileHandle.nullDevice
        try process.run()
        let stdout = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationReason, process.terminationStatus, String(decoding: stdout, as: UTF8.self))
    }

    /// SIGTERM between the certificate's rename and the key's: the transaction finishes first (a signal
    /// never leaves a renewed certificate beside its old key), the manifest is written, then the process
    /// dies of the signal. A second file's transaction is not started.
    @Test func aSignalInTheMiddleOfATransactionWaitsForIt() throws {
        let folder = Fixtures.temporaryDirectory()
        let (certificate, key) = try Self.site(in: folder)
        let other = folder + "/other"
        try FileManager.default.createDirectory(atPath: other, withIntermediateDirectories: true)
        let (secondCertificate, secondKey) = try Self.site(in: other)
        let before = (Self.contents(certificate), Self.contents(key))
        let result = try Self.remediateSignalled([certificate, secondCertificate], at: "rename:2")
        #expect(result.reason == .uncaughtSignal && result.status == SIGTERM, "ended \(result.reason) \(result.status)")
        // Both files of the first pair are the new ones, and they belong together (openssl's view).
        #expect(Self.contents(certificate) != before.0 && Self.contents(key) != before.1)
        let certificateKey = Fixtures.openssl(["x509", "-in", certificate, "-noout", "-pubkey"])
        #expect(certificateKey == Fixtures.openssl(["pkey", "-in", key, "-pubout"]))
        #expect(Self.listing(folder).filter { $0.contains(".bak-") }.count == 2)
        #expect(!Self.listing(folder).contains { $0.hasPrefix(".certaudit-tmp") }, "\(Self.listing(folder))")
        // The second pair was left as it was, and the manifest says so.
        #expect(Self.contents(secondCertificate) == Self.contents(Self.source) && Self.contents(secondKey) == Self.contents(Self.sourceKey))
        #expect(Self.listing(other) == ["site.crt", "site.key"])
        let manifest = try #require(Self.contents(folder + "/remediation.json"))
        let json = try #require(try JSONSerialization.jsonObject(with: manifest) as? [String: Any])
        #expect((json["replacements"] as? [Any])?.count == 1)
        let failed = (json["failed"] as? [[String: Any]]) ?? []
        #expect(failed.contains { ($0["reason"] as? String)?.contains("stopped by a signal") == true }, "\(failed)")
    }

    @Test func aFullDiskLeavesTheOriginals() throws {
        // A real ENOSPC: a 16 KiB tmpfs holding the pair, too small for the staged copies.
        let folder = Fixtures.temporaryDirectory() + "/small"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let mounted = Fixtures.run("/bin/mount", ["-t", "tmpfs", "-o", "size=16k", "tmpfs", folder])
        try #require(mounted.status == 0, "mount a tmpfs (needs root): \(mounted.stderr)")
        defer { _ = Fixtures.run("/bin/umount", [folder]) }
        let (certificate, key) = try Self.site(in: folder)
        // Fill the rest of the disk.
        _ = Fixtures.run("/bin/dd", ["if=/dev/zero", "of=" + folder + "/filler", "bs=1024", "count=64"])
        let before = (Self.contents(certificate), Self.contents(key))
        let result = Self.remediate([certificate])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("No space left on device"), "\(result.stdout)")
        #expect(Self.contents(certificate) == before.0)
        #expect(Self.contents(key) == before.1)
        #expect(!Self.listing(folder).contains { $0.hasPrefix(".certaudit-tmp") }, "\(Self.listing(folder))")
    }

    @Test func backupNamesNeverCollide() throws {
        let folder = Fixtures.temporaryDirectory()
        let (certificate, _) = try Self.site(in: folder)
        let taken = certificate + ".bak-20261201000000"
        Fixtures.write("an earlier backup\n", to: taken)
        let result = Self.remediate([certificate])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(try String(contentsOfFile: taken, encoding: .utf8) == "an earlier backup\n", "an existing backup is never touched")
        #expect(Self.contents(certificate + ".bak-20261201000000-2") == Self.contents(Self.source), "a suffix is added instead")
        #expect(Self.contents(folder + "/site.key.bak-20261201000000") == Self.contents(Self.sourceKey))
    }

    @Test func symlinksOwnersGroupsAndModesAreKept() throws {
        // certbot's layout: live/ links into archive/.
        let folder = Fixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: folder + "/archive", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: folder + "/live", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Self.source, toPath: folder + "/archive/site1.crt")
        try FileManager.default.copyItem(atPath: Self.sourceKey, toPath: folder + "/archive/site1.key")
        try FileManager.default.createSymbolicLink(atPath: folder + "/live/site.crt", withDestinationPath: "../archive/site1.crt")
        try FileManager.default.createSymbolicLink(atPath: folder + "/live/site.key", withDestinationPath: "../archive/site1.key")
        chmod(folder + "/archive/site1.crt", 0o644)
        chmod(folder + "/archive/site1.key", 0o640)
        let root = getuid() == 0
        if root {
            #expect(chown(folder + "/archive/site1.crt", 1234, 5678) == 0)
            #expect(chown(folder + "/archive/site1.key", 1234, 5678) == 0)
        }
        let result = Self.remediate([folder + "/live/site.crt"])
        #expect(result.status == 0, "\(result.stdout)")
        for name in ["site.crt", "site.key"] {
            let attributes = try FileManager.default.attributesOfItem(atPath: folder + "/live/" + name)
            #expect(attributes[.type] as? FileAttributeType == .typeSymbolicLink, "live/\(name) is still a link")
        }
        let certificate = try FileManager.default.attributesOfItem(atPath: folder + "/archive/site1.crt")
        let key = try FileManager.default.attributesOfItem(atPath: folder + "/archive/site1.key")
        #expect(certificate[.posixPermissions] as? Int == 0o644)
        #expect(key[.posixPermissions] as? Int == 0o640, "the key keeps its mode (never wider)")
        if root {
            #expect(certificate[.ownerAccountID] as? Int == 1234 && certificate[.groupOwnerAccountID] as? Int == 5678)
            #expect(key[.ownerAccountID] as? Int == 1234 && key[.groupOwnerAccountID] as? Int == 5678)
        }
        #expect(Self.contents(folder + "/archive/site1.crt") != Self.contents(Self.source), "the link's target was replaced")
        #expect(Self.contents(folder + "/archive/site1.crt.bak-20261201000000") == Self.contents(Self.source))
        let pub = Fixtures.openssl(["x509", "-in", folder + "/live/site.crt", "-noout", "-pubkey"])
        #expect(pub == Fixtures.openssl(["pkey", "-in", folder + "/live/site.key", "-pubout"]), "new pair matches")
    }

    @Test func aCombinedPEMStaysCombinedInItsOrder() throws {
        // HAProxy's crt file: key first, then the certificate, then a chain certificate.
        let folder = Fixtures.temporaryDirectory()
        let combined = folder + "/haproxy.pem"
        let parts = try [Self.sourceKey, Self.source, Fixtures.samples + "/ca/test-root-ca.crt"].map {
            try String(contentsOfFile: $0, encoding: .utf8)
        }
        Fixtures.write(parts.joined(), to: combined)
        chmod(combined, 0o640)
        let result = Self.remediate([combined])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: folder + "/haproxy.key"), "no separate key file")
        let text = try String(contentsOfFile: combined, encoding: .utf8)
        let labels = text.components(separatedBy: "\n").filter { $0.hasPrefix("-----BEGIN ") }
        #expect(labels == ["-----BEGIN PRIVATE KEY-----", "-----BEGIN CERTIFICATE-----", "-----BEGIN CERTIFICATE-----"])
        #expect(text.hasSuffix(parts[2]), "the chain certificate is kept byte for byte")
        #expect(try FileManager.default.attributesOfItem(atPath: combined)[.posixPermissions] as? Int == 0o640)
        let pub = Fixtures.openssl(["x509", "-in", combined, "-noout", "-pubkey"])
        #expect(pub == Fixtures.openssl(["pkey", "-in", combined, "-pubout"]), "the key in the file belongs to its certificate")
        #expect(pub != Fixtures.openssl(["pkey", "-in", Self.sourceKey, "-pubout"]), "a new key")
        let rescan = Fixtures.run(Fixtures.executable, ["scan", "--at", "2026-12-01", combined])
        #expect(rescan.status == 0, "\(rescan.stdout)")
    }

    @Test func anUnrelatedKeyFileIsNeverOverwritten() throws {
        let folder = Fixtures.temporaryDirectory()
        let certificate = folder + "/site.crt"
        try FileManager.default.copyItem(atPath: Self.source, toPath: certificate)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/keys/good-rsa.key", toPath: folder + "/site.key")
        let before = Self.contents(folder + "/site.key")
        let result = Self.remediate([certificate])
        #expect(result.status == 1, "\(result.stdout)")
        #expect(result.stdout.contains("does not hold this certificate's private key"), "\(result.stdout)")
        #expect(Self.contents(folder + "/site.key") == before)
        #expect(Self.contents(certificate) == Self.contents(Self.source))
    }

    @Test func aDanglingLinkAtAnOutputPathIsKeptAsABackup() throws {
        let folder = Fixtures.temporaryDirectory()
        let certificate = folder + "/site.crt"
        try FileManager.default.copyItem(atPath: Self.source, toPath: certificate)
        try FileManager.default.createSymbolicLink(atPath: folder + "/site.key", withDestinationPath: "/nonexistent/site.key")
        let result = Self.remediate([certificate])
        #expect(result.status == 0, "\(result.stdout)")
        let backup = folder + "/site.key.bak-20261201000000"
        #expect(try FileManager.default.destinationOfSymbolicLink(atPath: backup) == "/nonexistent/site.key")
        let pub = Fixtures.openssl(["x509", "-in", certificate, "-noout", "-pubkey"])
        #expect(pub == Fixtures.openssl(["pkey", "-in", folder + "/site.key", "-pubout"]))
        #expect(try FileManager.default.attributesOfItem(atPath: folder + "/site.key")[.posixPermissions] as? Int == 0o600)
    }
}
