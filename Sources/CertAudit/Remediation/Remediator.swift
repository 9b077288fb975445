import Dispatch

/// Finds the certificates a re-issue can fix, plans their replacements, generates keys on all cores,
/// issues, re-audits each replacement with the same rules, and writes only replacements without errors,
/// in the container the original came in, never overwriting a file.
public struct Remediator: Sendable {
    public let request: RemediationRequest
    /// Chooses what to fix and re-audits each replacement, with the same rules.
    let auditor: Auditor

    public init(request: RemediationRequest) {
        self.request = request
        auditor = Auditor(rules: request.rules, products: request.products, context: EvaluationContext(now: request.now, declaredVendors: request.declaredVendors))
    }

    /// One input and what is planned for its certificates.
    struct FileWork {
        var path: String
        /// Where a replacement goes below `--output`: the path under its input folder; a live endpoint's
        /// chain goes to `endpoints/HOST_PORT.pem`, standard input's to `stdin.pem`.
        var relative: String
        var origin: InputResult.Origin
        var decoded: DecodedInput
        /// The input's bytes as read (a combined PEM is rewritten block by block from them).
        var original: [UInt8] = []
        /// The audited certificates with the DER each was parsed from.
        var certificates: [(extracted: ExtractedCertificate, audited: AuditedCertificate)]
        var plans: [Int: ReplacementPlan] = [:]
    }

    /// Reads and audits `inputs` through the scan's pipeline (the same walk, size limit, globs,
    /// endpoints and time budgets), keeping what was read, then plans a replacement for every certificate
    /// remediation applies to.
    public func run(_ inputs: [ScanInput]) -> RemediationResult {
        var result = RemediationResult()
        var work = collect(inputs, into: &result)
        if request.dryRun {
            result.plans = work.flatMap { file in file.plans.keys.sorted().compactMap { file.plans[$0] } }
            return result
        }
        let keys = generateKeys(work.flatMap { file in file.plans.values.map { $0 } })
        // A signal from here on lets the file being written finish (each is a transaction), leaves the
        // rest as they are, writes the manifest of what was done, and then stops the process.
        TemporaryFiles.critical {
            for index in work.indices {
                if TemporaryFiles.signalPending {
                    for file in work[index...] where !file.plans.isEmpty {
                        result.failed.append(.init(source: file.path, index: nil, reason: "not remediated: certaudit was stopped by a signal"))
                    }
                    break
                }
                issueAndWrite(&work[index], keys: keys, into: &result)
            }
            writeManifest(&result)
        }
        return result
    }

    // MARK: - Choosing and planning

    private func collect(_ inputs: [ScanInput], into result: inout RemediationResult) -> [FileWork] {
        var decoder = ContainerDecoder(passwords: request.passwords, keepSecrets: true)
        decoder.fileTimeoutSeconds = request.fileTimeoutSeconds
        var pipeline = AuditPipeline(walker: InputWalker(options: request.walk), decoder: decoder, auditor: auditor)
        pipeline.retainSources = true
        pipeline.endpointTimeoutMilliseconds = request.endpointTimeoutMilliseconds
        pipeline.endpointConcurrency = request.endpointConcurrency
        let roots = inputs.compactMap(\.filePath)
        var files: [FileWork] = []
        _ = pipeline.run(inputs) { audited, _ in
            for problem in audited.problems {
                result.failed.append(.init(source: audited.path, index: nil, reason: problem.withCode))
            }
            guard let source = audited.source, !audited.certificates.isEmpty else {
                if audited.problems.isEmpty, let reason = audited.skipReason {
                    result.skipped.append(.init(source: audited.path, index: nil, reason: reason))
                }
                return
            }
            files.append(
                FileWork(
                    path: audited.path, relative: Remediator.relative(audited, roots: roots), origin: audited.origin,
                    decoded: source.decoded, original: source.bytes,
                    certificates: Array(zip(source.certificates, audited.certificates))))
        }
        // Every certificate read in this run, to tell whether a CA-marked one issued any of them.
        let everything = files.flatMap { file in
            file.certificates.indices.map { (file.path, $0, file.certificates[$0].audited.facts) }
        }
        for position in files.indices {
            plan(&files[position], everything: everything, into: &result)
        }
        return files.filter { !$0.plans.isEmpty }
    }

