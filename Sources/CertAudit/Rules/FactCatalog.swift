/// A typed view of one fact; conditions are type-checked against it when a rule file is loaded.
public enum FactAccessor: Sendable {
    case bool(@Sendable (EvaluationInput) -> Bool)
    case int(@Sendable (EvaluationInput) -> Int)
    case string(@Sendable (EvaluationInput) -> String)
    /// A list of strings; `vocabulary` (when set) lists the accepted literal values, besides dotted OIDs.
    case strings(vocabulary: Set<String>?, @Sendable (EvaluationInput) -> [String])
    /// KeyUsage bits; nil when the extension is absent.
    case keyUsage(@Sendable (EvaluationInput) -> KeyUsageSet?)
    case date(@Sendable (EvaluationInput) -> UnixTime)
    /// One of `values`; the accessor returns the value's index, so tests compare integers, not strings.
    case enumeration(values: [String], @Sendable (EvaluationInput) -> Int)

    static func enumeration<Value: CaseIterable & RawRepresentable & Equatable & Sendable>(
        _ get: @escaping @Sendable (EvaluationInput) -> Value
    ) -> FactAccessor where Value.RawValue == String, Value.AllCases: Sendable {
        let cases = Array(Value.allCases)
        return .enumeration(values: cases.map(\.rawValue)) { input in
            let value = get(input)
            return cases.firstIndex(of: value) ?? 0
        }
    }

    public var typeName: String {
        switch self {
        case .bool: "boolean"
        case .int: "integer"
        case .string: "string"
        case .strings: "list of strings"
        case .keyUsage: "KeyUsage bits"
        case .date: "date"
        case .enumeration(let values, _): "one of " + values.joined(separator: "|")
        }
    }

    /// The fact as text, for messages.
    func render(_ input: EvaluationInput) -> String {
        switch self {
        case .bool(let get): String(get(input))
        case .int(let get): String(get(input))
        case .string(let get): get(input)
        case .strings(_, let get): get(input).isEmpty ? "none" : get(input).joined(separator: ", ")
        case .keyUsage(let get): get(input).map { "{" + $0.names.joined(separator: ", ") + "}" } ?? "absent"
        case .date(let get): get(input).isoDate
        case .enumeration(let values, let get): values[get(input)]
        }
    }
}

public struct FactDefinition: Sendable {
    public var name: String
    public var summary: String
    public var accessor: FactAccessor
}

