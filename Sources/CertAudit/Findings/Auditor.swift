/// Applies a selection of rules and the product histories to parsed certificates.
public struct Auditor: Sendable {
    public var rules: [Rule] {
        didSet { ruleIDs = rules.map(\.id) }
    }
    /// The rules' ids in order, one array shared by every report (`InputResult.ruleCounts`).
    private(set) var ruleIDs: [String]
    public var products: [ProductCatalog]
    public var context: EvaluationContext
    /// What presented chains are judged against (`chain.trust`); nil: trust is not judged.
    public var trustStore: TrustStore?
    /// The CRLs certificates are judged against (`revocation.*`); nil: none are known.
    public var revocations: RevocationIndex?

    public init(rules: [Rule], products: [ProductCatalog], context: EvaluationContext, trustStore: TrustStore? = nil) {
        self.rules = rules
        ruleIDs = rules.map(\.id)
        self.products = products
        self.context = context
        self.trustStore = trustStore
    }

    /// What the rules said about one certificate, and the role they judged it in.
    public struct Verdict: Sendable {
        public var role: CertificateRole
        public var roleBasis: RoleBasis
        public var products: [ProductMatch]
        public var vendorScope: [VendorScope]
        /// Sorted: most severe first, then by rule id.
        public var findings: [Finding]
        public var revocation: RevocationStatus?
    }

    public func audit(
        _ facts: CertificateFacts, container: ContainerKind, friendlyName: String?, presentation: Presentation? = nil,
        privateKey: PrivateKeyCheck? = nil
    ) -> Verdict {
        var ignored: [Int] = []
        return audit(
            facts, container: container, friendlyName: friendlyName, presentation: presentation, privateKey: privateKey,
            applications: &ignored)
    }

    /// As above, and counts in `applications[i]` whether `rules[i]` applied (passed or failed): no
    /// allocation per certificate on the scan's hot path.
    func audit(
        _ facts: CertificateFacts, container: ContainerKind, friendlyName: String?, presentation: Presentation?,
        privateKey: PrivateKeyCheck? = nil, applications: inout [Int]
    ) -> Verdict {
        if applications.count != rules.count {
            applications = Array(repeating: 0, count: rules.count)
        }
        var input = EvaluationInput(
            facts: facts, container: container, friendlyName: friendlyName, context: context, presentation: presentation)
        input.privateKey = privateKey
        input.revocation = revocations?.status(of: facts, now: context.now)
        // Product histories describe installers' certificates, not requests or CRLs.
        for catalog in products where facts.document == .certificate {
            if let scope = catalog.scope(input) {
                input.vendorScope.append(scope)
            }
            input.products += catalog.matches(input)
        }
        // Every finding on a CA-marked certificate judged as a server certificate says so.
        let note = input.roleNote.map { " (This certificate is \($0).)" }
        var findings: [Finding] = []
        for (position, rule) in rules.enumerated() {
            let outcome = rule.outcome(on: input)
            guard outcome != .notApplicable else { continue }
            applications[position] += 1
            guard outcome == .failed else { continue }
            var message = rule.message.render(input)
            if let note, !rule.message.factNames.contains("role.note") {
                message += note
            }
            findings.append(
                Finding(
                    ruleId: rule.id, profile: rule.profile, severity: rule.severity, title: rule.title,
                    message: message, remediation: rule.remediation,
                    citation: rule.citations.first.map { $0.url ?? $0.title } ?? ""))
        }
        findings.sort { ($0.severity, $1.ruleId) > ($1.severity, $0.ruleId) }
        return Verdict(
            role: input.role, roleBasis: input.roleBasis, products: input.products, vendorScope: input.vendorScope,
            findings: findings, revocation: input.revocation)
    }

    /// Reads, decodes, parses and audits one file's bytes; `retainSource` keeps them in the result;
    /// `siblings`, the listing of the file's folder, spares the key lookup its failed stats.
    public func audit(
        bytes: [UInt8], path: String, decoder: ContainerDecoder, retainSource: Bool = false, siblings: FolderListing? = nil
    ) -> InputResult {
        let decoded = Auditor.decodeFile(bytes: bytes, path: path, decoder: decoder, siblings: siblings)
        return audit(decoded, path: path, retaining: retainSource ? bytes : nil)
    }

