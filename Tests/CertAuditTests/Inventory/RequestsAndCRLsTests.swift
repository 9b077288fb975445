import Foundation
import Testing
@testable import CertAudit

/// Certificate signing requests made by `openssl req` and CRLs made by `openssl ca -gencrl`, scanned by
/// the certaudit binary: each is judged as a document of its own kind, certificates are judged against
/// their issuer's CRL, and `openssl verify -crl_check` agrees on which are revoked.
@Suite struct RequestsAndCRLsTests {
    /// A throw-away CA run by `openssl ca`: its certificate and key, two leaves it issued (serials 0x1001
    /// and 0x1002), the first revoked with reason keyCompromise.
    struct OpenSSLCA {
        let folder: String
        var caCertificate: String { folder + "/ca.crt" }
        var leaves: [String] { [folder + "/leaf-1001.crt", folder + "/leaf-1002.crt"] }

        init() {
            folder = Fixtures.temporaryDirectory()
            let config = """
                [ ca ]
                default_ca = test
                [ test ]
                dir = \(folder)
                database = \(folder)/index.txt
                crlnumber = \(folder)/crlnumber
                certificate = \(folder)/ca.crt
                private_key = \(folder)/ca.key
                default_md = sha256
                default_crl_days = 90
                """
            Fixtures.write(config, to: folder + "/ca.cnf")
            Fixtures.write("", to: folder + "/index.txt")
            Fixtures.write("2A\n", to: folder + "/crlnumber")
            Fixtures.openssl([
                "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-keyout", folder + "/ca.key",
                "-out", caCertificate, "-subj", "/O=certaudit tests/CN=CRL Test CA", "-days", "3650",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign",
            ])
            for (serial, leaf) in zip(["0x1001", "0x1002"], leaves) {
                let host = (leaf as NSString).lastPathComponent.replacingOccurrences(of: ".crt", with: "") + ".example.com"
                Fixtures.openssl([
                    "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes",
                    "-keyout", folder + "/\(serial).key", "-out", folder + "/\(serial).csr", "-subj", "/CN=\(host)",
                ])
                Fixtures.write(
                    "keyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=DNS:\(host)\n",
                    to: folder + "/\(serial).ext")
                Fixtures.openssl([
                    "x509", "-req", "-in", folder + "/\(serial).csr", "-CA", caCertificate, "-CAkey", folder + "/ca.key",
                    "-set_serial", serial, "-days", "200", "-extfile", folder + "/\(serial).ext", "-out", leaf,
                ])
                try? FileManager.default.removeItem(atPath: folder + "/\(serial).csr")
                try? FileManager.default.removeItem(atPath: folder + "/\(serial).key")
                try? FileManager.default.removeItem(atPath: folder + "/\(serial).ext")
            }
            Fixtures.openssl(["ca", "-config", folder + "/ca.cnf", "-revoke", leaves[0], "-crl_reason", "keyCompromise"])
        }

        /// `openssl ca -gencrl` with the given lifetime, written to `path`.
        func crl(to path: String, hours: Int? = nil, days: Int? = nil, der: Bool = false) {
            var arguments = ["ca", "-config", folder + "/ca.cnf", "-gencrl", "-out", path + ".tmp"]
            if let hours { arguments += ["-crlhours", String(hours)] }
            if let days { arguments += ["-crldays", String(days)] }
            Fixtures.openssl(arguments)
            Fixtures.openssl(["crl", "-in", path + ".tmp", "-out", path] + (der ? ["-outform", "DER"] : []))
            try? FileManager.default.removeItem(atPath: path + ".tmp")
        }

        /// What `openssl verify -crl_check` says of a leaf against `crl`.
        func opensslRevokes(_ leaf: String, crl: String, der: Bool = false) -> Bool {
            var pem = crl
            if der {
                pem = crl + ".as.pem"
                Fixtures.openssl(["crl", "-inform", "DER", "-in", crl, "-out", pem])
            }
            let result = Fixtures.run("/usr/bin/openssl", ["verify", "-CAfile", caCertificate, "-crl_check", "-CRLfile", pem, leaf])
            return (result.stdout + result.stderr).contains("certificate revoked")
        }
    }

