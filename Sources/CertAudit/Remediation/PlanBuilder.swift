import X509

#if canImport(Glibc)
    import Glibc
#endif

/// Decides, for one certificate, what its replacement keeps and changes (no key generated, nothing
/// written).
struct PlanBuilder {
    var request: RemediationRequest

    struct Refusal: Error {
        var reason: String
    }

    /// The source file's context that a plan may draw on.
    struct Source {
        var path: String
        var decoded: DecodedInput
        var certificateDER: [UInt8]
        var index: Int
        var container: ContainerKind
        var friendlyName: String?
        /// In a Java keystore: the certificate's entry and place in its chain.
        var keystoreEntry: (entry: Int, position: Int)?
    }

    /// What a plan says changes and what stays, in the order the sections below decide them.
    struct Notes {
        var changes: [String] = []
        var keeps: [String] = []
    }

    func plan(_ facts: CertificateFacts, source: Source) throws(Refusal) -> ReplacementPlan {
        var notes = Notes(keeps: ["subject \(facts.subject.rfc4514) (byte-identical DER)"])
        if source.container == .jks || source.container == .jceks {
            try keystoreEntry(source, &notes)
        }
        let issuer = try issuer(for: facts, &notes)
        let (key, spec) = try key(for: facts, source: source, &notes)
        if facts.isCA {
            // Every replacement is an end-entity certificate.
            notes.changes.append(
                "basicConstraints CA:TRUE → CA:FALSE (it was marked as a CA but is a server certificate; it issued nothing found in this run)")
        }
        let keyUsage = keyUsage(for: facts, spec: spec, &notes)
        let eku = extendedKeyUsage(for: facts, &notes)
        let (san, sanCritical) = try subjectAltName(for: facts, &notes)
        let (notBefore, notAfter) = validity(for: facts, issuer: issuer, &notes)
        let friendlyName = friendlyName(for: source, &notes)
        let pkcs12Encryption = pkcs12Encryption(for: source, &notes)
        return ReplacementPlan(
            sourcePath: source.path, index: source.index, container: source.container, original: facts, issuer: issuer,
            key: key, subjectDER: facts.subject.der, subjectAltNameDER: san, subjectAltNameCritical: sanCritical,
            keyUsage: keyUsage, keyUsageCritical: request.target.keyUsageCritical, extendedKeyUsageOIDs: eku,
            notBefore: notBefore, notAfter: notAfter, friendlyName: friendlyName, pkcs12Encryption: pkcs12Encryption,
            changes: notes.changes, keeps: notes.keeps)
    }

    /// Self-signed stays self-signed; a CA-issued certificate needs --ca-cert/--ca-key, or --csr.
    private func issuer(for facts: CertificateFacts, _ notes: inout Notes) throws(Refusal) -> ReplacementPlan.Issuer {
        if request.signingRequest {
            notes.changes.append("no certificate: a PKCS#10 signing request for an external CA")
            return .signingRequest
        }
        if facts.selfIssued {
            notes.keeps.append("self-signed")
            return .selfSigned
        }
        guard let authority = request.authority else {
            throw Refusal(reason: "issued by \(facts.issuer.rfc4514): give --ca-cert and --ca-key, or --csr for an external CA")
        }
        if authority.facts.subject.der == facts.issuer.der {
            notes.keeps.append("issuer \(facts.issuer.rfc4514) (re-signed with --ca-key)")
        } else {
            notes.changes.append("issuer \(facts.issuer.rfc4514) → \(authority.facts.subject.rfc4514)")
        }
        return .authority(authority)
    }

