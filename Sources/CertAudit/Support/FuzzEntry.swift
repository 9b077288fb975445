import CCertAuditOpenSSL
import SwiftASN1

#if canImport(Glibc)
    import Glibc
#endif

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
        // The key check of a combined PEM (the path does not exist, so the scan above skips it).
        let decoded = ContainerDecoder(passwords: passwords).decode(bytes, name: "fuzz.pem")
        if decoded.privateKeys > 0 {
            _ = PrivateKeyCheck.inFile(bytes: bytes, certificates: decoded.certificates)
        }
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

    /// The lenient certificate parser (and the request and CRL parsers on the same bytes), then every
    /// fact and message a rule or report can ask for.
    public static func certificate(_ bytes: [UInt8]) {
        for document in [try? LenientRequestParser.parse(bytes[...]), try? LenientRevocationListParser.parseWithEntries(bytes[...]).0] {
            guard let facts = document else { continue }
            let input = EvaluationInput(facts: facts, container: .der, friendlyName: nil, context: auditor.context)
            for fact in FactCatalog.all {
                _ = fact.accessor.render(input)
            }
            _ = auditor.audit(facts, container: .der, friendlyName: nil, presentation: nil).findings.count
        }
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

    /// A `--targets` file in any of its formats, and every endpoint or range it names.
    public static func targets(_ bytes: [UInt8]) {
        for input in TargetList.parse(bytes, source: "fuzz.txt") {
            switch input {
            case .endpoint(let endpoint): _ = endpoint.display
            case .endpointRange(let range): _ = range.endpoint(at: range.count - 1).display
            default: _ = input.description
            }
        }
    }

    /// What a server says before TLS: the bytes are the server's side of a socket pair, closed after
    /// them; the STARTTLS client of every protocol reads them (bounded in bytes and by a short deadline).
    public static func starttls(_ bytes: [UInt8]) {
        for kind in [CA_STARTTLS_SMTP, CA_STARTTLS_IMAP, CA_STARTTLS_POP3, CA_STARTTLS_LDAP, CA_STARTTLS_FTP, CA_STARTTLS_POSTGRES] {
            var pair: [Int32] = [0, 0]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &pair) == 0 else { return }
            for end in pair {
                _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK)
            }
            let chunk = bytes.prefix(65_536)
            _ = chunk.withUnsafeBytes { send(pair[1], $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            shutdown(pair[1], Int32(SHUT_WR))
            var message = [CChar](repeating: 0, count: 256)
            var failure: Int32 = 0
            _ = ca_starttls_probe(pair[0], Int32(kind.rawValue), 200, &message, message.count, &failure)
            close(pair[0])
            close(pair[1])
        }
    }

    /// A file judged as the chain a live server presented, with a handshake and a trust store: the
    /// chain checks (issuers, signatures, trust) and every tls.*/chain.* fact.
    public static func presentedChain(_ bytes: [UInt8]) {
        var decoded = ContainerDecoder(passwords: passwords).decode(bytes, name: "fuzz.pem")
        for index in decoded.certificates.indices {
            decoded.certificates[index].container = .presented
        }
        decoded.handshake = TLSHandshake(
            protocolVersion: .tls12, cipher: "AES128-GCM-SHA256", keyExchange: .rsa, requestedName: "www.example.com")
        // Loaded per execution: a static store's certificates (Data slices inside swift-certificates)
        // are not recognised as reachable by LeakSanitizer.
        var chainAuditor = auditor
        if let folder = getenv("CERTAUDIT_SAMPLES_DIR") {
            chainAuditor.trustStore = try? TrustStore.load(String(cString: folder) + "/ca")
        }
        let report = chainAuditor.audit(decoded, path: "tls://fuzz:443")
        for certificate in report.certificates {
            guard let presentation = certificate.presentation else { continue }
            let input = EvaluationInput(
                facts: certificate.facts, container: .presented, friendlyName: nil, context: auditor.context,
                presentation: presentation)
            for fact in FactCatalog.all {
                _ = fact.accessor.render(input)
            }
        }
    }

    /// One `.certaudit.yaml`.
    public static func configuration(_ bytes: [UInt8]) {
        _ = try? ScanConfiguration.parse(text: String(decoding: bytes, as: UTF8.self), path: "/fuzz/.certaudit.yaml")
    }

    /// A facts cache as a re-scan reads it: a whole file (header, then checksummed records, read as the
    /// walk goes) when the input starts with the cache's magic; otherwise one record without its
    /// checksum (the decoder behind it), whose facts are then judged and rendered.
    /// One unlinked temporary file, rewritten for every execution and opened through /proc.
    private static let cacheFile: Int32 = {
        var template = Array("/tmp/certaudit-fuzz-cache-XXXXXX".utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
        return descriptor
    }()

    /// What `certaudit merge` does with one report a host sent: read it (it may be anything) and write
    /// the fleet report in every format merge writes, in memory.
    public static func fleetReport(_ bytes: [UInt8]) {
        var loaded = FleetMerge.Loaded()
        loaded.add(bytes, path: "fuzz.json")
        let writers = ReportFormat.allCases.filter { $0 != .prometheus }.map {
            $0.writer(to: .memory(), settings: ReportFormat.Settings(verbose: true, color: false, failOn: .warning))
        }
        _ = FleetMerge.write(loaded, to: writers, failOn: .warning, started: 0)
    }

    public static func factsCache(_ bytes: [UInt8]) {
        if bytes.starts(with: FactsCache.magic) {
            let descriptor = cacheFile
            guard descriptor >= 0, ftruncate(descriptor, 0) == 0 else { return }
            _ = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, 0) }
            guard case .usable(let reader) = FactsCacheReader.open(path: "/proc/self/fd/\(descriptor)", context: FactsCache.Context(passwords: PasswordCandidates()))
            else { return }
            while let record = reader.nextForFuzzing() {
                if let parsed = try? FactsCache.parsedInput(of: record) {
                    _ = TextReport.render(auditor.judge(parsed, path: record.path), verbose: true, color: false)
                }
            }
            _ = reader.record(for: "a/b")
            return
        }
        guard let record = try? FactsCache.decodeRecord(bytes), let parsed = try? FactsCache.parsedInput(of: record) else { return }
        let report = auditor.judge(parsed, path: record.path)
        _ = TextReport.render(report, verbose: true, color: false)
        var json = JSONWriter()
        for certificate in report.certificates {
            JSONReport.writeCertificate(certificate, path: report.path, into: &json)
        }
    }
}