/// Every fact a rule can test or a message can show. The names are the rule language's vocabulary.
public enum FactCatalog {
    public static let all: [FactDefinition] = [
        FactDefinition(
            name: "document",
            summary: "what was read: certificate, csr (a PKCS#10 request: no issuer, serial or validity) or crl (a revocation list: crl.* facts)",
            accessor: .enumeration { $0.facts.document }),
        FactDefinition(
            name: "revocation.status",
            summary: "what the scan's CRLs (--crl, and files named like CRLs in the scanned folders) say of a certificate: none (no CRL of its issuer), good (its issuer's newest, current, complete CRL does not list it), revoked, unknown (not listed, but the CRL is stale, scoped or cut short)",
            accessor: .enumeration { $0.revocation?.state ?? .none }),
        FactDefinition(
            name: "revocation.crl", summary: "the CRL that lists the certificate, or the first CRL of its issuer; empty when none",
            accessor: .string { $0.revocation?.crl ?? "" }),
        FactDefinition(
            name: "revocation.date", summary: "when the certificate was revoked (the CRL entry's revocationDate); 1970-01-01 when not revoked",
            accessor: .date { $0.revocation?.revocationDate ?? UnixTime(seconds: 0) }),
        FactDefinition(
            name: "revocation.reason",
            summary: "the revoked entry's reason (keyCompromise, superseded, …; 'not given' without a reasonCode); empty when not revoked",
            accessor: .string { input in
                guard let status = input.revocation, status.state == .revoked else { return "" }
                return status.reason ?? "not given"
            }),
        FactDefinition(
            name: "crl.thisUpdate", summary: "a CRL's thisUpdate; 1970-01-01 for other documents",
            accessor: .date { $0.facts.revocationList?.thisUpdate ?? UnixTime(seconds: 0) }),
        FactDefinition(
            name: "crl.nextUpdate.present", summary: "a CRL carries a nextUpdate (RFC 5280 §5.1.2.5: conforming CAs MUST include it)",
            accessor: .bool { $0.facts.revocationList?.nextUpdate != nil }),
        FactDefinition(
            name: "crl.nextUpdate", summary: "a CRL's nextUpdate: when a newer CRL is due; its thisUpdate when it has none",
            accessor: .date { $0.facts.revocationList.map { $0.nextUpdate ?? $0.thisUpdate } ?? UnixTime(seconds: 0) }),
        FactDefinition(
            name: "crl.daysLeft",
            summary: "whole days from now until a CRL's nextUpdate (negative once passed); 0 without a nextUpdate",
            accessor: .int { input in
                guard let next = input.facts.revocationList?.nextUpdate else { return 0 }
                return Int(Validity.floorDays(next.seconds - input.context.now.seconds))
            }),
        FactDefinition(
            name: "crl.stale", summary: "a CRL's nextUpdate has passed: clients that check it fail or fall back",
            accessor: .bool { input in input.facts.revocationList?.nextUpdate.map { $0 < input.context.now } ?? false }),
        FactDefinition(
            name: "crl.revoked", summary: "how many certificates a CRL lists", accessor: .int { $0.facts.revocationList?.revokedCount ?? 0 }),
        FactDefinition(
            name: "crl.number", summary: "a CRL's cRLNumber in hex; empty when absent",
            accessor: .string { $0.facts.revocationList?.number.map { Hex.encode($0) } ?? "" }),
        FactDefinition(
            name: "role",
            summary: "the role the rules judge it in: leaf, intermediate or root as declared (role.declared), except that what a live server presents first is a leaf, and so is a self-issued CA shaped as a server certificate (role.basis)",
            accessor: .enumeration { $0.role }),
        FactDefinition(
            name: "role.declared",
            summary: "what basicConstraints and version declare: leaf, intermediate (CA, not self-issued) or root (self-issued CA or v1)",
            accessor: .enumeration { $0.facts.role }),
        FactDefinition(
            name: "role.basis",
            summary: "why the role is what it is: declared, presented-first (a live server sent it first) or server-shaped (self-issued CA:TRUE with a DNS/IP SAN or serverAuth)",
            accessor: .enumeration { $0.roleBasis }),
        FactDefinition(
            name: "role.note", summary: "a sentence saying why a CA-marked certificate is judged as a server certificate; empty otherwise",
            accessor: .string { $0.roleNote ?? "" }),
        FactDefinition(
            name: "serverShaped", summary: "has a DNS or IP SubjectAltName, or an ExtendedKeyUsage with serverAuth",
            accessor: .bool { $0.facts.serverShaped }),
        FactDefinition(
            name: "presented", summary: "a live server presented it (false for files)",
            accessor: .bool { $0.presentation != nil }),
        FactDefinition(
            name: "presented.first", summary: "a live server presented it first: the certificate Chrome/Edge judge as the server's",
            accessor: .bool { $0.presentation?.index == 0 }),
        FactDefinition(
            name: "presented.position", summary: "1-based position in the presented chain; 0 for files",
            accessor: .int { ($0.presentation?.index).map { $0 + 1 } ?? 0 }),
        FactDefinition(
            name: "presented.count", summary: "how many certificates the server presented; 0 for files",
            accessor: .int { $0.presentation?.count ?? 0 }),
        FactDefinition(
            name: "presented.inOrder",
            summary: "every presented certificate is followed by its issuer (by name and key identifier); true for files",
            accessor: .bool { $0.presentation?.orderProblem == nil }),
        FactDefinition(
            name: "presented.orderProblem", summary: "where the presented chain leaves issuing order; empty when in order",
            accessor: .string { $0.presentation?.orderProblem ?? "" }),
        FactDefinition(
            name: "chain.issuer",
            summary: "where a presented certificate's issuer is: next (as it should), presented (elsewhere in the chain), trust-store, self, missing (neither presented nor trusted); none for files",
            accessor: .enumeration { $0.presentation?.issuer ?? .none }),
        FactDefinition(
            name: "chain.signature",
            summary: "a presented certificate's signature under its issuer's key: valid, invalid, unverified (no issuer, or an algorithm not checked); none for files",
            accessor: .enumeration { $0.presentation?.signature ?? .none }),
        FactDefinition(
            name: "chain.trust",
            summary: "whether the presented chain leads to an anchor of --trust-store (default: the system bundle) through verified signatures: trusted, untrusted; none for files",
            accessor: .enumeration { $0.presentation?.trust ?? .none }),
        FactDefinition(
            name: "chain.trustStore", summary: "the trust store presented chains are judged against; empty for files",
            accessor: .string { $0.presentation?.trustSource ?? "" }),
        FactDefinition(
            name: "tls.present", summary: "a live server's handshake was recorded (false for files)",
            accessor: .bool { $0.presentation?.handshake != nil }),
        FactDefinition(
            name: "tls.protocol",
            summary: "the protocol the server negotiated with a ClientHello like Chrome's (or, when it refused that, the legacy probe); none for files",
            accessor: .enumeration { $0.presentation?.handshake?.protocolVersion ?? .none }),
        FactDefinition(
            name: "tls.keyExchange",
            summary: "the negotiated key exchange: ecdhe (TLS 1.3 and TLS 1.2 ECDHE: the key signs, needs digitalSignature), rsa (TLS 1.2 plain RSA: needs keyEncipherment), dhe, psk, other; none for files",
            accessor: .enumeration { $0.presentation?.handshake?.keyExchange ?? .none }),
        FactDefinition(
            name: "tls.cipher", summary: "the negotiated cipher suite (OpenSSL's name); empty for files",
            accessor: .string { $0.presentation?.handshake?.cipher ?? "" }),
        FactDefinition(
            name: "tls.group", summary: "the key exchange group (x25519, prime256v1, …); empty for plain RSA and files",
            accessor: .string { $0.presentation?.handshake?.group ?? "" }),
        FactDefinition(
            name: "tls.alpn", summary: "the ALPN protocol the server chose (h2, http/1.1); empty when none",
            accessor: .string { $0.presentation?.handshake?.alpn ?? "" }),
        FactDefinition(
            name: "tls.negotiated", summary: "the handshake in words: 'TLSv1.3 with ECDHE (x25519, …)'; empty for files",
            accessor: .string { $0.presentation?.handshake?.summary ?? "" }),
        FactDefinition(
            name: "tls.note", summary: "a sentence naming what the server negotiated with Chrome's offer; empty for files",
            accessor: .string { $0.presentation?.handshake?.note ?? "" }),
        FactDefinition(
            name: "tls.chromeCompatible",
            summary: "the server completed a handshake with Chrome's offer (TLS 1.2/1.3, Chrome's suites and groups); true for files",
            accessor: .bool { $0.presentation?.handshake?.chromeCompatible ?? true }),
        FactDefinition(
            name: "tls.accepts.tls13", summary: "the server speaks TLS 1.3 with Chrome's suites and groups; false for files",
            accessor: .bool { $0.presentation?.handshake?.acceptsTLS13 ?? false }),
        FactDefinition(
            name: "tls.accepts.ecdhe", summary: "the server accepts TLS 1.2 with Chrome's ECDHE suites offered alone; false for files",
            accessor: .bool { $0.presentation?.handshake?.acceptsECDHE ?? false }),
        FactDefinition(
            name: "tls.accepts.rsaKeyExchange",
            summary: "the server accepts TLS 1.2 with Chrome's plain-RSA key exchange suites offered alone; false for files and when unknown",
            accessor: .bool { $0.presentation?.handshake?.acceptsRSAKeyExchange ?? false }),
        FactDefinition(
            name: "tls.probed",
            summary: "every tls.accepts.* fact is known (the probes ran and answered; not with --no-probes, a timeout or a network failure); false for files",
            accessor: .bool { $0.presentation?.handshake?.probed ?? false }),
        FactDefinition(
            name: "tls.service",
            summary: "how the endpoint reaches TLS: tls (implicit, what browsers use), smtp, submission, imap, pop3, ldap, ftp, postgres; none for files",
            accessor: .enumeration { $0.presentation?.handshake?.service ?? .none }),
        FactDefinition(
            name: "tls.requestedName", summary: "the host name (or address) the endpoint was asked by; empty for files",
            accessor: .string { $0.presentation?.handshake?.requestedName ?? "" }),
        FactDefinition(
            name: "tls.nameMatches",
            summary: "the certificate's DNS SubjectAltNames cover the host name the endpoint was asked by, as Chrome matches them (wildcard in the leftmost label only, no CN fallback); true for files and for endpoints asked by address",
            accessor: .bool { input in
                guard let name = input.presentation?.handshake?.requestedName, !name.isEmpty, IPAddress.bytes(name) == nil
                else { return true }
                return HostNames.covers(input.facts, requested: name)
            }),
        FactDefinition(
            name: "privateKey.present",
            summary: "a private key lies with the certificate: in its PEM file, or beside it (same stem .key; certbot's privkey.pem)",
            accessor: .bool { $0.privateKey != nil }),
        FactDefinition(
            name: "privateKey.path", summary: "the file the private key is in; empty when none",
            accessor: .string { $0.privateKey?.path ?? "" }),
        FactDefinition(
            name: "privateKey.match",
            summary: "whether the key belongs to the certificate (whole public keys compared): match, mismatch, unchecked (encrypted or unreadable), none",
            accessor: .enumeration { $0.privateKey?.match ?? .none }),
        FactDefinition(
            name: "privateKey.algorithm",
            summary: "the private key's own type (rsa, ec, …), once it could be read; unknown when encrypted and not decrypted, or when no key",
            accessor: .enumeration { $0.privateKey?.keyAlgorithm ?? .unknown }),
        FactDefinition(
            name: "privateKey.bits", summary: "the private key's size in bits, once it could be read; 0 otherwise",
            accessor: .int { $0.privateKey?.keyBits ?? 0 }),
        FactDefinition(
            name: "privateKey.name", summary: "the private key as people write it (RSA-2048, EC-256); empty when not read",
            accessor: .string { $0.privateKey?.keyName ?? "" }),
        FactDefinition(
            name: "privateKey.uncheckedReason", summary: "why the match was not checked; empty otherwise",
            accessor: .string { $0.privateKey?.uncheckedReason ?? "" }),
        FactDefinition(
            name: "privateKey.worldReadable", summary: "the key's file is readable by every user (o+r)",
            accessor: .bool { $0.privateKey?.worldReadable ?? false }),
        FactDefinition(
            name: "privateKey.groupReadable", summary: "the key's file is readable by its group (g+r)",
            accessor: .bool { $0.privateKey?.groupReadable ?? false }),
        FactDefinition(
            name: "privateKey.mode", summary: "the permission bits of the key's file (0600); empty when no key",
            accessor: .string { $0.privateKey?.modeText ?? "" }),
        FactDefinition(
            name: "privateKey.ownerDiffers", summary: "the key's file belongs to another user than the certificate's",
            accessor: .bool { $0.privateKey?.ownerDiffers ?? false }),
        FactDefinition(
            name: "selfIssued", summary: "subject and issuer names are byte-identical",
            accessor: .bool { $0.facts.selfIssued }),
        FactDefinition(
            name: "ca", summary: "basicConstraints cA is TRUE", accessor: .bool { $0.facts.isCA }),
        FactDefinition(
            name: "basicConstraints.present", summary: "the basicConstraints extension is present",
            accessor: .bool { $0.facts.basicConstraints != nil }),
        FactDefinition(name: "version", summary: "X.509 version (1, 2 or 3)", accessor: .int { $0.facts.version }),
        FactDefinition(
            name: "serial.octets", summary: "length of the serial number encoding in octets",
            accessor: .int { $0.facts.serial.count }),
        FactDefinition(
            name: "serial.hex", summary: "the serial number as colon-separated hex octets, as encoded",
            accessor: .string { $0.facts.serialHex }),
        FactDefinition(
            name: "serial.positive", summary: "the serial number is greater than zero",
            accessor: .bool { $0.facts.serialIsPositive }),
        FactDefinition(
            name: "key.algorithm", summary: "subject public key algorithm",
            accessor: .enumeration { $0.facts.publicKey.algorithm }),
        FactDefinition(
            name: "key.bits", summary: "RSA/DSA modulus bits, EC curve bits", accessor: .int { $0.facts.publicKey.bits }),
        FactDefinition(
            name: "key.name", summary: "key type and size as people write it: RSA-2048, EC-p256, DSA-1024",
            accessor: .string { $0.facts.publicKey.displayName }),
        FactDefinition(
            name: "key.curve", summary: "EC named curve (p256, p384, p521, …); empty for other keys",
            accessor: .string { $0.facts.publicKey.curve ?? "" }),
        FactDefinition(
            name: "signature.algorithm", summary: "signature algorithm name (e.g. sha256WithRSAEncryption)",
            accessor: .string { $0.facts.signatureAlgorithm.name }),
        FactDefinition(
            name: "signature.hash", summary: "digest the signature relies on",
            accessor: .enumeration { $0.facts.signatureAlgorithm.hash }),
        FactDefinition(
            name: "keyUsage",
            summary: "KeyUsage bits; has/lacks/hasAny/eq/empty are false when the extension is absent",
            accessor: .keyUsage { $0.facts.keyUsage?.bits }),
        FactDefinition(
            name: "keyUsage.present", summary: "the KeyUsage extension is present",
            accessor: .bool { $0.facts.keyUsage != nil }),
        FactDefinition(
            name: "keyUsage.critical", summary: "the KeyUsage extension is present and critical",
            accessor: .bool { $0.facts.keyUsage?.critical ?? false }),
        FactDefinition(
            name: "eku", summary: "ExtendedKeyUsage purposes (serverAuth, clientAuth, … or dotted OIDs)",
            accessor: .strings(vocabulary: ExtendedKeyUsageNames.knownNames) { $0.facts.extendedKeyUsage?.purposes ?? [] }),
        FactDefinition(
            name: "eku.present", summary: "the ExtendedKeyUsage extension is present",
            accessor: .bool { $0.facts.extendedKeyUsage != nil }),
        FactDefinition(
            name: "eku.permitsServerAuth",
            summary: "TLS server use is allowed: no EKU extension, or it lists serverAuth or anyExtendedKeyUsage",
            accessor: .bool { $0.facts.extendedKeyUsage?.permitsServerAuth ?? true }),
        FactDefinition(
            name: "san.present", summary: "the SubjectAltName extension is present",
            accessor: .bool { $0.facts.subjectAltNames != nil }),
        FactDefinition(
            name: "san.dns", summary: "DNS names in SubjectAltName",
            accessor: .strings(vocabulary: nil) { $0.facts.subjectAltNames?.dnsNames ?? [] }),
        FactDefinition(
            name: "san.ip", summary: "IP addresses in SubjectAltName",
            accessor: .strings(vocabulary: nil) { $0.facts.subjectAltNames?.ipAddresses ?? [] }),
        FactDefinition(
            name: "san.hostNames", summary: "DNS names and IP addresses in SubjectAltName (what browsers match)",
            accessor: .strings(vocabulary: nil) { $0.facts.hostNames }),
        FactDefinition(
            name: "subject.cn", summary: "first commonName of the subject; empty when none",
            accessor: .string { $0.facts.subject.commonNames.first ?? "" }),
        FactDefinition(
            name: "subject.dn", summary: "subject as RFC 4514 text", accessor: .string { $0.facts.subject.rfc4514 }),
        FactDefinition(
            name: "issuer.dn", summary: "issuer as RFC 4514 text", accessor: .string { $0.facts.issuer.rfc4514 }),
        FactDefinition(
            name: "names.hostNamed",
            summary: "has a DNS/IP SubjectAltName, or a subject CN that looks like a host name",
            accessor: .bool { HostNames.isHostNamed($0.facts) }),
        FactDefinition(
            name: "names.hostStyle",
            summary: "subject is one CN holding an FQDN and the DNS SANs are exactly that FQDN and its first label",
            accessor: .bool { HostNames.isHostStyle($0.facts) }),
        FactDefinition(
            name: "names.cnInSan", summary: "every subject CN is among the DNS/IP SANs (true when there is no CN)",
            accessor: .bool { HostNames.commonNamesInSAN($0.facts) }),
        FactDefinition(
            name: "validity.notBefore", summary: "start of validity", accessor: .date { $0.facts.notBefore }),
        FactDefinition(name: "validity.notAfter", summary: "end of validity", accessor: .date { $0.facts.notAfter }),
        FactDefinition(
            name: "validity.daysLeft", summary: "whole days from now until notAfter (negative once expired)",
            accessor: .int { Int(Validity.floorDays($0.facts.notAfter.seconds - $0.context.now.seconds)) }),
        FactDefinition(
            name: "validity.periodDays", summary: "whole days from notBefore to notAfter",
            accessor: .int { Int(Validity.floorDays($0.facts.notAfter.seconds - $0.facts.notBefore.seconds)) }),
        FactDefinition(
            name: "validity.expired", summary: "notAfter is before now",
            accessor: .bool { $0.facts.notAfter < $0.context.now }),
        FactDefinition(
            name: "validity.notYetValid", summary: "notBefore is after now",
            accessor: .bool { $0.context.now < $0.facts.notBefore }),
        FactDefinition(
            name: "container", summary: "where the certificate was found",
            accessor: .enumeration { $0.container }),
        FactDefinition(
            name: "friendlyName", summary: "PKCS#12 friendlyName; empty when none",
            accessor: .string { $0.friendlyName ?? "" }),
        FactDefinition(
            name: "vendor.inScope",
            summary: "a vendor's guidance applies: a product history's installer shape or friendlyName matches, or --vendor names the vendor",
            accessor: .bool { !$0.vendorScope.isEmpty }),
        FactDefinition(
            name: "vendor.scope", summary: "the vendors whose guidance applies, and why",
            accessor: .strings(vocabulary: nil) { $0.vendorScope.map(\.label) }),
        FactDefinition(
            name: "product.matched", summary: "the certificate matches a product installer default (rules/products)",
            accessor: .bool { !$0.products.isEmpty }),
        FactDefinition(
            name: "product.matches", summary: "the product versions whose installer default it matches",
            accessor: .strings(vocabulary: nil) { $0.products.map(\.label) }),
        FactDefinition(
            name: "product.citation", summary: "the vendor guidance for the matched products",
            accessor: .string { Array(Set($0.products.map(\.citation))).sorted().joined(separator: "; ") }),
    ]

    public static let byName: [String: FactDefinition] = Dictionary(uniqueKeysWithValues: all.map { ($0.name, $0) })
}
