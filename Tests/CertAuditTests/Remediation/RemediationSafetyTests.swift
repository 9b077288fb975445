import Foundation
import Testing
@testable import CertAudit

/// Key reuse, signing requests, in-place replacement, dry runs, and the refusals that must write nothing.
@Suite struct RemediationSafetyTests {
    let binary = Fixtures.executable
    let passwords = Fixtures.samples + "/passwords.txt"

    func remediate(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(binary, ["remediate", "--password-file", passwords] + arguments)
    }

    func files(in folder: String) -> [String] {
        ((try? FileManager.default.subpathsOfDirectory(atPath: folder)) ?? []).sorted()
    }

    @Test func reuseKeepsTheKeyFromThePFX() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let source = Fixtures.samples + "/veeam/vspc-5.pfx"
        let result = remediate(["--key", "reuse", "--out", out, source])
        #expect(result.status == 0, "\(result.stdout)")
        let original = Fixtures.openssl(["pkcs12", "-in", source, "-passin", "file:" + passwords, "-nokeys", "-legacy"])
        let replaced = Fixtures.openssl(["pkcs12", "-in", out + "/vspc-5.pfx", "-passin", "file:" + passwords, "-nokeys"])
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write(original, to: folder + "/old.pem")
        Fixtures.write(replaced, to: folder + "/new.pem")
        let oldKey = Fixtures.openssl(["x509", "-in", folder + "/old.pem", "-noout", "-pubkey"])
        let newKey = Fixtures.openssl(["x509", "-in", folder + "/new.pem", "-noout", "-pubkey"])
        #expect(oldKey == newKey)
    }

    @Test func reuseWithAKeyFileThatDoesNotMatchIsRefused() {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate([
            "--key", "reuse", "--key-file", Fixtures.samples + "/keys/good-rsa.key", "--out", out,
            Fixtures.samples + "/veeam/veeam-one-10a.crt",
        ])
        #expect(result.status == 1)
        #expect(result.stdout.contains("does not match"))
        #expect(files(in: out).isEmpty)
    }

    @Test func reuseWithTheMatchingKeyFile() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate([
            "--key", "reuse", "--key-file", Fixtures.samples + "/keys/veeam-one-10a.key", "--out", out,
            Fixtures.samples + "/veeam/veeam-one-10a.crt",
        ])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(files(in: out) == ["remediation.json", "veeam-one-10a.crt"], "a reused key file is not copied")
        let newKey = Fixtures.openssl(["x509", "-in", out + "/veeam-one-10a.crt", "-noout", "-pubkey"])
        let fileKey = Fixtures.openssl(["pkey", "-in", Fixtures.samples + "/keys/veeam-one-10a.key", "-pubout"])
        #expect(newKey == fileKey)
    }

    @Test func wrongCAKeyIsAUsageErrorAndWritesNothing() {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate([
            "--ca-cert", Fixtures.samples + "/ca/test-intermediate-ca.crt", "--ca-key", Fixtures.samples + "/keys/test-root-ca.key",
            "--out", out, Fixtures.samples + "/tls/cn-only.crt",
        ])
        #expect(result.status == 2)
        #expect(result.stderr.contains("--ca-key does not belong to --ca-cert"))
        #expect(files(in: out).isEmpty)
    }

    @Test func caIssuedCertificateWithoutCAIsNotRemediated() {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate(["--out", out, Fixtures.samples + "/tls/cn-only.crt"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("give --ca-cert and --ca-key, or --csr"))
        #expect(files(in: out).isEmpty)
    }

    @Test func wrongPFXPasswordIsNotRemediated() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = Fixtures.run(binary, ["remediate", "--out", out, Fixtures.samples + "/bad/wrong-password.pfx"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("wrong password"))
        #expect(files(in: out).isEmpty)
    }

    @Test func unwritableOutputFolderWritesNothing() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("a file where a folder should be", to: folder + "/blocked")
        let result = remediate(["--out", folder + "/blocked/out", Fixtures.samples + "/veeam/veeam-one-10a.crt"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("cannot create folder"))
        #expect(files(in: folder) == ["blocked"])
    }

    @Test func existingOutputIsNeverOverwritten() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let source = Fixtures.samples + "/veeam/veeam-one-10a.crt"
        #expect(remediate(["--out", out, source]).status == 0)
        let first = try #require(FileManager.default.contents(atPath: out + "/veeam-one-10a.crt"))
        let again = remediate(["--out", out, source])
        #expect(again.status == 1)
        #expect(again.stdout.contains("already exists"))
        #expect(FileManager.default.contents(atPath: out + "/veeam-one-10a.crt") == first)
    }

    @Test func inPlaceKeepsATimestampedBackup() throws {
        let folder = Fixtures.temporaryDirectory()
        let path = folder + "/site.crt"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: path)
        let original = try #require(FileManager.default.contents(atPath: path))
        let result = Fixtures.run(binary, ["remediate", "--in-place", "--at", "2026-12-01", path])
        #expect(result.status == 0, "\(result.stdout)")
        let backup = folder + "/site.crt.bak-20261201000000"
        #expect(FileManager.default.contents(atPath: backup) == original)
        #expect(FileManager.default.contents(atPath: path) != original)
        #expect(FileManager.default.fileExists(atPath: folder + "/site.key"))
        #expect(FileManager.default.fileExists(atPath: folder + "/remediation.json"), "the manifest goes beside the inputs")
        let rescan = Fixtures.run(binary, ["scan", "--at", "2026-12-01", path])
        #expect(rescan.status == 0, "\(rescan.stdout)")
    }

    @Test func dryRunPrintsThePlanAndWritesNothing() {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate(["--dry-run", "--profile", "vendor", "--out", out, Fixtures.samples + "/veeam"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("would re-issue"))
        #expect(result.stdout.contains("KeyUsage {keyEncipherment, dataEncipherment} → {digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment}"))
        #expect(result.stdout.contains("subject CN=vone01.corp.example.com (byte-identical DER)"))
        #expect(result.stdout.contains("skipped"))
        #expect(files(in: out).isEmpty)
    }

    @Test func signingRequestForAnExternalCA() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate(["--csr", "--out", out, Fixtures.samples + "/tls/client-auth-only.crt"])
        #expect(result.status == 0, "\(result.stdout)")
        let csr = out + "/client-auth-only.csr"
        let verify = Fixtures.run("/usr/bin/openssl", ["req", "-in", csr, "-verify", "-noout"])
        #expect(verify.status == 0)
        #expect((verify.stdout + verify.stderr).contains("verify OK"))
        let text = Fixtures.openssl(["req", "-in", csr, "-noout", "-text", "-nameopt", "RFC2253"])
        #expect(text.contains("Subject: CN=client.example.com"))
        #expect(text.contains("DNS:client.example.com"))
        #expect(text.contains("TLS Web Server Authentication, TLS Web Client Authentication"))
        #expect(text.contains("Digital Signature, Key Encipherment"))
        let requestKey = Fixtures.openssl(["req", "-in", csr, "-noout", "-pubkey"])
        let fileKey = Fixtures.openssl(["pkey", "-in", out + "/client-auth-only.key", "-pubout"])
        #expect(requestKey == fileKey)
    }

    @Test func replacementThatWouldStillFailIsNotWritten() throws {
        // cabf wants the CN among the SANs; cn-only gets a SAN from its CN, so it passes — but a 10-year
        // validity asked for explicitly breaks cabf's limit, and the re-audit must stop it.
        let out = Fixtures.temporaryDirectory() + "/out"
        let result = remediate(
            ["--profile", "cabf", "--validity-days", "3650", "--out", out] + RemediateCommandTests.caArguments
                + [Fixtures.samples + "/tls/cn-only.crt"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("cabf.validity-too-long"))
        #expect(files(in: out).isEmpty)
    }
}