    static func scanJSON(_ arguments: [String]) throws -> (status: Int32, json: [String: Any], stderr: String) {
        let result = Fixtures.run(Fixtures.executable, ["scan", "--format", "json"] + arguments)
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stderr)")
        return (result.status, json, result.stderr)
    }

    static func documents(_ json: [String: Any]) -> [[String: Any]] {
        json["certificates"] as? [[String: Any]] ?? []
    }

    static func ruleIDs(_ document: [String: Any]) -> [String] {
        (document["findings"] as? [[String: Any]] ?? []).compactMap { $0["ruleId"] as? String }.sorted()
    }

    @Test func aFreshCRLRevokesWhatOpenSSLSaysItRevokes() throws {
        let ca = OpenSSLCA()
        let crl = ca.folder + "/ca.crl.pem"
        ca.crl(to: crl, days: 90)
        #expect(ca.opensslRevokes(ca.leaves[0], crl: crl))
        #expect(!ca.opensslRevokes(ca.leaves[1], crl: crl))
        let (status, json, _) = try Self.scanJSON([ca.folder])
        #expect(status == 1)
        let byPath = Dictionary(grouping: Self.documents(json)) { $0["path"] as! String }
        let revoked = try #require(byPath[ca.leaves[0]]?.first)
        #expect(Self.ruleIDs(revoked).contains("crl.certificate-revoked"))
        let revocation = try #require(revoked["revocation"] as? [String: Any])
        #expect(revocation["status"] as? String == "revoked")
        #expect(revocation["reason"] as? String == "keyCompromise")
        #expect((revocation["crl"] as? String)?.hasPrefix(crl) == true)
        let good = try #require(byPath[ca.leaves[1]]?.first)
        #expect(!Self.ruleIDs(good).contains("crl.certificate-revoked"))
        #expect((good["revocation"] as? [String: Any])?["status"] as? String == "good")
        // The CRL itself: a document of its own, fresh, listing one certificate, numbered as openssl says.
        let document = try #require(byPath[crl]?.first)
        #expect(document["document"] as? String == "crl")
        #expect(Self.ruleIDs(document).isEmpty)
        let facts = try #require(document["crl"] as? [String: Any])
        #expect(facts["revoked"] as? Int == 1)
        let number = Fixtures.openssl(["crl", "-in", crl, "-noout", "-crlnumber"])  // crlNumber=0x2A
        let opensslNumber = number.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "x").last.map(String.init)
        #expect(opensslNumber.flatMap { UInt64($0, radix: 16) } == (facts["number"] as? String).flatMap { UInt64($0, radix: 16) })
        #expect(opensslNumber == "2A")
        let nextUpdate = Fixtures.openssl(["crl", "-in", crl, "-noout", "-nextupdate"])
        let expected = UnixTime(iso8601: facts["nextUpdate"] as? String ?? "")
        #expect(expected != nil && nextUpdate.contains(String(expected!.isoDate.prefix(4))))
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["certificates"] as? Int == 3)
        #expect(summary["crls"] as? Int == 1)
        #expect((summary["crlSources"] as? [String])?.count == 1)
    }

    @Test func aStaleAndADueCRLAreFindingsOfTheCRL() throws {
        let ca = OpenSSLCA()
        let stale = ca.folder + "/stale.crl"
        ca.crl(to: stale, hours: 1, der: true)
        #expect(ca.opensslRevokes(ca.leaves[0], crl: stale, der: true))
        let due = Fixtures.temporaryDirectory() + "/due.crl.pem"
        ca.crl(to: due, days: 10)
        // Two days from now the one-hour CRL is stale; the ten-day one is due within the 30-day horizon.
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let later = UnixTime(seconds: Int64(now.tv_sec) + 2 * 86_400).iso8601
        let (_, json, _) = try Self.scanJSON(["--at", later, stale, due])
        let documents = Self.documents(json)
        #expect(documents.map { $0["document"] as? String } == ["crl", "crl"])
        #expect(documents.map(Self.ruleIDs) == [["crl.next-update-passed"], ["crl.next-update-soon"]])
        // Today neither is stale; the one-hour CRL is still due soon.
        let (_, today, _) = try Self.scanJSON([stale])
        #expect(Self.documents(today).map(Self.ruleIDs) == [["crl.next-update-soon"]])
    }

    /// Of two CRLs of one issuer only the newest counts: a certificate put on hold and released is good
    /// again; a stale CRL no longer vouches for what it does not list (unknown), but still revokes.
    @Test func theNewestCRLDecidesAndAStaleOneCannotVouch() throws {
        let ca = OpenSSLCA()
        let folder = Fixtures.temporaryDirectory()
        Fixtures.openssl(["ca", "-config", ca.folder + "/ca.cnf", "-revoke", ca.leaves[1], "-crl_reason", "certificateHold", "-crl_hold", "holdInstructionReject"])
        ca.crl(to: folder + "/older.crl.pem", days: 30)  // number 2A: 1001 keyCompromise, 1002 on hold
        // Release the hold: index.txt back to valid for 1002, then a newer CRL (number 2B).
        let index = try String(contentsOfFile: ca.folder + "/index.txt", encoding: .utf8)
        let released = index.split(separator: "\n").map { line -> String in
            let fields = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            guard fields.count > 3, fields[3] == "1002" else { return String(line) }
            return (["V", fields[1], ""] + fields[3...]).joined(separator: "\t")
        }.joined(separator: "\n") + "\n"
        Fixtures.write(released, to: ca.folder + "/index.txt")
        ca.crl(to: folder + "/newer.crl.pem", days: 30)
        #expect(!ca.opensslRevokes(ca.leaves[1], crl: folder + "/newer.crl.pem"))
        #expect(ca.opensslRevokes(ca.leaves[1], crl: folder + "/older.crl.pem"))
        for leaf in ca.leaves { try FileManager.default.copyItem(atPath: leaf, toPath: folder + "/" + (leaf as NSString).lastPathComponent) }
        func statuses(_ extra: [String]) throws -> [String: String] {
            let (_, json, _) = try Self.scanJSON(extra + [folder])
            var found: [String: String] = [:]
            for document in Self.documents(json) where document["document"] as? String == "certificate" {
                found[(document["path"] as! NSString).lastPathComponent] = (document["revocation"] as? [String: Any])?["status"] as? String
            }
            return found
        }
        #expect(try statuses([]) == ["leaf-1001.crt": "revoked", "leaf-1002.crt": "good"])
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        let later = UnixTime(seconds: Int64(now.tv_sec) + 60 * 86_400).iso8601
        #expect(try statuses(["--at", later]) == ["leaf-1001.crt": "revoked", "leaf-1002.crt": "unknown"])
    }

    @Test func crlOptionJudgesCertificatesOutsideTheCRLsFolder() throws {
        let ca = OpenSSLCA()
        let elsewhere = Fixtures.temporaryDirectory() + "/published.pem"  // not named like a CRL
        ca.crl(to: elsewhere, days: 30)
        let (_, without, _) = try Self.scanJSON([ca.leaves[0]])
        #expect(!Self.ruleIDs(Self.documents(without)[0]).contains("crl.certificate-revoked"))
        #expect(Self.documents(without)[0]["revocation"] == nil)
        let (status, with, _) = try Self.scanJSON(["--crl", elsewhere, ca.leaves[0]])
        #expect(status == 1)
        #expect(Self.ruleIDs(Self.documents(with)[0]).contains("crl.certificate-revoked"))
        // A --crl that holds no CRL is a warning, a missing one a usage error.
        let notCRL = Fixtures.run(Fixtures.executable, ["scan", "--crl", ca.caCertificate, ca.leaves[1]])
        #expect(notCRL.stderr.contains("holds no CRL"))
        #expect(notCRL.status == 0)
        let missing = Fixtures.run(Fixtures.executable, ["scan", "--crl", ca.folder + "/nothing.crl", ca.leaves[1]])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("no such file"))
    }

    @Test func requestsMadeByOpenSSLAreJudgedBeforeSubmission() throws {
        let folder = Fixtures.temporaryDirectory()
        func request(_ name: String, _ extensions: [String], der: Bool = false) -> String {
            let path = folder + "/" + name
            Fixtures.openssl(
                ["req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", folder + "/\(name).key", "-out", path,
                 "-subj", "/CN=app.corp.example.com"] + extensions.flatMap { ["-addext", $0] } + (der ? ["-outform", "DER"] : []))
            return path
        }
        let good = request(
            "good.csr", ["keyUsage=critical,digitalSignature,keyEncipherment", "extendedKeyUsage=serverAuth", "subjectAltName=DNS:app.corp.example.com"])
        let veeamLike = request(
            "ke-de.csr", ["keyUsage=critical,keyEncipherment,dataEncipherment", "subjectAltName=DNS:app.corp.example.com"], der: true)
        let (status, json, _) = try Self.scanJSON(["--profile", "all", good, veeamLike])
        #expect(status == 1)
        let documents = Self.documents(json)
        #expect(documents.map { $0["document"] as? String } == ["csr", "csr"])
        #expect(documents.map { $0["subject"] as? String } == ["CN=app.corp.example.com", "CN=app.corp.example.com"])
        #expect(Self.ruleIDs(documents[0]).isEmpty)
        #expect(Self.ruleIDs(documents[1]) == ["browser.ku-lacks-digital-signature", "cabf.rsa-ku-data-encipherment"])
        // What openssl reads from the request is what certaudit judged.
        let text = Fixtures.openssl(["req", "-in", veeamLike, "-inform", "DER", "-noout", "-text"])
        #expect(text.contains("Key Encipherment, Data Encipherment"))
        #expect(documents[1]["keyUsage"] as? [String] == ["keyEncipherment", "dataEncipherment"])
        #expect(documents[0]["notAfter"] is NSNull && documents[0]["serial"] is NSNull)
        // A request is no certificate: no expiry or validity rule applies, and no key beside it is matched.
        #expect(!Self.ruleIDs(documents[0]).contains { $0.contains("expir") || $0.contains("validity") })
        #expect(documents[0]["privateKey"] == nil)
        let summary = try #require(json["summary"] as? [String: Any])
        #expect(summary["requests"] as? Int == 2)
        #expect(summary["certificates"] as? Int == 0)
    }

    @Test func certauditsOwnRequestPasses() throws {
        let out = Fixtures.temporaryDirectory() + "/out"
        let made = Fixtures.run(
            Fixtures.executable, ["remediate", "--csr", "--out", out, Fixtures.samples + "/veeam/veeam-one-10a.crt"])
        #expect(made.status == 0, "\(made.stdout)\(made.stderr)")
        let csr = out + "/veeam-one-10a.csr"
        #expect(FileManager.default.fileExists(atPath: csr))
        let (status, json, _) = try Self.scanJSON([csr])
        #expect(status == 0)
        let documents = Self.documents(json)
        #expect(documents.count == 1)
        #expect(documents.first?["document"] as? String == "csr")
        #expect(documents.first.map(Self.ruleIDs) == [])
        // Remediation leaves requests and CRLs alone, with a reason.
        let again = Fixtures.run(Fixtures.executable, ["remediate", "--dry-run", "--out", out + "/2", csr])
        #expect(again.stdout.contains("a certificate signing request"), "\(again.stdout)")
    }

    @Test func reportsNameTheDocumentKind() throws {
        let folder = Fixtures.samples
        let sarifPath = Fixtures.temporaryDirectory() + "/r.sarif"
        let csvPath = Fixtures.temporaryDirectory() + "/r.csv"
        let result = Fixtures.run(
            Fixtures.executable,
            ["scan", "--at", "2026-12-01", "--report", "sarif:" + sarifPath, "--report", "csv:" + csvPath, folder + "/crl", folder + "/csr"])
        #expect(result.stdout.contains("CRL of CN=certaudit Test Root CA,O=certaudit samples · thisUpdate 2026-10-01 · nextUpdate 2026-11-01 · 0 revoked"))
        #expect(result.stdout.contains("#0 CSR CN=vone01.corp.example.com · RSA-2048 · KeyUsage {keyEncipherment, dataEncipherment}"))
        #expect(result.stdout.contains("1 certificates, 4 CSRs, 4 CRLs"))
        let sarif = try #require(FileManager.default.contents(atPath: sarifPath))
        let runs = try #require((try JSONSerialization.jsonObject(with: sarif) as? [String: Any])?["runs"] as? [[String: Any]])
        let kinds = Set(((runs.first?["results"] as? [[String: Any]]) ?? []).compactMap { ($0["properties"] as? [String: Any])?["document"] as? String })
        #expect(kinds == ["certificate", "csr", "crl"])
        let csv = String(decoding: try #require(FileManager.default.contents(atPath: csvPath)), as: UTF8.self)
        #expect(csv.hasPrefix("path,index,sha256,subject,notAfter,keyUsage,ruleId,profile,severity,suppressed,message,document\r\n"))
        #expect(csv.contains("crl.next-update-passed,crl,error,,") && csv.contains(",crl\r\n") && csv.contains(",csr\r\n"))
    }

    /// Some encoders leave a request's empty attributes [0] out: such a DER request is still a request.
    @Test func aDERRequestWithoutAttributesIsARequest() throws {
        let folder = Fixtures.temporaryDirectory()
        // openssl's request has an empty [0] (A0 00) as the info's last field; take it out, fix the lengths.
        let converted = folder + "/plain.der"
        Fixtures.openssl(["req", "-in", Fixtures.samples + "/csr/cn-only.csr", "-outform", "DER", "-out", converted])
        var bytes = [UInt8](try #require(FileManager.default.contents(atPath: converted)))
        // cn-only.csr requests no extensions: its attributes are the two bytes A0 00 at the end of the info.
        let info = try #require(DERWalk.children(of: bytes, at: 0).first)
        let infoEnd = info.end
        #expect(bytes[infoEnd - 2] == 0xa0 && bytes[infoEnd - 1] == 0x00)
        bytes.removeSubrange((infoEnd - 2)..<infoEnd)
        bytes = DERWalk.shrink(bytes, outerAt: 0, by: 2, innerAt: info.start)
        FileManager.default.createFile(atPath: folder + "/bare.csr.der", contents: Data(bytes))
        let (reports, _) = Fixtures.scan([folder + "/bare.csr.der"])
        let report = try #require(reports.first)
        #expect(report.problems.isEmpty, "\(report.problems)")
        #expect(report.certificates.first?.document == .csr)
        #expect(report.certificates.first?.facts.subject.rfc4514 == "CN=cn-only.corp.example.com")
    }

    @Test func crlNamesAreRecognisedWithoutReadingTheFile() {
        for name in ["ca.crl", "CA.CRL", "root.crl.pem", "root.crl.der", "crl.pem", "intermediate-CRL.der", "1a2b3c4d.r0", "ABCDEF01.r12"] {
            #expect(RevocationIndex.isNamedLikeCRL(name[...]), "\(name)")
        }
        for name in ["ca.crt", "crl", "notes.txt", "1a2b3c4d.0", "1a2b3c4g.r0", "1a2b3c4d.r", "server.pem", "crl.pem.bak"] {
            #expect(!RevocationIndex.isNamedLikeCRL(name[...]), "\(name)")
        }
    }

    @Test func malformedRequestsAndCRLsArePerFileErrors() throws {
        let folder = Fixtures.temporaryDirectory()
        // A PEM block labelled as a request or CRL whose DER is something else.
        let certificate = try String(contentsOfFile: Fixtures.samples + "/tls/good-rsa.crt", encoding: .utf8)
        Fixtures.write(
            certificate.replacingOccurrences(of: "CERTIFICATE", with: "CERTIFICATE REQUEST"), to: folder + "/wrong.csr")
        Fixtures.write(certificate.replacingOccurrences(of: "CERTIFICATE", with: "X509 CRL"), to: folder + "/wrong.crl")
        let (reports, _) = Fixtures.scan([folder])
        let problems = Dictionary(uniqueKeysWithValues: reports.map { (($0.path as NSString).lastPathComponent, $0.problems.map(\.code)) })
        #expect(problems["wrong.csr"] == [.requestUnparsable])
        #expect(problems["wrong.crl"] == [.crlUnparsable])
    }
}

/// Just enough DER handling for the test above: the children of a SEQUENCE and shrinking two nested
/// short-form or long-form lengths.
enum DERWalk {
    struct Element {
        var start: Int
        var contentStart: Int
        var end: Int
    }

    static func header(_ bytes: [UInt8], at index: Int) -> Element {
        let first = Int(bytes[index + 1])
        if first < 0x80 {
            return Element(start: index, contentStart: index + 2, end: index + 2 + first)
        }
        let count = first & 0x7f
        let length = bytes[(index + 2)..<(index + 2 + count)].reduce(0) { $0 << 8 | Int($1) }
        return Element(start: index, contentStart: index + 2 + count, end: index + 2 + count + length)
    }

    static func children(of bytes: [UInt8], at index: Int) -> [Element] {
        let outer = header(bytes, at: index)
        var result: [Element] = []
        var at = outer.contentStart
        while at < outer.end {
            let child = header(bytes, at: at)
            result.append(child)
            at = child.end
        }
        return result
    }

    /// Lowers the lengths of the element at `outerAt` and of the one at `innerAt` by `by` (same-width encodings).
    static func shrink(_ bytes: [UInt8], outerAt: Int, by: Int, innerAt: Int) -> [UInt8] {
        var bytes = bytes
        for index in [outerAt, innerAt] {
            let first = Int(bytes[index + 1])
            if first < 0x80 {
                bytes[index + 1] = UInt8(first - by)
            } else {
                let count = first & 0x7f
                var length = bytes[(index + 2)..<(index + 2 + count)].reduce(0) { $0 << 8 | Int($1) } - by
                for position in stride(from: index + 1 + count, through: index + 2, by: -1) {
                    bytes[position] = UInt8(length & 0xff)
                    length >>= 8
                }
            }
        }
        return bytes
    }
}
