/// What one rule evaluation sees: a certificate's facts, where it came from, the clock and parameters.
public struct EvaluationInput: Sendable {
    public var facts: CertificateFacts
    public var container: ContainerKind
    public var friendlyName: String?
    public var context: EvaluationContext
    /// Set when a live server presented the certificate: its place in the presented chain.
    public var presentation: Presentation?
    /// The private key found with the certificate (in its file or beside it), when there is one.
    public var privateKey: PrivateKeyCheck?
    /// What the scan's CRLs say of it (nil: not a certificate, or no CRLs are known at all).
    public var revocation: RevocationStatus?
    /// Product installer defaults this certificate matches (filled by `ProductCatalog`).
    public var products: [ProductMatch] = []
    /// Vendors whose guidance applies to this certificate, and why (filled by `ProductCatalog` and
    /// `EvaluationContext.declaredVendors`).
    public var vendorScope: [VendorScope] = []
    /// The role the rules judge the certificate in, and why (see `RoleBasis`).
    public let role: CertificateRole
    public let roleBasis: RoleBasis

    public init(
        facts: CertificateFacts, container: ContainerKind, friendlyName: String?, context: EvaluationContext,
        presentation: Presentation? = nil
    ) {
        self.facts = facts
        self.container = container
        self.friendlyName = friendlyName
        self.context = context
        self.presentation = presentation
        (role, roleBasis) = EvaluationInput.judgedRole(facts, presentation: presentation)
    }

    /// Chrome/Edge judge the certificate a server presents first by the server rules, whatever its CA
    /// flag; on disk, a self-issued CA shaped like a server certificate is judged as one.
    static func judgedRole(_ facts: CertificateFacts, presentation: Presentation?) -> (CertificateRole, RoleBasis) {
        let declared = facts.role
        if let presentation, presentation.index == 0 {
            return (.leaf, declared == .leaf ? .declared : .presentedFirst)
        }
        if presentation == nil, declared == .root, facts.isCA, facts.serverShaped {
            return (.leaf, .serverShaped)
        }
        return (declared, .declared)
    }

    /// A sentence for findings on a certificate whose judged role is not its declared one; nil otherwise.
    public var roleNote: String? {
        switch roleBasis {
        case .declared:
            return nil
        case .presentedFirst:
            return "marked as a CA (basicConstraints CA:TRUE) but presented first by the server, so judged as its server certificate"
        case .serverShaped:
            var shape: [String] = []
            if !facts.hostNames.isEmpty {
                shape.append("SubjectAltName " + facts.hostNames.joined(separator: ", "))
            }
            if facts.extendedKeyUsage?.purposes.contains("serverAuth") ?? false {
                shape.append("ExtendedKeyUsage serverAuth")
            }
            return "marked as a CA (basicConstraints CA:TRUE) but shaped as a server certificate ("
                + shape.joined(separator: "; ") + "), so judged as one"
        }
    }
}

/// A certificate's place in the chain a live server presented, and what the handshake and the chain
/// checks found.
public struct Presentation: Sendable, Hashable {
    /// 0-based position in the order the server sent the certificates.
    public var index: Int
    /// How many certificates the server presented.
    public var count: Int
    /// The first place where the chain is not in issuing order: "certificate 2 (…) did not issue
    /// certificate 1 (…)"; nil when every certificate is followed by its issuer (by name).
    public var orderProblem: String?
    /// What the server negotiated (nil for a file judged as presented, e.g. a rule example).
    public var handshake: TLSHandshake?
    /// Where this certificate's issuer is, and whether its key verifies the signature.
    public var issuer: IssuerSource = .none
    public var signature: SignatureCheck = .none
    /// Whether the chain leads to an anchor of the trust store (the same for every certificate of it).
    public var trust: ChainTrust = .none
    /// The trust store judged against, for messages.
    public var trustSource = ""

    public init(index: Int, count: Int, orderProblem: String?, handshake: TLSHandshake? = nil) {
        self.index = index
        self.count = count
        self.orderProblem = orderProblem
        self.handshake = handshake
    }

    /// Presentations for a chain in the order presented. Each certificate but the last should be issued
    /// (by name, and by key identifier where both are present) by the one after it (RFC 5246 §7.4.2;
    /// RFC 8446 §4.4.2 lets the later ones come in any order, which many clients do not accept). With a
    /// trust store, each link's issuer and signature are checked and the chain's trust judged.
    public static func chain(
        _ certificates: [CertificateFacts], handshake: TLSHandshake? = nil, ders: [ArraySlice<UInt8>]? = nil,
        trustStore: TrustStore? = nil
    ) -> [Presentation] {
        var problem: String?
        for (position, certificate) in certificates.enumerated().dropLast() {
            let next = certificates[position + 1]
            if !next.issued(certificate) {
                problem = "certificate \(position + 2) (\(next.subject.rfc4514)) did not issue certificate \(position + 1) (\(certificate.subject.rfc4514))"
                break
            }
        }
        var presentations = certificates.indices.map {
            Presentation(index: $0, count: certificates.count, orderProblem: problem, handshake: handshake)
        }
        if let ders, ders.count == certificates.count {
            let (links, trust) = ChainAnalysis.links(Array(zip(ders, certificates)).map { (der: $0.0, facts: $0.1) }, trustStore: trustStore)
            for index in presentations.indices {
                presentations[index].issuer = links[index].issuer
                presentations[index].signature = links[index].signature
                presentations[index].trust = trustStore == nil ? .none : trust
                presentations[index].trustSource = trustStore?.source ?? ""
            }
        }
        return presentations
    }
}

/// A vendor whose product guidance applies to a certificate.
public struct VendorScope: Sendable, Hashable {
    public enum Basis: String, Sendable {
        /// The certificate has the shape the vendor's installers give their certificates.
        case installerShape = "installer shape"
        /// Its PKCS#12 friendlyName names one of the vendor's products.
        case friendlyName
        /// The user said the host runs the vendor's product (`--vendor`, `vendor:` in the configuration).
        case declared
    }

    public var vendor: String
    public var basis: Basis

    public var label: String {
        switch basis {
        case .installerShape: "\(vendor) (installer shape)"
        case .friendlyName: "\(vendor) (friendlyName)"
        case .declared: "\(vendor) (declared with --vendor)"
        }
    }
}

/// The time rules judge against and the named parameters rules may reference as `$name`.
public struct EvaluationContext: Sendable {
    public var now: UnixTime
    public var parameters: [String: Int]
    /// Vendor ids (`ProductCatalog.id`) the user says this host's products come from: their guidance
    /// applies to every certificate.
    public var declaredVendors: Set<String>

    /// Parameters every rule file may use, with their defaults.
    public static let defaultParameters: [String: Int] = ["expiryDays": 30]

    public init(
        now: UnixTime, parameters: [String: Int] = EvaluationContext.defaultParameters, declaredVendors: Set<String> = []
    ) {
        self.now = now
        self.parameters = parameters
        self.declaredVendors = declaredVendors
    }
}

extension CertificateFacts {
    /// This certificate's subject is `other`'s issuer, and its key identifier is `other`'s authority key
    /// identifier when both are present. Signatures are not verified.
    public func issued(_ other: CertificateFacts) -> Bool {
        guard other.issuer.der == subject.der else { return false }
        if let authority = other.authorityKeyIdentifier, let own = subjectKeyIdentifier {
            return authority == own
        }
        return true
    }
}