/// Bundles come back as bundles: the leaf replaced, the chain certificates unchanged and in order.
@Suite struct RemediationContainerTests {
    let binary = Fixtures.executable

    @Test(arguments: ["bundle/chain.p7b", "bundle/chain-pem.p7b", "bundle/chain-with-text.pem"])
    func bundleKeepsItsChain(_ sample: String) throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let source = Fixtures.samples + "/" + sample
        let result = Fixtures.run(
            // --vendor veeam: the host runs Veeam, so its guidance (nonRepudiation) applies to these leaves too.
            binary, ["remediate", "--profile", "vendor", "--vendor", "veeam", "--out", out] + RemediateCommandTests.caArguments
                + [source])
        #expect(result.status == 0, "\(result.stdout)")
        let written = out + "/" + String(sample.split(separator: "/").last!)
        let before = Fixtures.report(for: source).certificates
        let after = Fixtures.report(for: written).certificates
        try #require(after.count == before.count)
        #expect(after.map(\.container) == before.map(\.container))
        #expect(after[0].facts.sha256 != before[0].facts.sha256, "the leaf is replaced")
        #expect(after[0].facts.subject.der == before[0].facts.subject.der)
        #expect(Array(after.dropFirst().map(\.facts.sha256)) == Array(before.dropFirst().map(\.facts.sha256)), "the chain is kept")
        if sample.hasSuffix(".p7b") {
            let inform = sample == "bundle/chain.p7b" ? ["-inform", "DER"] : []
            let dump = Fixtures.openssl(["pkcs7", "-in", written, "-print_certs", "-noout"] + inform)
            #expect(dump.components(separatedBy: "\n").filter { $0.hasPrefix("subject=") }.count == before.count)
        }
    }
}

@Suite struct EncryptedKeyTests {
    @Test func encryptedKeyFileOpensWithThePasswordFileOnly() throws {
        let folder = Fixtures.temporaryDirectory()
        Fixtures.write("key-secret\n", to: folder + "/pw.txt")
        Fixtures.openssl([
            "pkcs8", "-topk8", "-v2", "aes-256-cbc", "-in", Fixtures.samples + "/keys/veeam-one-10a.key",
            "-out", folder + "/enc.key", "-passout", "file:" + folder + "/pw.txt",
        ])
        let source = Fixtures.samples + "/veeam/veeam-one-10a.crt"
        let without = Fixtures.run(
            Fixtures.executable, ["remediate", "--key", "reuse", "--key-file", folder + "/enc.key", "--out", folder + "/a", source])
        #expect(without.status == 2)
        #expect(without.stderr.contains("encrypted"))
        #expect(!without.stderr.contains("key-secret"))
        let with = Fixtures.run(
            Fixtures.executable,
            ["remediate", "--key", "reuse", "--key-file", folder + "/enc.key", "--password-file", folder + "/pw.txt", "--out", folder + "/b", source])
        #expect(with.status == 0, "\(with.stdout)\(with.stderr)")
        let newKey = Fixtures.openssl(["x509", "-in", folder + "/b/veeam-one-10a.crt", "-noout", "-pubkey"])
        let original = Fixtures.openssl(["x509", "-in", source, "-noout", "-pubkey"])
        #expect(newKey == original)
    }
}