    static func relative(_ audited: InputResult, roots: [String]) -> String {
        switch audited.origin {
        case .file:
            return RelativePath.of(audited.path, roots: roots)
        case .standardInput:
            return "stdin.pem"
        case .endpoint:
            // tls://mx:443 → mx_443.pem; smtp://mx:25 → smtp_mx_25.pem (one file per endpoint).
            let scheme = audited.path.range(of: "://").map { String(audited.path[..<$0.lowerBound]) } ?? "tls"
            var address = audited.path.range(of: "://").map { audited.path[$0.upperBound...] } ?? audited.path[...]
            if scheme != "tls" {
                address = Substring(scheme + "_" + address)
            }
            let name = address.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" ? $0 : "_" }
            return "endpoints/" + String(name) + ".pem"
        }
    }

    /// What a re-issue can change: the certificate's own findings. A presented leaf is judged again as
    /// if it were presented alone, so that a chain-order finding is not listed as fixed.
    private func ownFindings(_ file: FileWork, _ index: Int) -> [Finding] {
        let (extracted, audited) = file.certificates[index]
        guard file.origin == .endpoint else { return audited.findings }
        return auditor.audit(
            audited.facts, container: extracted.container, friendlyName: extracted.friendlyName,
            presentation: index == 0 ? Presentation(index: 0, count: 1, orderProblem: nil) : nil
        ).findings
    }

    /// Decides, for each certificate of one input, whether and how it is re-issued.
    private func plan(
        _ file: inout FileWork, everything: [(path: String, index: Int, facts: CertificateFacts)],
        into result: inout RemediationResult
    ) {
        let builder = PlanBuilder(request: request)
        let selectedProfiles = Array(Set(request.rules.filter { !$0.raisedByPolicy }.map(\.profile))).sorted().joined(separator: ", ")
        let path = file.path
        // A replacement file is written from the input's certificates: requests and CRLs are not
        // re-issued, and a file that mixes them with certificates is not rewritten (it would lose them).
        let mixed = file.certificates.contains { $0.audited.document != .certificate }
        for (index, (extracted, audited)) in file.certificates.enumerated() {
            let facts = audited.facts
            switch facts.document {
            case .csr:
                result.skipped.append(
                    .init(source: path, index: index, reason: "a certificate signing request: make a new one (openssl req, certreq) with what the findings ask for"))
                continue
            case .crl:
                result.skipped.append(.init(source: path, index: index, reason: "a CRL: only its CA can publish a new one"))
                continue
            case .certificate:
                break
            }
            let fixable = ownFindings(file, index).filter { $0.severity >= .warning }
            if mixed, !fixable.isEmpty {
                result.skipped.append(
                    .init(source: path, index: index, reason: "the file also holds a request or a CRL, which a replacement file would not keep: split it first"))
                continue
            }
            guard audited.role == .leaf else {
                result.skipped.append(
                    .init(source: path, index: index, reason: "\(facts.role.rawValue) CA certificate: CA certificates are not re-issued"))
                continue
            }
            guard !fixable.isEmpty else {
                result.skipped.append(.init(source: path, index: index, reason: "no error or warning under \(selectedProfiles)"))
                continue
            }
            if file.origin != .file, case .inPlace = request.destination {
                result.failed.append(
                    .init(
                        source: path, index: index,
                        reason: "\(file.origin == .endpoint ? "a live server's" : "standard input's") certificate cannot be replaced in place: use --output DIR and install the replacement yourself"))
                continue
            }
            if facts.isCA {
                // Marked as a CA but judged as a server certificate: re-issued as an end-entity certificate,
                // unless it did issue certificates, which a CA:FALSE replacement would orphan.
                let issued = everything.filter { $0.facts.sha256 != facts.sha256 && facts.issued($0.facts) }
                if let first = issued.first {
                    result.failed.append(
                        .init(
                            source: path, index: index,
                            reason: "marked as a CA and shaped as a server certificate, but it issued \(issued.count) certificate(s) found in this run (first: \(first.path) #\(first.index), \(first.facts.subject.rfc4514)): a CA:FALSE replacement would break them. Issue the server a certificate of its own from this CA (or another) instead"))
                    continue
                }
            }
            let source = PlanBuilder.Source(
                path: path, decoded: file.decoded, certificateDER: Array(extracted.der), index: index,
                container: extracted.container, friendlyName: extracted.friendlyName, keystoreEntry: extracted.keystoreEntry)
            do throws(PlanBuilder.Refusal) {
                var plan = try builder.plan(facts, source: source)
                plan.changes.insert("fixes: " + fixable.map(\.ruleId).joined(separator: ", "), at: 0)
                file.plans[index] = plan
            } catch {
                result.failed.append(.init(source: path, index: index, reason: error.reason))
            }
        }
    }

