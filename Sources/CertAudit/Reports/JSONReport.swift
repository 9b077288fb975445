/// The `--format json` report (schema version 1, documented in the README). Certificates are written as
/// they arrive; per-file errors and skipped files follow the certificates, then the summary.
public final class JSONReport: ReportWriter {
    public static let schemaVersion = 1

    private let output: OutputChannel
    private var json = JSONWriter()
    private var errors: [(host: String?, problem: InputProblem)] = []
    private var skipped: [(host: String?, path: String, message: String)] = []
    private var header: ScanHeader?
    private var certificates = StreamedArray()

    public init(output: OutputChannel) {
        self.output = output
    }

    public func begin(_ header: ScanHeader) {
        self.header = header
        json.beginObject()
        json.field("schemaVersion", JSONReport.schemaVersion)
        json.key("tool")
        json.beginObject()
        json.field("name", "certaudit")
        json.field("version", header.toolVersion)
        json.endObject()
        if let fleet = header.fleet {
            // A fleet report (certaudit merge): each host's run; certificates, errors and skipped files name their host.
            json.key("hosts")
            json.beginArray()
            for host in fleet {
                json.beginObject()
                json.field("host", host.name)
                json.field("toolVersion", host.toolVersion)
                writeRun(host.referenceTime, roots: host.roots, profiles: host.profiles, configuration: host.configuration)
                json.endObject()
            }
            json.endArray()
        } else {
            json.field("host", header.host)
        }
        writeRun(header.referenceTime, roots: header.roots, profiles: header.profiles, configuration: header.configuration)
        json.key("certificates")
        json.beginArray()
        output.write(bytes: json.take())
    }

