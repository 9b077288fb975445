import CCertAuditOpenSSL
import SwiftASN1

#if canImport(Glibc)
    import Glibc
#endif

/// Entry points for the libFuzzer targets in `Fuzz/` (run with `scripts/fuzz TARGET [SECONDS]`). SPI,
/// not API: `@_spi(Fuzzing) import CertAudit`. Each takes arbitrary bytes, runs one parser and what a
/// scan does with its result, and must neither crash, trap, leak nor hang.
@_spi(Fuzzing) public enum FuzzEntry {
    /// The built-in rules when `CERTAUDIT_RULES_DIR` names them (scripts/fuzz sets it), else none.
    private static let auditor: Auditor = {
        let catalog = BuiltinRules.locate(environment: environment()).flatMap { try? RuleCatalog.load(paths: [$0]) }
        let rules = (try? catalog?.selecting(profiles: ["all"], disabling: [])) ?? []
        return Auditor(
            rules: rules, products: catalog?.products ?? [], context: EvaluationContext(now: UnixTime(seconds: 1_796_083_200)))
    }()

    private static let passwords: PasswordCandidates = {
        ca_p12_set_max_iterations(4096)  // keep each execution short; the real limit is tested on samples
        var candidates = PasswordCandidates()
        candidates.add(password: "certaudit-sample", source: "fuzz")
        return candidates
    }()

    private static func environment() -> [String: String] {
        var result: [String: String] = [:]
        if let value = getenv("CERTAUDIT_RULES_DIR") {
            result["CERTAUDIT_RULES_DIR"] = String(cString: value)
        }
        return result
    }

    /// What a scan does with one file: sniff, cut, parse, judge, and render it as text and JSON.
    public static func scanFile(_ bytes: [UInt8]) {
        let report = auditor.audit(bytes: bytes, path: "fuzz.pem", decoder: ContainerDecoder(passwords: passwords))
        _ = TextReport.render(report, verbose: true, color: false)
        _ = JSONWriter.elements { json in
            for certificate in report.certificates {
                JSONReport.writeCertificate(certificate, path: report.path, into: &json)
            }
        }
    }

    /// Base64 as PEM bodies use it: whatever decodes must encode and decode back to the same bytes.
    public static func base64(_ bytes: [UInt8]) {
        guard let decoded = try? Base64.decode(bytes[...]) else { return }
        let armored = Array(PEMWriter.encode(label: "X", der: decoded).utf8)
        let body = PEMScanner.blocks(in: armored).first?.body ?? 0..<0
        let again = try? Base64.decode(armored[body])
        precondition(again == decoded, "base64 round trip changed the bytes")
    }

    /// The lenient certificate parser, then every fact and message a rule or report can ask for.
    public static func certificate(_ bytes: [UInt8]) {
        guard let facts = try? LenientCertificateParser.parse(bytes[...]) else { return }
        let verdict = auditor.audit(facts, container: .der, friendlyName: "Veeam ONE", presentation: nil)
        let input = EvaluationInput(facts: facts, container: .der, friendlyName: nil, context: auditor.context)
        for fact in FactCatalog.all {
            _ = fact.accessor.render(input)
        }
        _ = verdict.findings.count
        _ = Presentation.chain([facts, facts])
    }

    /// The PKCS#7 certificate reader on BER.
    public static func pkcs7(_ bytes: [UInt8]) {
        guard let node = try? BER.parse(bytes[...]) else { return }
        for certificate in (try? PKCS7CertificateReader.certificates(in: node)) ?? [] {
            _ = try? LenientCertificateParser.parse(certificate)
        }
    }

    /// PKCS#12 through the OpenSSL shim, as a scan reads it and as remediation does (with the key).
    public static func pkcs12(_ bytes: [UInt8]) {
        _ = try? PKCS12CertificateReader.read(bytes[...], passwords: passwords)
        _ = try? PKCS12CertificateReader.read(bytes[...], passwords: passwords, wantKey: true)
    }

    /// One rule or product file.
    public static func ruleFile(_ bytes: [UInt8]) {
        _ = try? RuleFileLoader.load(
            text: String(decoding: bytes, as: UTF8.self), path: "/fuzz/rules.yaml",
            parameters: Set(EvaluationContext.defaultParameters.keys))
    }

    /// One `.certaudit.yaml`.
    public static func configuration(_ bytes: [UInt8]) {
        _ = try? ScanConfiguration.parse(text: String(decoding: bytes, as: UTF8.self), path: "/fuzz/.certaudit.yaml")
    }
}
