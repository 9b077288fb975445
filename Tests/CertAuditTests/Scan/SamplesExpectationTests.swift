import Foundation
import Testing
@testable import CertAudit

/// samples/EXPECTED.json was written by hand from the rule definitions, independently of this code;
/// the scan of samples/ must reproduce it exactly.
@Suite struct SamplesExpectationTests {
    static let scanned: [String: InputResult] = {
        // The one sample whose verdict depends on its mode (a key every user can read): a checkout's
        // umask decides it, EXPECTED.json and generate.py say 0644.
        chmod(Fixtures.samples + "/bundle/mixed-key-and-cert.pem", 0o644)
        let (reports, _) = Fixtures.scan([Fixtures.samples])
        var byPath: [String: InputResult] = [:]
        for report in reports {
            byPath[String(report.path.dropFirst(Fixtures.samples.count + 1))] = report
        }
        return byPath
    }()

    static var expectedFiles: [String: [String: Any]] {
        Fixtures.expected["files"] as! [String: [String: Any]]
    }

    @Test(arguments: expectedFiles.keys.sorted())
    func fileMatchesExpectation(_ path: String) throws {
        let expected = Self.expectedFiles[path]!
        let report = try #require(Self.scanned[path], "samples/\(path) was not scanned")
        switch expected["status"] as! String {
        case "ok":
            #expect(report.problems.isEmpty, "\(path): \(report.problems)")
            let certificates = expected["certificates"] as! [[String: Any]]
            #expect(report.certificates.count == certificates.count, "\(path): certificate count")
            for (certificate, want) in zip(report.certificates, certificates) {
                #expect(certificate.index == want["index"] as! Int)
                // A CRL is named by its issuer; a request and a certificate by their subject.
                let document = want["document"] as? String ?? "certificate"
                #expect(certificate.document.rawValue == document, "\(path)")
                if document == "crl" {
                    #expect(certificate.facts.issuer.rfc4514 == want["issuer"] as? String, "\(path)")
                } else {
                    #expect(certificate.facts.subject.rfc4514 == want["subject"] as? String, "\(path)")
                }
                let ruleIds = certificate.findings.map(\.ruleId).sorted()
                #expect(ruleIds == (want["findings"] as! [String]).sorted(), "\(path) #\(certificate.index)")
            }
        case "error":
            #expect(!report.problems.isEmpty, "\(path) should be a per-file error")
            #expect(report.problems.map(\.code.rawValue) == expected["problems"] as? [String], "\(path): \(report.problems)")
            #expect(report.certificates.isEmpty)
        case "skipped":
            #expect(report.problems.isEmpty, "\(path): \(report.problems)")
            #expect(report.certificates.isEmpty)
            #expect(report.skipReason != nil)
        default:
            Issue.record("unknown status in EXPECTED.json for \(path)")
        }
    }

    @Test func everythingElseInSamplesIsSkippedNotAnError() {
        let listed = Set(Self.expectedFiles.keys)
        for (path, report) in Self.scanned where !listed.contains(path) {
            #expect(report.certificates.isEmpty && report.problems.isEmpty, "unlisted samples/\(path) holds certificates or errors")
        }
    }

    @Test func defaultProfilesReportOnlyBrowserVendorAndFilesFindings() {
        chmod(Fixtures.samples + "/bundle/mixed-key-and-cert.pem", 0o644)
        let (reports, _) = Fixtures.scan([Fixtures.samples + "/veeam", Fixtures.samples + "/bundle"], profiles: [])
        let files = Self.expectedFiles
        for report in reports {
            let path = String(report.path.dropFirst(Fixtures.samples.count + 1))
            guard let certificates = files[path]?["certificates"] as? [[String: Any]] else { continue }
            for (certificate, want) in zip(report.certificates, certificates) {
                let expected = (want["findings"] as! [String]).filter {
                    $0.hasPrefix("browser.") || $0.hasPrefix("vendor.") || $0.hasPrefix("files.")
                }
                #expect(certificate.findings.map(\.ruleId).sorted() == expected.sorted(), "\(path)")
            }
        }
    }

    @Test func productProvenanceNamesTheInstallerVersions() throws {
        let vone = try #require(Self.scanned["veeam/veeam-one-10a.crt"]?.certificates.first)
        #expect(Set(vone.products.map(\.label)) == ["Veeam ONE ≤ 10a", "Veeam Service Provider Console ≤ 5", "Veeam Backup Enterprise Manager ≤ 10a"])
        let finding = try #require(vone.findings.first { $0.ruleId == "vendor.installer-default-incompatible" })
        #expect(finding.message.contains("Veeam ONE ≤ 10a"))
        #expect(finding.message.contains("upgrades keep"))
        // The PFX friendlyName narrows the match to one product.
        let vspc = try #require(Self.scanned["veeam/vspc-5.pfx"]?.certificates.first)
        #expect(vspc.products.map(\.label) == ["Veeam Service Provider Console ≤ 5"])
        #expect(vspc.friendlyName == "Veeam Service Provider Console")
        let vbem = try #require(Self.scanned["veeam/vbem-11.crt"]?.certificates.first)
        #expect(vbem.products.map(\.label) == ["Veeam Backup Enterprise Manager ≥ 11"])
    }

    @Test func everyFindingNamesItsProfile() {
        for report in Self.scanned.values {
            for certificate in report.certificates {
                for finding in certificate.findings {
                    #expect(finding.ruleId.hasPrefix(finding.profile + "."))
                    #expect(!finding.citation.isEmpty)
                }
            }
        }
    }
}