    // MARK: - Keys

    /// Generates every new key in parallel (RSA generation dominates remediation time).
    private func generateKeys(_ plans: [ReplacementPlan]) -> [String: Result<KeyMaterial, KeyMaterial.Failure>] {
        let wanted: [(id: String, spec: KeySpec)] = plans.compactMap { plan in
            if case .generate(let spec) = plan.key { return (Remediator.planID(plan), spec) }
            return nil
        }
        let generated = ConcurrentResults<Result<KeyMaterial, KeyMaterial.Failure>>.compute(count: wanted.count) { index in
            do {
                return .success(try KeyMaterial.generate(wanted[index].spec))
            } catch {
                return .failure(KeyMaterial.Failure(description: "key generation failed: \(error)"))
            }
        }
        var keys: [String: Result<KeyMaterial, KeyMaterial.Failure>] = [:]
        for (item, key) in zip(wanted, generated) {
            keys[item.id] = key
        }
        return keys
    }

    static func planID(_ plan: ReplacementPlan) -> String {
        "\(plan.sourcePath)#\(plan.index)"
    }

    // MARK: - Issuing, re-auditing, writing

    private func issueAndWrite(
        _ file: inout FileWork, keys: [String: Result<KeyMaterial, KeyMaterial.Failure>], into result: inout RemediationResult
    ) {
        var newDER: [Int: [UInt8]] = [:]
        var csrDER: [Int: [UInt8]] = [:]
        var newKeys: [Int: KeyMaterial] = [:]
        for index in file.plans.keys.sorted() {
            let plan = file.plans[index]!
            let key: KeyMaterial
            switch plan.key {
            case .reuse(let material, _):
                key = material
            case .generate:
                switch keys[Remediator.planID(plan)] {
                case .success(let material): key = material
                case .failure(let failure): result.failed.append(.init(source: file.path, index: index, reason: failure.description)); continue
                case nil: continue
                }
            }
            do {
                if case .signingRequest = plan.issuer {
                    csrDER[index] = try ReplacementIssuer.signingRequest(plan, key: key)
                    newKeys[index] = key
                    continue
                }
                let der = try ReplacementIssuer.certificate(plan, key: key)
                if let reason = reaudit(der, plan: plan) {
                    result.failed.append(.init(source: file.path, index: index, reason: reason))
                    continue
                }
                newDER[index] = der
                newKeys[index] = key
            } catch {
                result.failed.append(.init(source: file.path, index: index, reason: "could not issue the replacement: \(error)"))
            }
        }
        guard !newKeys.isEmpty else { return }
        do {
            var (outputs, paths) = try ReplacementLayout(request: request).outputs(
                for: file, certificates: newDER, signingRequests: csrDER, keys: newKeys)
            defer {
                // Written (or not): the key bytes in memory go now.
                for index in outputs.indices where outputs[index].mode == 0o600 {
                    Secrets.wipe(&outputs[index].bytes)
                }
            }
            let backups = try write(outputs, for: file)
            for index in newKeys.keys.sorted() {
                let plan = file.plans[index]!
                result.replacements.append(
                    .init(
                        source: file.path, index: index, certificate: paths.certificate, privateKey: paths.keys[index],
                        pkcs12: paths.pkcs12, csr: paths.csr[index], backups: backups,
                        oldSha256: plan.original.sha256,
                        newSha256: newDER[index].flatMap { try? LenientCertificateParser.parse($0[...]).sha256 },
                        profile: request.profile.name,
                        pkcs12Encryption: paths.pkcs12 != nil ? plan.pkcs12Encryption : nil,
                        changes: plan.changes, keeps: plan.keeps))
            }
        } catch let failure as InPlaceTransaction.Failure {
            let undone = failure.rolledBack.isEmpty ? "nothing had been replaced" : "rolled back: " + failure.rolledBack.joined(separator: "; ")
            for index in newKeys.keys.sorted() {
                result.failed.append(.init(source: file.path, index: index, reason: "\(failure.description) (\(undone))"))
            }
            result.rolledBack += failure.rolledBack
            result.attemptedInPlace = true
        } catch {
            for index in newKeys.keys.sorted() {
                result.failed.append(.init(source: file.path, index: index, reason: "\(error)"))
            }
        }
    }