    /// A keystore's certificate is re-issued only as the leaf of a private-key entry, with the store's
    /// password known (the new store is written with it); the entry keeps its alias.
    private func keystoreEntry(_ source: Source, _ notes: inout Notes) throws(Refusal) {
        guard !request.signingRequest else { return }
        guard let store = source.decoded.keystore, let (entry, position) = source.keystoreEntry, entry < store.entries.count else {
            throw Refusal(reason: "the keystore could not be read again for rewriting")
        }
        let alias = store.entries[entry].alias
        guard store.entries[entry].isKeyEntry, position == 0 else {
            throw Refusal(
                reason: store.entries[entry].isKeyEntry
                    ? "chain certificate \(position + 1) of entry '\(alias)': only an entry's own certificate is re-issued"
                    : "trusted-certificate entry '\(alias)' has no private key: re-issue it where its key lives")
        }
        guard let password = store.password else {
            throw Refusal(
                reason: "the \(store.kind.rawValue) store's password is unknown (no candidate matched its integrity digest): give it with --password-file or CERTAUDIT_PFX_PASSWORD")
        }
        // A new key is protected with the store password, as keytool does by default. An entry whose key
        // password is another (Tomcat's keyPass) would then no longer open with the one its service has.
        if request.keyMode == .new, let range = store.entries[entry].protectedKey, let bytes = source.decoded.keystoreBytes {
            do {
                var old = try JavaKeyProtector.recover(bytes[range], password: password)
                Secrets.wipe(&old)
            } catch {
                throw Refusal(
                    reason: "entry '\(alias)': its key does not open with the store password (a separate key password?); certaudit protects a new key with the store password, which the service would not use: re-issue it with keytool, or use --key reuse")
            }
        }
        notes.keeps.append("\(store.kind.rawValue) entry '\(alias)', every other entry and the store password")
    }

    /// A new key of the original's type (or --key-type), or the original key (--key reuse).
    private func key(for facts: CertificateFacts, source: Source, _ notes: inout Notes) throws(Refusal)
        -> (ReplacementPlan.KeySource, KeySpec)
    {
        switch request.keyMode {
        case .new:
            let spec = request.keySpec ?? KeySpec.matching(facts.publicKey)
            notes.changes.append("key \(facts.publicKey.displayName) → new \(spec.rawValue.uppercased())")
            return (.generate(spec), spec)
        case .reuse:
            let (material, origin) = try reusableKey(facts, source: source)
            notes.keeps.append("key \(facts.publicKey.displayName) (from \(origin))")
            return (.reuse(material, from: origin), material.spec)
        }
    }

    /// KeyUsage from the profile and the key type.
    private func keyUsage(for facts: CertificateFacts, spec: KeySpec, _ notes: inout Notes) -> KeyUsageSet {
        let keyUsage = request.target.keyUsage(for: spec)
        let newKeyUsage = "{" + keyUsage.names.joined(separator: ", ") + "}"
        let why = "(profile \(request.profile.name), \(spec.isRSA ? "RSA" : "EC") key)"
        if let old = facts.keyUsage {
            let oldText = "{" + old.bits.names.joined(separator: ", ") + "}"
            if old.bits != keyUsage {
                notes.changes.append("KeyUsage \(oldText) → \(newKeyUsage) \(why)")
            } else {
                notes.keeps.append("KeyUsage \(oldText)")
            }
        } else {
            notes.changes.append("KeyUsage absent → \(newKeyUsage) \(why)")
        }
        return keyUsage
    }

    /// ExtendedKeyUsage: kept, serverAuth added when missing (or when the profile requires one).
    private func extendedKeyUsage(for facts: CertificateFacts, _ notes: inout Notes) -> [String]? {
        let serverAuth = "1.3.6.1.5.5.7.3.1"
        guard let existing = facts.extendedKeyUsage else {
            guard request.target.serverAuth == .requireServerAuth else { return nil }
            notes.changes.append("ExtendedKeyUsage absent → serverAuth")
            return [serverAuth]
        }
        var eku = existing.purposes.map(PlanBuilder.oid(forPurpose:))
        let purposes = existing.purposes.joined(separator: ", ")
        if existing.permitsServerAuth {
            notes.keeps.append("ExtendedKeyUsage \(purposes)")
        } else {
            eku.insert(serverAuth, at: 0)
            notes.changes.append("ExtendedKeyUsage \(purposes) → serverAuth, \(purposes)")
        }
        return eku
    }

