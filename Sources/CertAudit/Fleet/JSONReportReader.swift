import Foundation

/// Reads a `--format json` report (schema version 1) back into the results it was written from, for
/// `certaudit merge`. The report carries every fact the other formats print, so a merged report in any
/// format says what each host's own report said: its findings and their suppressions, its unreadable
/// and skipped files, its handshakes and key checks. Facts the JSON leaves out (name DER, key
/// identifiers, extension criticality other than KeyUsage's) are not needed by any report.
public enum JSONReportReader {
    /// Why a report could not be read: a stable code and a sentence naming the field at fault.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public var code: InputProblem.Code
        public var description: String
    }

    /// One host's run as the report describes it, with its results in report order.
    public struct HostRun: Sendable {
        public var host: FleetHost
        /// Files the host's scan counted (the report lists only those with something to say).
        public var files: Int
        public var ruleApplications: [String: Int]
        public var crlSources: [String]
    }

    public struct Contents: Sendable {
        public var runs: [HostRun]
        public var results: [InputResult]
    }

    /// `fallbackHost`: the host of a report that names none (an older report): its file name.
    public static func read(_ bytes: [UInt8], fallbackHost: String) throws(Failure) -> Contents {
        let document: Document
        do {
            let version = try JSONDecoder().decode(Version.self, from: Data(bytes))
            guard version.schemaVersion == JSONReport.schemaVersion else {
                throw Failure(
                    code: .reportUnsupported,
                    description: "has schemaVersion \(version.schemaVersion); this certaudit reads version \(JSONReport.schemaVersion)")
            }
            document = try JSONDecoder().decode(Document.self, from: Data(bytes))
        } catch let failure as Failure {
            throw failure
        } catch let error as DecodingError {
            throw Failure(code: .reportUnreadable, description: "is not a certaudit JSON report: " + describe(error))
        } catch {
            throw Failure(code: .reportUnreadable, description: "is not a certaudit JSON report: \(error)")
        }
        do {
            return try contents(of: document, fallbackHost: fallbackHost)
        } catch let error as FieldError {
            throw Failure(code: .reportUnreadable, description: "is not a certaudit JSON report: \(error.path): \(error.reason)")
        } catch {
            throw Failure(code: .reportUnreadable, description: "is not a certaudit JSON report: \(error)")
        }
    }

    // MARK: - The schema

    struct Version: Decodable {
        var schemaVersion: Int
    }

    struct Document: Decodable {
        struct Tool: Decodable { var version: String }
        struct Run: Decodable {
            var host: String
            var toolVersion: String
            var referenceTime: String
            var roots: [String]
            var profiles: [String]
            var configuration: String?
        }
        var tool: Tool
        var host: String?
        var hosts: [Run]?
        var referenceTime: String
        var roots: [String]
        var profiles: [String]
        var configuration: String?
        var certificates: [Certificate]
        var errors: [ErrorEntry]
        var skipped: [Skipped]
        var summary: Summary
    }

    struct Certificate: Decodable {
        struct CRL: Decodable {
            var thisUpdate: String
            var nextUpdate: String?
            var revoked: Int
            var number: String?
        }
        struct Revocation: Decodable {
            var status: String
            var crl: String?
            var revocationDate: String?
            var reason: String?
        }
        struct Key: Decodable {
            var algorithm: String
            var bits: Int
            var curve: String?
        }
        struct Chain: Decodable {
            var position: Int
            var count: Int
            var issuer: String
            var signature: String
            var trust: String
        }
        struct TLS: Decodable {
            struct Accepts: Decodable {
                var tls13: Bool?
                var ecdhe: Bool?
                var rsaKeyExchange: Bool?
            }
            var `protocol`: String
            var cipher: String
            var keyExchange: String
            var group: String
            var alpn: String
            var chromeCompatible: Bool
            var accepts: Accepts
            var service: String
            var stoppedAtCertificate: Bool
            var requestedName: String
        }
        struct PrivateKey: Decodable {
            var path: String
            var match: String
            var algorithm: String?
            var bits: Int?
            var mode: String
            var worldReadable: Bool
            var groupReadable: Bool
            var ownerDiffers: Bool
            var uncheckedReason: String?
        }
        struct Names: Decodable {
            var dns: [String]
            var ip: [String]
            var email: [String]
            var uri: [String]
            var other: Int
        }
        struct Constraints: Decodable {
            var ca: Bool
            var pathLength: Int?
        }
        struct FindingEntry: Decodable {
            var ruleId: String
            var profile: String
            var severity: String
            var title: String
            var message: String
            var remediation: String
            var citation: String
            var suppressed: String?
            var waiverReason: String?
        }
        var host: String?
        var path: String
        var index: Int
        var document: String
        var container: String
        var location: String
        var friendlyName: String?
        var sha256: String
        var subject: String
        var issuer: String?
        var serial: String?
        var version: Int
        var notBefore: String?
        var notAfter: String?
        var crl: CRL?
        var revocation: Revocation?
        var role: String
        var declaredRole: String
        var roleBasis: String
        var selfIssued: Bool
        var key: Key
        var signatureAlgorithm: String
        var signatureHash: String
        var chain: Chain?
        var tls: TLS?
        var privateKey: PrivateKey?
        var keyUsage: [String]?
        var keyUsageCritical: Bool?
        var extendedKeyUsage: [String]?
        var subjectAltNames: Names?
        var basicConstraints: Constraints?
        var products: [String]
        var parseWarnings: [String]
        var findings: [FindingEntry]
    }

    struct ErrorEntry: Decodable {
        var host: String?
        var path: String
        var code: String
        var location: String?
        var message: String
        var suppressed: String?
        var waiverReason: String?
    }

    struct Skipped: Decodable {
        var host: String?
        var path: String
        var reason: String
    }

    struct Summary: Decodable {
        struct RuleCount: Decodable {
            var id: String
            var applied: Int
        }
        struct HostCount: Decodable {
            var host: String
            var files: Int
        }
        var files: Int
        var crlSources: [String]?
        var rules: [RuleCount]
        var hosts: [HostCount]?
    }

    // MARK: - From the schema to results

    struct FieldError: Error {
        var path: String
        var reason: String
    }

    static func describe(_ error: DecodingError) -> String {
        func path(_ context: DecodingError.Context) -> String {
            let text = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? "." + $0.stringValue }.joined()
            return text.hasPrefix(".") ? String(text.dropFirst()) : text
        }
        switch error {
        case .keyNotFound(let key, let context):
            let at = path(context)
            return (at.isEmpty ? "" : at + ": ") + "missing field \"\(key.stringValue)\""
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return path(context) + ": wrong type (\(context.debugDescription))"
        case .dataCorrupted(let context):
            let at = path(context)
            return (at.isEmpty ? "" : at + ": ") + "not JSON (\(context.debugDescription))"
        @unknown default:
            return "\(error)"
        }
    }

    /// Counts, sizes and positions a report may hold: never negative, and small enough that the sums of
    /// any number of reports cannot overflow.
    static let countLimit = 1 << 40

    static func count(_ value: Int, _ path: @autoclosure () -> String) throws(FieldError) -> Int {
        guard (0...countLimit).contains(value) else {
            throw FieldError(path: path(), reason: "\(value) is out of range (0 to \(countLimit))")
        }
        return value
    }

    static func value<Value: RawRepresentable>(_ raw: String, _ path: @autoclosure () -> String) throws(FieldError) -> Value
    where Value.RawValue == String {
        guard let value = Value(rawValue: raw) else {
            throw FieldError(path: path(), reason: "unknown value \"\(raw)\"")
        }
        return value
    }

    static func time(_ text: String, _ path: @autoclosure () -> String) throws(FieldError) -> UnixTime {
        guard let time = UnixTime(iso8601: text) else {
            throw FieldError(path: path(), reason: "not a date and time (\"\(text)\")")
        }
        return time
    }

    static func hex(_ text: String, _ path: @autoclosure () -> String) throws(FieldError) -> [UInt8] {
        let digits = text.utf8.filter { $0 != UInt8(ascii: ":") }
        guard let bytes = Hex.decode(digits) else {
            throw FieldError(path: path(), reason: "not hexadecimal (\"\(text)\")")
        }
        return bytes
    }

    static func contents(of document: Document, fallbackHost: String) throws -> Contents {
        // A scan's report is its host's; in a fleet report an entry without a host is an input of the
        // merge itself (a report that could not be read), and stays without one.
        let reportHost: String? = document.hosts == nil ? (document.host ?? fallbackHost) : nil
        // A merged report lists its hosts' runs; a scan's report is one run.
        var runs: [HostRun] = []
        if let hosts = document.hosts {
            // Each host's file count is in the summary (once per host, however many runs it had); rule
            // counts only as a whole, kept with the first run.
            var files: [String: Int] = [:]
            for (position, total) in (document.summary.hosts ?? []).enumerated() {
                let counted = try count(total.files, "summary.hosts[\(position)].files")
                files[total.host] = try count((files[total.host] ?? 0) + counted, "summary.hosts[\(position)].files")
            }
            for (position, run) in hosts.enumerated() {
                let host = FleetHost(
                    name: run.host, toolVersion: run.toolVersion, referenceTime: try time(run.referenceTime, "hosts[\(position)].referenceTime"),
                    roots: run.roots, profiles: run.profiles, configuration: run.configuration)
                runs.append(HostRun(host: host, files: files.removeValue(forKey: run.host) ?? 0, ruleApplications: [:], crlSources: []))
            }
            if !runs.isEmpty {
                runs[0].ruleApplications = try applications(document.summary.rules)
                runs[0].crlSources = document.summary.crlSources ?? []
            }
        } else {
            let host = FleetHost(
                name: reportHost ?? fallbackHost, toolVersion: document.tool.version, referenceTime: try time(document.referenceTime, "referenceTime"),
                roots: document.roots, profiles: document.profiles, configuration: document.configuration)
            runs.append(
                HostRun(
                    host: host, files: try count(document.summary.files, "summary.files"), ruleApplications: try applications(document.summary.rules),
                    crlSources: (document.summary.crlSources ?? []).map { "\(reportHost ?? fallbackHost):\($0)" }))
        }

        // Results by host and path, in the order they first appear; errors and skipped files join them.
        struct Key: Hashable {
            var host: String?
            var path: String
        }
        var order: [Key] = []
        var results: [Key: InputResult] = [:]
        func result(_ key: Key) -> InputResult {
            if let existing = results[key] { return existing }
            order.append(key)
            var created = InputResult(path: key.path)
            created.host = key.host
            created.origin = key.path == "-" ? .standardInput : key.path.contains("://") ? .endpoint : .file
            return created
        }
        for (position, entry) in document.certificates.enumerated() {
            let key = Key(host: entry.host ?? reportHost, path: entry.path)
            var input = result(key)
            input.certificates.append(try certificate(entry, at: "certificates[\(position)]"))
            results[key] = input
        }
        for (position, entry) in document.errors.enumerated() {
            let key = Key(host: entry.host ?? reportHost, path: entry.path)
            var input = result(key)
            let code: InputProblem.Code = try value(entry.code, "errors[\(position)].code")
            // "message" is the location and the sentence, as the text report prints them.
            var message = entry.message
            if let location = entry.location, message.hasPrefix(location + " ") {
                message.removeFirst(location.count + 1)
            }
            input.add(InputProblem(code, location: entry.location, message))
            if let kind = entry.suppressed {
                input.suppressProblem(
                    input.problems.count - 1, try suppression(kind, reason: entry.waiverReason, at: "errors[\(position)].suppressed"))
            }
            results[key] = input
        }
        for entry in document.skipped {
            let key = Key(host: entry.host ?? reportHost, path: entry.path)
            var input = result(key)
            input.skipReason = entry.reason
            results[key] = input
        }
        return Contents(runs: runs, results: order.map { results[$0]! })
    }

    static func applications(_ rules: [Summary.RuleCount]) throws(FieldError) -> [String: Int] {
        var applications: [String: Int] = [:]
        for (position, rule) in rules.enumerated() {
            applications[rule.id] = try count((applications[rule.id] ?? 0) + (try count(rule.applied, "summary.rules[\(position)].applied")), "summary.rules")
        }
        return applications
    }

    static func suppression(_ kind: String, reason: String?, at path: @autoclosure () -> String) throws(FieldError) -> Suppression {
        switch kind {
        case "baseline": return .baseline
        case "waiver": return .waiver(reason: reason ?? "waived")
        default: throw FieldError(path: path(), reason: "unknown value \"\(kind)\"")
        }
    }

    static func name(_ rfc4514: String) -> DistinguishedName {
        // The name's text stands for its DER: reports compare names, never re-encode them.
        DistinguishedName(der: Array(rfc4514.utf8), rfc4514: rfc4514, commonNames: commonNames(rfc4514), attributeCount: 0)
    }

    /// The CN values of an RFC 4514 name (`CN=a\,b,O=x` → `a,b`), as the facts list them (DER order:
    /// the text names the most specific RDN first).
    static func commonNames(_ text: String) -> [String] {
        var names: [String] = []
        var current = ""
        var escaped = false
        var attributes: [String] = []
        for character in text {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                current.append(character)
                escaped = true
            } else if character == "," || character == "+" {
                attributes.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        attributes.append(current)
        for attribute in attributes where attribute.hasPrefix("CN=") {
            var value = ""
            var escape = false
            for character in attribute.dropFirst(3) {
                if escape {
                    value.append(character)
                    escape = false
                } else if character == "\\" {
                    escape = true
                } else {
                    value.append(character)
                }
            }
            names.append(value)
        }
        return names.reversed()
    }

    static func certificate(_ entry: Certificate, at path: String) throws(FieldError) -> AuditedCertificate {
        let document: DocumentKind = try value(entry.document, path + ".document")
        let subject = name(entry.subject)
        var issuer = name(entry.issuer ?? "")
        // selfIssued compares the names; keep the report's verdict where the text alone would differ.
        if document == .certificate, entry.selfIssued != (issuer.der == subject.der) {
            issuer.der = entry.selfIssued ? subject.der : issuer.der + [0]
        }
        let algorithm: KeyAlgorithm = try value(entry.key.algorithm, path + ".key.algorithm")
        let hash: HashAlgorithm = try value(entry.signatureHash, path + ".signatureHash")
        var keyUsage: KeyUsageExtension?
        if let names = entry.keyUsage {
            var bits = KeyUsageSet()
            for (position, name) in names.enumerated() {
                guard let bit = KeyUsageBit(name: name) else {
                    throw FieldError(path: "\(path).keyUsage[\(position)]", reason: "unknown value \"\(name)\"")
                }
                bits.insert(KeyUsageSet([bit]))
            }
            keyUsage = KeyUsageExtension(bits: bits, critical: entry.keyUsageCritical ?? false)
        }
        var subjectAltNames: SubjectAltNames?
        if let names = entry.subjectAltNames {
            var decoded = SubjectAltNames()
            decoded.dnsNames = names.dns
            decoded.ipAddresses = names.ip
            decoded.emails = names.email
            decoded.uris = names.uri
            decoded.otherCount = names.other
            subjectAltNames = decoded
        }
        var revocationList: RevocationListFacts?
        if let crl = entry.crl {
            revocationList = RevocationListFacts(
                thisUpdate: try time(crl.thisUpdate, path + ".crl.thisUpdate"),
                nextUpdate: try crl.nextUpdate.map { (text) throws(FieldError) in try time(text, path + ".crl.nextUpdate") },
                revokedCount: crl.revoked, number: try crl.number.map { (text) throws(FieldError) in try hex(text, path + ".crl.number") })
        }
        let notBefore = try entry.notBefore.map { (text) throws(FieldError) in try time(text, path + ".notBefore") } ?? UnixTime(seconds: 0)
        let notAfter = try entry.notAfter.map { (text) throws(FieldError) in try time(text, path + ".notAfter") } ?? notBefore
        for (name, number) in [
            ("index", entry.index), ("version", entry.version), ("key.bits", entry.key.bits), ("crl.revoked", entry.crl?.revoked ?? 0),
            ("subjectAltNames.other", entry.subjectAltNames?.other ?? 0), ("basicConstraints.pathLength", entry.basicConstraints?.pathLength ?? 0),
            ("chain.position", entry.chain?.position ?? 1), ("chain.count", entry.chain?.count ?? 1), ("privateKey.bits", entry.privateKey?.bits ?? 0),
        ] {
            _ = try count(number, "\(path).\(name)")
        }
        if let chain = entry.chain, chain.position < 1 {
            throw FieldError(path: path + ".chain.position", reason: "\(chain.position) is out of range (positions start at 1)")
        }
        let facts = CertificateFacts(
            document: document, sha256: entry.sha256, version: entry.version,
            serial: try entry.serial.map { (text) throws(FieldError) in try hex(text, path + ".serial") } ?? [],
            signatureAlgorithm: SignatureAlgorithm(name: entry.signatureAlgorithm, hash: hash, oid: ""), issuer: issuer, subject: subject,
            notBefore: notBefore, notAfter: document == .csr ? UnixTime(seconds: 0) : notAfter,
            publicKey: PublicKeyInfo(algorithm: algorithm, algorithmOID: algorithm.oid, bits: entry.key.bits, curve: entry.key.curve),
            keyUsage: keyUsage, extendedKeyUsage: entry.extendedKeyUsage.map { ExtendedKeyUsageExtension(purposes: $0, critical: false) },
            subjectAltNames: subjectAltNames,
            basicConstraints: entry.basicConstraints.map { CertificateFacts.BasicConstraints(isCA: $0.ca, pathLength: $0.pathLength, critical: false) },
            subjectKeyIdentifier: nil, authorityKeyIdentifier: nil, revocationList: revocationList, parseWarnings: entry.parseWarnings)
        var findings: [Finding] = []
        for (position, finding) in entry.findings.enumerated() {
            findings.append(
                Finding(
                    ruleId: finding.ruleId, profile: finding.profile, severity: try value(finding.severity, "\(path).findings[\(position)].severity"),
                    title: finding.title, message: finding.message, remediation: finding.remediation, citation: finding.citation,
                    suppression: try finding.suppressed.map { (kind) throws(FieldError) in
                        try suppression(kind, reason: finding.waiverReason, at: "\(path).findings[\(position)].suppressed")
                    }))
        }
        var audited = AuditedCertificate(
            index: entry.index, container: try value(entry.container, path + ".container"), location: entry.location,
            friendlyName: entry.friendlyName, facts: facts, role: try value(entry.role, path + ".role"),
            roleBasis: try value(entry.roleBasis, path + ".roleBasis"),
            products: entry.products.map { ProductMatch(vendor: "", product: $0, versions: "", citation: "") }, findings: findings)
        if let chain = entry.chain {
            var presentation = Presentation(index: chain.position - 1, count: chain.count, orderProblem: nil)
            presentation.issuer = try value(chain.issuer, path + ".chain.issuer")
            presentation.signature = try value(chain.signature, path + ".chain.signature")
            presentation.trust = try value(chain.trust, path + ".chain.trust")
            if let tls = entry.tls {
                var handshake = TLSHandshake(
                    protocolVersion: try value(tls.protocol, path + ".tls.protocol"), cipher: tls.cipher,
                    keyExchange: try value(tls.keyExchange, path + ".tls.keyExchange"), group: tls.group, alpn: tls.alpn,
                    chromeCompatible: tls.chromeCompatible, acceptsTLS13: tls.accepts.tls13, acceptsECDHE: tls.accepts.ecdhe,
                    acceptsRSAKeyExchange: tls.accepts.rsaKeyExchange, requestedName: tls.requestedName)
                handshake.service = try value(tls.service, path + ".tls.service")
                handshake.stoppedAtCertificate = tls.stoppedAtCertificate
                presentation.handshake = handshake
            }
            audited.presentation = presentation
        }
        if let key = entry.privateKey {
            guard let mode = UInt32(key.mode, radix: 8) else {
                throw FieldError(path: path + ".privateKey.mode", reason: "not an octal mode (\"\(key.mode)\")")
            }
            var check = PrivateKeyCheck(
                path: key.path, match: try value(key.match, path + ".privateKey.match"), mode: mode, ownerDiffers: key.ownerDiffers,
                uncheckedReason: key.uncheckedReason)
            check.othersCanReach = key.worldReadable
            check.groupCanReach = key.groupReadable
            check.keyAlgorithm = try key.algorithm.map { (raw) throws(FieldError) in try value(raw, path + ".privateKey.algorithm") }
            check.keyBits = key.bits ?? 0
            audited.privateKey = check
        }
        if let revocation = entry.revocation {
            audited.revocation = RevocationStatus(
                state: try value(revocation.status, path + ".revocation.status"), crl: revocation.crl ?? "",
                revocationDate: try revocation.revocationDate.map { (text) throws(FieldError) in try time(text, path + ".revocation.revocationDate") },
                reason: revocation.reason)
        }
        return audited
    }
}