    /// nil when the replacement has no error under the same rules; else the reason it is not written.
    private func reaudit(_ der: [UInt8], plan: ReplacementPlan) -> String? {
        guard let facts = try? LenientCertificateParser.parse(der[...]) else {
            return "the replacement could not be read back"
        }
        let errors = auditor.audit(facts, container: plan.container, friendlyName: plan.friendlyName).findings
            .filter { $0.severity == .error }
        guard errors.isEmpty else {
            return "the replacement would still fail: " + errors.map { "\($0.ruleId) (\($0.message))" }.joined(separator: "; ")
        }
        return nil
    }

    private func write(_ outputs: [SafeFileWriter.Output], for file: FileWork) throws -> [String] {
        switch request.destination {
        case .directory:
            let folders = Set(outputs.map { output in
                output.path.lastIndex(of: "/").map { String(output.path[..<$0]) } ?? "."
            })
            for folder in folders {
                try SafeFileWriter.makeDirectories(folder)
            }
            try SafeFileWriter.createAll(outputs)
            return []
        case .inPlace:
            // One transaction for the file's outputs (certificate and key): all replaced, or none.
            var source = stat()
            let owner = stat(file.path, &source) == 0 ? (uid: source.st_uid, gid: source.st_gid) : nil
            let record = try InPlaceTransaction(stamp: Remediator.timestamp(request.now)).commit(outputs, newFileOwner: owner)
            return record.backups
        }
    }

    static func timestamp(_ time: UnixTime) -> String {
        time.iso8601.filter(\.isNumber)
    }

    private func writeManifest(_ result: inout RemediationResult) {
        // Always a manifest when something was replaced, an in-place attempt was rolled back, or a signal
        // stopped the run (the manifest is then the only place that says what was left undone).
        guard !result.replacements.isEmpty || result.attemptedInPlace || TemporaryFiles.signalPending else { return }
        let bytes = RemediationManifest.encode(result)
        // Never overwrite an earlier run's manifest: remediation.json, then remediation-STAMP[-N].json.
        var path = request.manifestFolder + "/remediation.json"
        var attempt = 1
        while access(path, F_OK) == 0 {
            let suffix = attempt == 1 ? "" : "-\(attempt)"
            path = request.manifestFolder + "/remediation-\(Remediator.timestamp(request.now))\(suffix).json"
            attempt += 1
        }
        do {
            try SafeFileWriter.makeDirectories(request.manifestFolder)
            try SafeFileWriter.createAll([SafeFileWriter.Output(path: path, bytes: bytes, mode: 0o644)])
            result.manifestPath = path
        } catch {
            result.failed.append(.init(source: path, index: nil, reason: error.description))
        }
    }
}

#if canImport(Glibc)
    import Glibc
#endif