    /// `referenceTime`, `roots`, `profiles`, `configuration`: what a run was (the scan's, or a host's in a fleet report).
    private func writeRun(_ referenceTime: UnixTime, roots: [String], profiles: [String], configuration: String?) {
        json.field("referenceTime", referenceTime.iso8601)
        json.key("roots")
        json.strings(roots)
        json.key("profiles")
        json.strings(profiles)
        json.field("configuration", configuration)
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        { report in
            JSONWriter.elements { json in
                for certificate in report.certificates {
                    JSONReport.writeCertificate(certificate, path: report.path, host: report.host, into: &json)
                }
            }
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        certificates.append(rendered, to: output)
        errors += report.problems.map { (report.host, $0) }
        if let reason = report.skipReason, report.certificates.isEmpty, report.problems.isEmpty {
            skipped.append((report.host, report.path, reason))
        }
    }

    /// `"chain": {position, count, issuer, signature, trust}` and, for a live server,
    /// `"tls": {protocol, cipher, keyExchange, group, alpn, chromeCompatible, accepts, requestedName}`.
    static func writePresentation(_ presentation: Presentation, into json: inout JSONWriter) {
        json.key("chain")
        json.beginObject()
        json.field("position", presentation.index + 1)
        json.field("count", presentation.count)
        json.field("issuer", presentation.issuer.rawValue)
        json.field("signature", presentation.signature.rawValue)
        json.field("trust", presentation.trust.rawValue)
        json.endObject()
        guard let handshake = presentation.handshake else { return }
        json.key("tls")
        json.beginObject()
        json.field("protocol", handshake.protocolVersion.rawValue)
        json.field("cipher", handshake.cipher)
        json.field("keyExchange", handshake.keyExchange.rawValue)
        json.field("group", handshake.group)
        json.field("alpn", handshake.alpn)
        json.field("chromeCompatible", handshake.chromeCompatible)
        json.key("accepts")
        json.beginObject()
        // null: unknown (not probed, or the probe got no answer).
        func known(_ value: Bool?) {
            if let value { json.bool(value) } else { json.null() }
        }
        json.key("tls13")
        known(handshake.acceptsTLS13)
        json.key("ecdhe")
        known(handshake.acceptsECDHE)
        json.key("rsaKeyExchange")
        known(handshake.acceptsRSAKeyExchange)
        json.endObject()
        json.field("service", handshake.service.rawValue)
        json.field("stoppedAtCertificate", handshake.stoppedAtCertificate)
        json.field("requestedName", handshake.requestedName)
        json.endObject()
    }

    static func writeCertificate(_ certificate: AuditedCertificate, path: String, host: String? = nil, into json: inout JSONWriter) {
        let facts = certificate.facts
        json.beginObject()
        if let host {
            json.field("host", host)
        }
        json.field("path", path)
        json.field("index", certificate.index)
        // certificate, csr (PKCS#10 request: no issuer, serial or validity) or crl (see "crl").
        json.field("document", facts.document.rawValue)
        json.field("container", certificate.container.rawValue)
        json.field("location", certificate.location)
        json.field("friendlyName", certificate.friendlyName)
        json.field("sha256", facts.sha256)
        json.field("subject", facts.subject.rfc4514)
        json.field("issuer", facts.document == .csr ? nil : facts.issuer.rfc4514)
        json.field("serial", facts.document == .certificate ? facts.serialHex : nil)
        json.field("version", facts.version)
        // A request has no validity; a CRL's is thisUpdate…nextUpdate (null without one), as in "crl".
        json.field("notBefore", facts.document == .csr ? nil : facts.notBefore.iso8601)
        json.field("notAfter", facts.document == .certificate ? facts.notAfter.iso8601 : facts.revocationList?.nextUpdate?.iso8601)
        if let list = facts.revocationList {
            json.key("crl")
            json.beginObject()
            json.field("thisUpdate", list.thisUpdate.iso8601)
            json.field("nextUpdate", list.nextUpdate?.iso8601)
            json.field("revoked", list.revokedCount)
            json.field("number", list.number.map { Hex.encode($0) })
            json.endObject()
        }
        if let revocation = certificate.revocation {
            // What the scan's CRLs say: none (no CRL of its issuer), good, revoked.
            json.key("revocation")
            json.beginObject()
            json.field("status", revocation.state.rawValue)
            json.field("crl", revocation.crl.isEmpty ? nil : revocation.crl)
            json.field("revocationDate", revocation.revocationDate?.iso8601)
            json.field("reason", revocation.reason)
            json.endObject()
        }
        json.field("role", certificate.role.rawValue)
        json.field("declaredRole", facts.role.rawValue)
        json.field("roleBasis", certificate.roleBasis.rawValue)
        json.field("selfIssued", facts.selfIssued)
        json.key("key")
        json.beginObject()
        json.field("algorithm", facts.publicKey.algorithm.rawValue)
        json.field("bits", facts.publicKey.bits)
        json.field("curve", facts.publicKey.curve)
        json.endObject()
        json.field("signatureAlgorithm", facts.signatureAlgorithm.name)
        json.field("signatureHash", facts.signatureAlgorithm.hash.rawValue)
        if let presentation = certificate.presentation {
            writePresentation(presentation, into: &json)
        }
        if let key = certificate.privateKey {
            // What was found about the key lying with it; never the key.
            json.key("privateKey")
            json.beginObject()
            json.field("path", key.path)
            json.field("match", key.match.rawValue)
            // The key's own type and size, once it was read (null for a key left encrypted).
            json.field("algorithm", key.keyAlgorithm?.rawValue)
            json.key("bits")
            if key.keyAlgorithm != nil { json.int(key.keyBits) } else { json.null() }
            json.field("mode", key.modeText)
            json.field("worldReadable", key.worldReadable)
            json.field("groupReadable", key.groupReadable)
            json.field("ownerDiffers", key.ownerDiffers)
            json.field("uncheckedReason", key.uncheckedReason)
            json.endObject()
        }
        json.key("keyUsage")
        if let keyUsage = facts.keyUsage {
            json.strings(keyUsage.bits.names)
        } else {
            json.null()
        }
        json.key("keyUsageCritical")
        if let keyUsage = facts.keyUsage { json.bool(keyUsage.critical) } else { json.null() }
        json.key("extendedKeyUsage")
        if let eku = facts.extendedKeyUsage { json.strings(eku.purposes) } else { json.null() }
        json.key("subjectAltNames")
        if let san = facts.subjectAltNames {
            json.beginObject()
            json.key("dns")
            json.strings(san.dnsNames)
            json.key("ip")
            json.strings(san.ipAddresses)
            json.key("email")
            json.strings(san.emails)
            json.key("uri")
            json.strings(san.uris)
            json.field("other", san.otherCount)
            json.endObject()
        } else {
            json.null()
        }
        json.key("basicConstraints")
        if let constraints = facts.basicConstraints {
            json.beginObject()
            json.field("ca", constraints.isCA)
            json.key("pathLength")
            if let length = constraints.pathLength { json.int(length) } else { json.null() }
            json.endObject()
        } else {
            json.null()
        }
        json.key("products")
        json.strings(certificate.products.map(\.label))
        json.key("parseWarnings")
        json.strings(facts.parseWarnings)
        json.key("findings")
        json.beginArray()
        for finding in certificate.findings {
            json.beginObject()
            json.field("ruleId", finding.ruleId)
            json.field("profile", finding.profile)
            json.field("severity", finding.severity.rawValue)
            json.field("title", finding.title)
            json.field("message", finding.message)
            json.field("remediation", finding.remediation)
            json.field("citation", finding.citation)
            json.field("suppressed", finding.suppression?.kind)
            if case .waiver(let reason)? = finding.suppression {
                json.field("waiverReason", reason)
            }
            json.endObject()
        }
        json.endArray()
        json.endObject()
    }

    /// `[{ "path": …, textKey: … }, …]`
    private func writePathList(_ items: [(host: String?, path: String, message: String)], textKey: StaticString) {
        json.beginArray()
        for item in items {
            json.beginObject()
            if let host = item.host {
                json.field("host", host)
            }
            json.field("path", item.path)
            json.field(textKey, item.message)
            json.endObject()
        }
        json.endArray()
    }

    /// `"findings": {error, warning, notice, info, suppressed}`.
    private func writeFindingCounts(_ findings: [Severity: Int], suppressed: Int) {
        json.key("findings")
        json.beginObject()
        json.field("error", findings[.error] ?? 0)
        json.field("warning", findings[.warning] ?? 0)
        json.field("notice", findings[.notice] ?? 0)
        json.field("info", findings[.info] ?? 0)
        json.field("suppressed", suppressed)
        json.endObject()
    }

    public func finish(_ summary: ScanSummary) {
        json.endArray()
        json.key("errors")
        json.beginArray()
        for (host, problem) in errors {
            json.beginObject()
            if let host {
                json.field("host", host)
            }
            json.field("path", problem.path)
            json.field("code", problem.code.rawValue)
            json.field("location", problem.location)
            json.field("message", problem.description)
            json.field("suppressed", problem.suppression?.kind)
            if case .waiver(let reason)? = problem.suppression {
                json.field("waiverReason", reason)
            }
            json.endObject()
        }
        json.endArray()
        json.key("skipped")
        writePathList(skipped, textKey: "reason")
        if let header, header.baseline != nil {
            json.key("baseline")
            json.beginObject()
            json.key("stale")
            json.beginArray()
            for entry in header.staleBaselineEntries(summary) {
                json.beginObject()
                json.field("ruleId", entry.key.ruleId)
                json.field("sha256", entry.key.sha256)
                json.field("path", entry.path)
                json.endObject()
            }
            json.endArray()
            json.endObject()
        }
        json.key("summary")
        json.beginObject()
        json.field("files", summary.files)
        json.field("certificates", summary.certificates)
        json.field("requests", summary.requests)
        json.field("crls", summary.crls)
        // The CRLs certificates were judged against (--crl, and files named like CRLs in the scan).
        json.key("crlSources")
        json.strings(summary.crlSources)
        json.field("skipped", summary.skipped)
        json.field("unreadable", summary.unreadable)
        writeFindingCounts(summary.findings, suppressed: summary.suppressed)
        // Per rule: certificates it applied to (passed or failed) and failed on; absent rules applied to none.
        json.key("rules")
        json.beginArray()
        for id in summary.ruleApplications.keys.sorted() {
            json.beginObject()
            json.field("id", id)
            json.field("applied", summary.ruleApplications[id] ?? 0)
            json.field("failed", summary.ruleFailures[id] ?? 0)
            json.endObject()
        }
        json.endArray()
        if !summary.hosts.isEmpty {
            // A fleet report: each host's share.
            json.key("hosts")
            json.beginArray()
            for host in summary.hosts {
                json.beginObject()
                json.field("host", host.host)
                json.field("files", host.files)
                json.field("documents", host.documents)
                json.field("unreadable", host.unreadable)
                writeFindingCounts(host.findings, suppressed: host.suppressed)
                json.endObject()
            }
            json.endArray()
        }
        if summary.cacheUsed {
            // --cache: files whose facts were reused unread, and files read and parsed.
            json.key("cache")
            json.beginObject()
            json.field("reused", summary.cacheReused)
            json.field("read", summary.cacheRead)
            json.endObject()
        }
        json.key("elapsedSeconds")
        json.double((summary.elapsedSeconds * 1000).rounded() / 1000)
        json.endObject()
        json.endObject()
        output.write(bytes: json.take())
        output.write("\n")
    }
}