    /// SubjectAltName: copied byte for byte, or made from the CN (with swift-certificates' types).
    private func subjectAltName(for facts: CertificateFacts, _ notes: inout Notes) throws(Refusal) -> ([UInt8], Bool) {
        if let existing = facts.subjectAltNames, !existing.isEmpty {
            notes.keeps.append("SubjectAltName \(facts.hostNames.joined(separator: ", ")) (byte-identical)")
            return (existing.der, existing.critical)
        }
        guard let cn = facts.subject.commonNames.first, HostNames.looksLikeHostName(cn) else {
            throw Refusal(reason: "no SubjectAltName and no host name in the CN to make one from")
        }
        guard let made = PlanBuilder.dnsNames([cn]) else {
            throw Refusal(reason: "the CN \(cn) cannot be encoded as a DNS SubjectAltName")
        }
        notes.changes.append("SubjectAltName added: DNS:\(cn) (from the CN; the original had none)")
        return (made, false)
    }

    /// From five minutes ago for --validity-days, else the profile's lifetime; never past the CA's end.
    private func validity(for facts: CertificateFacts, issuer: ReplacementPlan.Issuer, _ notes: inout Notes)
        -> (UnixTime, UnixTime)
    {
        let notBefore = UnixTime(seconds: request.now.seconds - 300)
        // Days are bounded (the CLI takes 1…36,500) and the arithmetic checked: a century at most.
        let century: Int64 = 36_500 * 86_400
        var lifetime: Int64
        if let days = request.validityDays {
            lifetime = min(Int64(clamping: days), 36_500) * 86_400
        } else {
            switch request.target.validity {
            case .days(let days): lifetime = min(Int64(clamping: days), 36_500) * 86_400
            case .originalLifetime:
                let (span, overflow) = facts.notAfter.seconds.subtractingReportingOverflow(facts.notBefore.seconds)
                lifetime = overflow ? century : min(max(span, 86_400), century)
            }
        }
        lifetime = max(lifetime, 86_400)
        var notAfter = UnixTime(seconds: notBefore.seconds + lifetime)
        if case .authority(let authority) = issuer, authority.facts.notAfter < notAfter {
            notAfter = authority.facts.notAfter
            notes.changes.append("validity shortened to end with the CA certificate (\(authority.facts.notAfter.isoDate))")
        }
        notes.changes.append(
            "validity \(facts.notBefore.isoDate)…\(facts.notAfter.isoDate) → \(notBefore.isoDate)…\(notAfter.isoDate)")
        notes.changes.append("serial: new random")
        return (notBefore, notAfter)
    }

    /// Kept, or dated as the vendor's scripts name them (`vendor` profile).
    private func friendlyName(for source: Source, _ notes: inout Notes) -> String? {
        guard let original = source.friendlyName else { return nil }
        guard request.target.friendlyName == .dated else {
            notes.keeps.append("friendlyName \"\(original)\"")
            return original
        }
        let renamed = PlanBuilder.datedFriendlyName(original, now: request.now)
        notes.changes.append("friendlyName \"\(original)\" → \"\(renamed)\"")
        return renamed
    }

    /// PKCS#12: the original's encryption family unless --pfx-encryption says otherwise, so that the
    /// system that imported the original (Windows Server 2016 takes only 3DES/SHA-1) imports this one.
    private func pkcs12Encryption(for source: Source, _ notes: inout Notes) -> PKCS12Protection.Family? {
        guard source.container == .pkcs12 else { return nil }
        let original = source.decoded.pkcs12Protection
        let family = request.pfxEncryption ?? original?.family ?? .aes
        let was = original?.summary ?? "unknown"
        if request.pfxEncryption != nil, original?.family != family {
            notes.changes.append("PKCS#12 encryption \(was) → \(family.rawValue): \(family.written) (--pfx-encryption)")
        } else {
            notes.keeps.append("PKCS#12 encryption family \(family.rawValue) (original: \(was)): \(family.written)")
        }
        if let id = original?.localKeyID {
            notes.keeps.append("PKCS#12 localKeyID \(Hex.encode(id, separator: nil))")
        }
        return family
    }

