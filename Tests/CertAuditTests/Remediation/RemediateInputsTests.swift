import Foundation
import Testing
@testable import CertAudit

/// `remediate` reads its inputs through the scan's pipeline: the walk options (--include, --exclude,
/// --max-file-size) apply, and a live endpoint is an input like any other.
@Suite(.serialized) struct RemediateInputsTests {
    let binary = Fixtures.executable

    func remediate(_ arguments: [String]) -> (status: Int32, stdout: String, stderr: String) {
        Fixtures.run(binary, ["remediate", "--at", "2026-12-01"] + arguments)
    }

    @Test func walkOptionsApplyToRemediation() throws {
        let folder = Fixtures.temporaryDirectory()
        let certs = folder + "/certs"
        try FileManager.default.createDirectory(atPath: certs + "/old", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-10a.crt", toPath: certs + "/site.crt")
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/veeam-one-11.crt", toPath: certs + "/old/previous.crt")
        try FileManager.default.copyItem(atPath: Fixtures.samples + "/veeam/vbem-10a.cer", toPath: certs + "/big.cer")

        let out = folder + "/out"
        let result = remediate(["--output", out, "--exclude", "old", "--max-file-size", "100", certs])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        // site.crt (about 1 KB) is over 100 bytes too: nothing is read but skipped.
        #expect(result.stdout.contains("big.cer: skipped: larger than --max-file-size"), "\(result.stdout)")
        #expect(!result.stdout.contains("previous.crt"), "excluded folders are not read: \(result.stdout)")
        #expect(!FileManager.default.fileExists(atPath: out + "/old/previous.crt"))

        let included = remediate(["--output", folder + "/out2", "--include", "*.crt", "--exclude", "old", certs])
        #expect(included.status == 0, "\(included.stdout)\(included.stderr)")
        #expect(FileManager.default.fileExists(atPath: folder + "/out2/site.crt"))
        #expect(!FileManager.default.fileExists(atPath: folder + "/out2/big.cer"), "--include *.crt leaves .cer out")
        #expect(!FileManager.default.fileExists(atPath: folder + "/out2/old/previous.crt"))
    }

    @Test func aLiveServersCertificateIsReissuedIntoTheOutputFolder() throws {
        let (server, port) = try TLSEndpointTests.serve(certificate: "veeam/veeam-one-10a.crt", key: "keys/veeam-one-10a.key")
        defer { Fixtures.stop(server) }
        let folder = Fixtures.temporaryDirectory()
        let endpoint = "tls://127.0.0.1:\(port)"

        let inPlace = remediate(["--in-place", "--timeout", "5", endpoint])
        #expect(inPlace.status == 1, "\(inPlace.stdout)")
        #expect(inPlace.stdout.contains("cannot be replaced in place"), "\(inPlace.stdout)")

        let result = remediate(["--output", folder, "--timeout", "5", endpoint])
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let written = folder + "/endpoints/127.0.0.1_\(port).pem"
        let text = Fixtures.openssl(["x509", "-in", written, "-noout", "-text"])
        #expect(text.contains("Digital Signature"), "\(text)")
        #expect(text.contains("CA:FALSE"))
        let original = Fixtures.report(for: Fixtures.samples + "/veeam/veeam-one-10a.crt").certificates[0]
        let replacement = Fixtures.report(for: written).certificates[0]
        #expect(replacement.facts.subject.der == original.facts.subject.der)
        #expect(replacement.facts.subjectAltNames?.der == original.facts.subjectAltNames?.der)
        // Its new key, 0600, matches it.
        let key = folder + "/endpoints/127.0.0.1_\(port).key"
        #expect(Fixtures.openssl(["pkey", "-in", key, "-pubout"]) == Fixtures.openssl(["x509", "-in", written, "-noout", "-pubkey"]))
        #expect(try FileManager.default.attributesOfItem(atPath: key)[.posixPermissions] as? Int == 0o600)
        // Served in its place, the replacement passes the browser rules.
        let (fixed, port2) = try TLSEndpointTests.serve(certificate: written, key: key)
        defer { Fixtures.stop(fixed) }
        let rescan = Fixtures.run(binary, ["scan", "--at", "2026-12-01", "--timeout", "5", "tls://127.0.0.1:\(port2)"])
        #expect(rescan.status == 0, "\(rescan.stdout)")
    }

    @Test func aMalformedEndpointIsAUsageErrorBeforeAnythingIsRead() {
        for command in ["scan", "remediate"] {
            let result = Fixtures.run(binary, [command, "tls://host:99999"])
            #expect(result.status == 2, "\(command): \(result.stderr)")
            #expect(result.stderr.contains("'tls://host:99999' is not an endpoint"), "\(command): \(result.stderr)")
        }
    }
}
