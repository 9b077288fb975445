/// Applies a selection of rules and the product histories to parsed certificates.
public struct Auditor: Sendable {
    public var rules: [Rule]
    public var products: [ProductCatalog]
    public var context: EvaluationContext
    /// What presented chains are judged against (`chain.trust`); nil: trust is not judged.
    public var trustStore: TrustStore?

    public init(rules: [Rule], products: [ProductCatalog], context: EvaluationContext, trustStore: TrustStore? = nil) {
        self.rules = rules
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
        for catalog in products {
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
            findings: findings)
    }

    /// Reads, decodes, parses and audits one file's bytes; `retainSource` keeps them in the result;
    /// `siblings`, the listing of the file's folder, spares the key lookup its failed stats.
    public func audit(
        bytes: [UInt8], path: String, decoder: ContainerDecoder, retainSource: Bool = false, siblings: FolderListing? = nil
    ) -> InputResult {
        let name = path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
        var decoded = decoder.decode(bytes, name: name)
        if !(decoded.deadline?.passed ?? false) {
            decoded.privateKeyCheck = PrivateKeyCheck.find(path: path, bytes: bytes, decoded: decoded, siblings: siblings)
        }
        return audit(decoded, path: path, retaining: retainSource ? bytes : nil)
    }

    /// Parses and audits what an input held. Certificates a live server presented are judged as a chain:
    /// the first is the server's, whatever its CA flag, and the order is checked.
    public func audit(_ decoded: DecodedInput, path: String, retaining bytes: [UInt8]? = nil) -> InputResult {
        var report = InputResult(path: path)
        decoded.problems.forEach { report.add($0) }
        report.skipReason = decoded.skipReason
        var parsed: [(ExtractedCertificate, CertificateFacts)] = []
        var positions: [Int] = []  // each parsed certificate's place among those the input held
        for (position, extracted) in decoded.certificates.enumerated() {
            if let deadline = decoded.deadline, deadline.passed {
                report.add(
                    InputProblem(
                        .inputTimeout,
                        "time budget of \(deadline.seconds) s (--file-timeout) exceeded after \(position) of \(decoded.certificates.count) certificates; the rest were not judged"))
                break
            }
            do {
                parsed.append((extracted, try LenientCertificateParser.parse(extracted.der)))
                positions.append(position)
            } catch {
                report.add(InputProblem(.certificateUnparsable, location: extracted.location, "is not a readable certificate: \(error)"))
            }
        }
        let presented = parsed.allSatisfy { $0.0.container == .presented } && !parsed.isEmpty
        var presentations =
            presented
            ? Presentation.chain(
                parsed.map(\.1), handshake: decoded.handshake, ders: parsed.map(\.0.der), trustStore: trustStore) : []
        // Places as the server sent them: when the first certificate cannot be read, no other one is
        // promoted to the server's certificate.
        for index in presentations.indices {
            presentations[index].index = positions[index]
            presentations[index].count = decoded.certificates.count
        }
        var applications = Array(repeating: 0, count: rules.count)
        // The key is judged with its certificate, or with the first readable one if that one is not.
        let keyPosition = decoded.privateKeyCheck.map { check in positions.contains(check.0) ? check.0 : (positions.first ?? -1) }
        for (position, (extracted, facts)) in parsed.enumerated() {
            let privateKey = keyPosition == positions[position] ? decoded.privateKeyCheck?.1 : nil
            let verdict = audit(
                facts, container: extracted.container, friendlyName: extracted.friendlyName,
                presentation: presented ? presentations[position] : nil,
                privateKey: privateKey, applications: &applications)
            report.certificates.append(
                AuditedCertificate(
                    index: report.certificates.count, container: extracted.container, location: extracted.location,
                    friendlyName: extracted.friendlyName, facts: facts, role: verdict.role, roleBasis: verdict.roleBasis,
                    products: verdict.products, findings: verdict.findings,
                    presentation: presented ? presentations[position] : nil, privateKey: privateKey))
        }
        for (rule, count) in zip(rules, applications) where count > 0 {
            report.ruleApplications[rule.id] = count
        }
        report.boundProblems(Auditor.problemLimit)
        if let bytes {
            report.source = InputSource(bytes: bytes, decoded: decoded, certificates: parsed.map(\.0))
        }
        return report
    }

    /// At most this many problems are listed per input; the rest are counted in one last problem.
    public static let problemLimit = 20
}