    /// `--key-file`, else the key inside the source (PKCS#12 or a PEM key block), else a key file beside it.
    private func reusableKey(_ facts: CertificateFacts, source: Source) throws(Refusal) -> (KeyMaterial, String) {
        guard let wanted = CertificateDER.subjectPublicKeyInfo(of: source.certificateDER) else {
            throw Refusal(reason: "the certificate's public key could not be read")
        }
        var candidates: [(bytes: [UInt8], origin: String)] = []
        if let keyFile = request.keyFile {
            guard keyFile.key.subjectPublicKeyInfo == wanted else {
                throw Refusal(reason: "--key-file \(keyFile.path) does not match this certificate's public key")
            }
            return (keyFile.key, keyFile.path)
        }
        if let inside = source.decoded.privateKey {
            candidates.append((inside, source.path))
        }
        // A keystore entry's key, recovered with the store password (JKS or JCEKS protection).
        if let store = source.decoded.keystore, let password = store.password, let (entry, _) = source.keystoreEntry,
            entry < store.entries.count, let range = store.entries[entry].protectedKey, let original = source.decoded.keystoreBytes
        {
            do {
                var plain = try JavaKeyProtector.recover(original[range], password: password)
                defer { Secrets.wipe(&plain) }
                let key = try KeyMaterial(der: plain)
                guard key.subjectPublicKeyInfo == wanted else {
                    throw Refusal(reason: "--key reuse: the key of entry '\(store.entries[entry].alias)' does not match its certificate")
                }
                return (key, source.path + " (entry '\(store.entries[entry].alias)')")
            } catch let refusal as Refusal {
                throw refusal
            } catch {
                throw Refusal(reason: "--key reuse: entry '\(store.entries[entry].alias)': \(error)")
            }
        }
        let stem = PlanBuilder.stem(of: source.path)
        for sibling in [stem + ".key", stem + ".key.pem", stem + "-key.pem", stem + ".pem"] where sibling != source.path {
            if case .bytes(let bytes) = FileReader.load(path: sibling, limit: Limits.smallFile) {
                candidates.append((bytes, sibling))
            }
        }
        guard !candidates.isEmpty else {
            throw Refusal(reason: "--key reuse: no private key found (give --key-file, or put STEM.key beside the certificate)")
        }
        for candidate in candidates {
            let key: KeyMaterial
            do {
                key = candidate.origin == source.path && source.decoded.privateKey != nil
                    ? try KeyMaterial(der: candidate.bytes) : try KeyMaterial(encoded: candidate.bytes)
            } catch {
                continue
            }
            if key.subjectPublicKeyInfo == wanted {
                return (key, candidate.origin)
            }
        }
        throw Refusal(
            reason: "--key reuse: the private key in \(candidates.map(\.origin).joined(separator: ", ")) does not match this certificate (or is not an RSA-2048+/P-256/P-384 key)")
    }

    static func oid(forPurpose name: String) -> String {
        ExtendedKeyUsageNames.table.first { $0.name == name }?.oid ?? name
    }

    /// `yyMMdd <name without an old yyMMdd prefix>`.
    static func datedFriendlyName(_ original: String, now: UnixTime) -> String {
        var base = Substring(original)
        if base.count > 7, base.prefix(6).allSatisfy(\.isNumber), base.dropFirst(6).first == " " {
            base = base.dropFirst(7)
        }
        let date = now.isoDate  // YYYY-MM-DD
        let stamp = String(date.dropFirst(2).prefix(2)) + String(date.dropFirst(5).prefix(2)) + String(date.suffix(2))
        return stamp + " " + base
    }

    static func stem(of path: String) -> String {
        let slash = path.lastIndex(of: "/").map { path.index(after: $0) } ?? path.startIndex
        if let dot = path[slash...].lastIndex(of: "."), dot > slash {
            return String(path[..<dot])
        }
        return path
    }

    /// GeneralNames DER holding dNSName entries.
    /// A SubjectAltName extension value holding DNS names, encoded by swift-certificates.
    static func dnsNames(_ names: [String]) -> [UInt8]? {
        let san = SubjectAlternativeNames(names.map { GeneralName.dnsName($0) })
        return try? Array(san.makeCertificateExtension().value)
    }
}
