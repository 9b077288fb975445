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
    }

    func plan(_ facts: CertificateFacts, source: Source) throws(Refusal) -> ReplacementPlan {
        var changes: [String] = []
        var keeps = ["subject \(facts.subject.rfc4514) (byte-identical DER)"]

        // Issuer.
        let issuer: ReplacementPlan.Issuer
        if request.signingRequest {
            issuer = .signingRequest
            changes.append("no certificate: a PKCS#10 signing request for an external CA")
        } else if facts.selfIssued {
            issuer = .selfSigned
            keeps.append("self-signed")
        } else if let authority = request.authority {
            issuer = .authority(authority)
            if authority.facts.subject.der == facts.issuer.der {
                keeps.append("issuer \(facts.issuer.rfc4514) (re-signed with --ca-key)")
            } else {
                changes.append("issuer \(facts.issuer.rfc4514) → \(authority.facts.subject.rfc4514)")
            }
        } else {
            throw Refusal(reason: "issued by \(facts.issuer.rfc4514): give --ca-cert and --ca-key, or --csr for an external CA")
        }

        // Key.
        let key: ReplacementPlan.KeySource
        switch request.keyMode {
        case .new:
            let spec = request.keySpec ?? KeySpec.matching(facts.publicKey)
            key = .generate(spec)
            changes.append("key \(facts.publicKey.displayName) → new \(spec.rawValue.uppercased())")
        case .reuse:
            let (material, origin) = try reusableKey(facts, source: source)
            key = .reuse(material, from: origin)
            keeps.append("key \(facts.publicKey.displayName) (from \(origin))")
        }
        let spec: KeySpec
        switch key {
        case .generate(let chosen): spec = chosen
        case .reuse(let material, _): spec = material.spec
        }

        // basicConstraints: every replacement is an end-entity certificate.
        if facts.isCA {
            changes.append("basicConstraints CA:TRUE → CA:FALSE (it was marked as a CA but is a server certificate; it issued nothing found in this run)")
        }

        // KeyUsage from the profile and the key type.
        let keyUsage = request.target.keyUsage(for: spec)
        let newKeyUsage = "{" + keyUsage.names.joined(separator: ", ") + "}"
        if let old = facts.keyUsage {
            let oldText = "{" + old.bits.names.joined(separator: ", ") + "}"
            if old.bits != keyUsage {
                changes.append("KeyUsage \(oldText) → \(newKeyUsage) (profile \(request.profile.name), \(spec.isRSA ? "RSA" : "EC") key)")
            } else {
                keeps.append("KeyUsage \(oldText)")
            }
        } else {
            changes.append("KeyUsage absent → \(newKeyUsage) (profile \(request.profile.name), \(spec.isRSA ? "RSA" : "EC") key)")
        }

        // ExtendedKeyUsage: kept, serverAuth added when missing.
        var eku = facts.extendedKeyUsage.map { $0.purposes.map(PlanBuilder.oid(forPurpose:)) }
        let serverAuth = "1.3.6.1.5.5.7.3.1"
        if let existing = facts.extendedKeyUsage {
            if existing.permitsServerAuth {
                keeps.append("ExtendedKeyUsage \(existing.purposes.joined(separator: ", "))")
            } else {
                eku?.insert(serverAuth, at: 0)
                changes.append("ExtendedKeyUsage \(existing.purposes.joined(separator: ", ")) → serverAuth, \(existing.purposes.joined(separator: ", "))")
            }
        } else if request.target.serverAuth == .requireServerAuth {
            eku = [serverAuth]
            changes.append("ExtendedKeyUsage absent → serverAuth")
        }

        // SubjectAltName: copied byte for byte, or made from the CN.
        let san: [UInt8]
        let sanCritical: Bool
        if let existing = facts.subjectAltNames, !existing.isEmpty {
            san = existing.der
            sanCritical = existing.critical
            keeps.append("SubjectAltName \(facts.hostNames.joined(separator: ", ")) (byte-identical)")
        } else if let cn = facts.subject.commonNames.first, HostNames.looksLikeHostName(cn) {
            san = PlanBuilder.dnsNames([cn])
            sanCritical = false
            changes.append("SubjectAltName added: DNS:\(cn) (from the CN; the original had none)")
        } else {
            throw Refusal(reason: "no SubjectAltName and no host name in the CN to make one from")
        }

        // Validity.
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
            changes.append("validity shortened to end with the CA certificate (\(authority.facts.notAfter.isoDate))")
        }
        changes.append(
            "validity \(facts.notBefore.isoDate)…\(facts.notAfter.isoDate) → \(notBefore.isoDate)…\(notAfter.isoDate)")
        changes.append("serial: new random")

        // Friendly name.
        var friendlyName = source.friendlyName
        if request.target.friendlyName == .dated, let original = source.friendlyName {
            let renamed = PlanBuilder.datedFriendlyName(original, now: request.now)
            changes.append("friendlyName \"\(original)\" → \"\(renamed)\"")
            friendlyName = renamed
        } else if let original = source.friendlyName {
            keeps.append("friendlyName \"\(original)\"")
        }

        // PKCS#12: the original's encryption family unless --pfx-encryption says otherwise, so that the
        // system that imported the original (Windows Server 2016 takes only 3DES/SHA-1) imports this one.
        var pkcs12Encryption: PKCS12Protection.Family?
        if source.container == .pkcs12 {
            let original = source.decoded.pkcs12Protection
            let family = request.pfxEncryption ?? original?.family ?? .aes
            pkcs12Encryption = family
            let was = original?.summary ?? "unknown"
            if request.pfxEncryption != nil, original?.family != family {
                changes.append("PKCS#12 encryption \(was) → \(family.rawValue): \(family.written) (--pfx-encryption)")
            } else {
                keeps.append("PKCS#12 encryption family \(family.rawValue) (original: \(was)): \(family.written)")
            }
            if let id = original?.localKeyID {
                keeps.append("PKCS#12 localKeyID \(Hex.encode(id, separator: nil))")
            }
        }

        return ReplacementPlan(
            sourcePath: source.path, index: source.index, container: source.container, original: facts, issuer: issuer,
            key: key, subjectDER: facts.subject.der, subjectAltNameDER: san, subjectAltNameCritical: sanCritical,
            keyUsage: keyUsage, keyUsageCritical: request.target.keyUsageCritical, extendedKeyUsageOIDs: eku,
            notBefore: notBefore, notAfter: notAfter, friendlyName: friendlyName, pkcs12Encryption: pkcs12Encryption,
            changes: changes, keeps: keeps)
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
    static func dnsNames(_ names: [String]) -> [UInt8] {
        var content: [UInt8] = []
        for name in names {
            content += [0x82] + derLength(name.utf8.count) + Array(name.utf8)
        }
        return [0x30] + derLength(content.count) + content
    }

    static func derLength(_ length: Int) -> [UInt8] {
        if length < 0x80 {
            return [UInt8(length)]
        }
        var bytes: [UInt8] = []
        var rest = length
        while rest > 0 {
            bytes.insert(UInt8(rest & 0xff), at: 0)
            rest >>= 8
        }
        return [0x80 | UInt8(bytes.count)] + bytes
    }
}