    /// Decodes one file's bytes and looks for its private key (in it or beside it).
    static func decodeFile(bytes: [UInt8], path: String, decoder: ContainerDecoder, siblings: FolderListing?) -> DecodedInput {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var decoded = decoder.decode(bytes, name: name)
        if !(decoded.deadline?.passed ?? false) {
            let decryption = decoder.matchEncryptedKeys
                ? PrivateKeyCheck.Decryption(passwords: decoder.passwords, deadline: decoded.deadline) : nil
            decoded.privateKeyCheck = PrivateKeyCheck.find(
                path: path, bytes: bytes, decoded: decoded, siblings: siblings, decryption: decryption)
        }
        return decoded
    }

    /// Parses and audits what an input held. Certificates a live server presented are judged as a chain:
    /// the first is the server's, whatever its CA flag, and the order is checked.
    public func audit(_ decoded: DecodedInput, path: String, retaining bytes: [UInt8]? = nil) -> InputResult {
        let parsed = ParsedInput(decoded)
        var report = judge(
            parsed, path: path, privateKeyCheck: decoded.privateKeyCheck, handshake: decoded.handshake,
            ders: parsed.certificates.map { decoded.certificates[$0.position].der })
        if let bytes {
            report.source = InputSource(
                bytes: bytes, decoded: decoded, certificates: parsed.certificates.map { decoded.certificates[$0.position] })
        }
        return report
    }

    /// Judges what the parser (or the facts cache) made of an input: its problems, and the facts of
    /// every readable certificate. `ders` (the parsed certificates' DER) are needed only for a chain a
    /// server presented.
    func judge(
        _ parsed: ParsedInput, path: String, privateKeyCheck: (Int, PrivateKeyCheck)? = nil, handshake: TLSHandshake? = nil,
        ders: [ArraySlice<UInt8>] = []
    ) -> InputResult {
        var report = InputResult(path: path)
        parsed.problems.forEach { report.add($0) }
        report.skipReason = parsed.skipReason
        let certificates = parsed.certificates
        let presented = certificates.allSatisfy { $0.container == .presented } && !certificates.isEmpty
        var presentations =
            presented
            ? Presentation.chain(certificates.map(\.facts), handshake: handshake, ders: ders, trustStore: trustStore) : []
        // Places as the server sent them: when the first certificate cannot be read, no other one is
        // promoted to the server's certificate.
        for index in presentations.indices {
            presentations[index].index = certificates[index].position
            presentations[index].count = parsed.certificateCount
        }
        var applications = Array(repeating: 0, count: rules.count)
        // The key is judged with its certificate, or with the first readable one if that one is not.
        let keyPosition = privateKeyCheck.map { check in
            certificates.contains { $0.position == check.0 } ? check.0 : (certificates.first?.position ?? -1)
        }
        for (index, certificate) in certificates.enumerated() {
            let privateKey = keyPosition == certificate.position ? privateKeyCheck?.1 : nil
            let verdict = audit(
                certificate.facts, container: certificate.container, friendlyName: certificate.friendlyName,
                presentation: presented ? presentations[index] : nil,
                privateKey: privateKey, applications: &applications)
            report.certificates.append(
                AuditedCertificate(
                    index: report.certificates.count, container: certificate.container, location: certificate.location,
                    friendlyName: certificate.friendlyName, facts: certificate.facts, role: verdict.role,
                    roleBasis: verdict.roleBasis, products: verdict.products, findings: verdict.findings,
                    presentation: presented ? presentations[index] : nil, privateKey: privateKey,
                    revocation: verdict.revocation))
        }
        report.setRuleCounts(ids: ruleIDs, counts: applications)
        report.boundProblems(Auditor.problemLimit)
        return report
    }

    /// At most this many problems are listed per input; the rest are counted in one last problem.
    public static let problemLimit = 20
}
