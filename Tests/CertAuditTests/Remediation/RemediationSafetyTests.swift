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

/// A self-signed server certificate marked CA:TRUE (`openssl req -x509`) comes back as an end-entity
/// certificate with the same names, unless the run found certificates it issued.
@Suite struct CAMarkedServerCertificateTests {
    let passwords = Fixtures.samples + "/passwords.txt"

    @Test func reissuedAsEndEntityKeepingItsNames() throws {
        let folder = Fixtures.temporaryDirectory()
        let out = folder + "/out"
        let source = Fixtures.samples + "/tls/req-x509-ca-ke-de.crt"
        let result = Fixtures.run(Fixtures.executable, ["remediate", "--out", out, source])
        #expect(result.status == 0, "\(result.stdout)")
        #expect(result.stdout.contains("basicConstraints CA:TRUE → CA:FALSE"), "\(result.stdout)")
        let written = out + "/req-x509-ca-ke-de.crt"
        let text = Fixtures.openssl(["x509", "-in", written, "-noout", "-text"])
        #expect(text.contains("CA:FALSE"), "\(text)")
        #expect(!text.contains("CA:TRUE"))
        #expect(RemediateCommandTests.keyUsage(text) == RemediateCommandTests.rsaBrowser)
        #expect(text.contains("DNS:localhost, IP Address:127.0.0.1"))
        let original = try #require(Fixtures.report(for: source).certificates.first)
        let replacement = try #require(Fixtures.report(for: written).certificates.first)
        #expect(replacement.facts.subject.der == original.facts.subject.der)
        #expect(replacement.facts.subjectAltNames?.der == original.facts.subjectAltNames?.der)
        #expect(replacement.facts.selfIssued)
        #expect(replacement.role == .leaf && replacement.roleBasis == .declared)
        let verify = Fixtures.run("/usr/bin/openssl", ["verify", "-CAfile", written, written])
        #expect(verify.status == 0, "self-signed and valid: \(verify.stdout)\(verify.stderr)")
        let rescan = Fixtures.run(Fixtures.executable, ["scan", written])
        #expect(rescan.status == 0, "\(rescan.stdout)")
        #expect(!rescan.stdout.contains("browser.ca-marked-server-certificate"))
    }

    @Test func leftAloneWhenItIssuedACertificateInTheRun() throws {
        let folder = Fixtures.temporaryDirectory()
        let input = folder + "/in"
        try FileManager.default.createDirectory(atPath: input, withIntermediateDirectories: true)
        let ca = input + "/localhost-ca.crt"
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/tls/req-x509-ca-ke-de.crt", toPath: ca)
        // A leaf signed with the CA-marked certificate's key, as a developer does with a local "CA".
        Fixtures.write("subjectAltName=DNS:app.localhost\nauthorityKeyIdentifier=keyid\nbasicConstraints=critical,CA:FALSE\n", to: folder + "/ext.cnf")
        Fixtures.openssl([
            "req", "-new", "-key", Fixtures.samples + "/keys/good-rsa.key", "-subj", "/CN=app.localhost", "-out", folder + "/app.csr",
        ])
        Fixtures.openssl([
            "x509", "-req", "-in", folder + "/app.csr", "-CA", ca, "-CAkey", Fixtures.samples + "/keys/req-x509-ca-ke-de.key",
            "-set_serial", "4242", "-days", "30", "-extfile", folder + "/ext.cnf", "-out", input + "/app.crt",
        ])
        // Issued by it, as OpenSSL reads the names and key identifiers (`openssl verify` refuses the chain
        // itself: the "CA" has no keyCertSign).
        let issuer = Fixtures.openssl(["x509", "-in", input + "/app.crt", "-noout", "-issuer"])
        let subject = Fixtures.openssl(["x509", "-in", ca, "-noout", "-subject"])
        #expect(issuer.dropFirst("issuer=".count) == subject.dropFirst("subject=".count))
        let authority = Fixtures.openssl(["x509", "-in", input + "/app.crt", "-noout", "-ext", "authorityKeyIdentifier"])
        let own = Fixtures.openssl(["x509", "-in", ca, "-noout", "-ext", "subjectKeyIdentifier"])
        let ownID = try #require(own.components(separatedBy: "\n").dropFirst().first?.trimmingCharacters(in: .whitespaces))
        #expect(!ownID.isEmpty && authority.contains(ownID), "\(authority) vs \(own)")

        let out = folder + "/out"
        let result = Fixtures.run(Fixtures.executable, ["remediate", "--out", out, input])
        #expect(result.status == 1, "left alone with its error: \(result.stdout)")
        #expect(result.stdout.contains("localhost-ca.crt #0: NOT remediated: marked as a CA"), "\(result.stdout)")
        #expect(result.stdout.contains("it issued 1 certificate(s) found in this run"), "\(result.stdout)")
        #expect(result.stdout.contains("app.crt #0"), "names the certificate it issued: \(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out + "/localhost-ca.crt"))

        // Alone, the same certificate is re-issued.
        let alone = Fixtures.run(Fixtures.executable, ["remediate", "--dry-run", ca])
        #expect(alone.status == 0, "\(alone.stdout)")
        #expect(alone.stdout.contains("would re-issue"))
    }

    @Test func aRootCAThatIsNotServerShapedIsNotReissued() {
        let result = Fixtures.run(
            Fixtures.executable, ["remediate", "--dry-run", Fixtures.samples + "/ca/mkcert-style-root.crt"])
        #expect(result.status == 0)
        #expect(result.stdout.contains("root CA certificate: CA certificates are not re-issued"), "\(result.stdout)")
    }
}
