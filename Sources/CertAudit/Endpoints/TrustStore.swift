import X509

#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// The trust anchors presented chains are judged against (`--trust-store FILE|DIR`; default: the
/// system bundle). Indexed by subject; loaded once per scan.
public struct TrustStore: Sendable {
    /// Where the anchors came from, for messages.
    public let source: String
    let bySubject: [[UInt8]: [Anchor]]
    public var count: Int { bySubject.values.reduce(0) { $0 + $1.count } }

    /// One trust anchor: its facts (subject, key identifier) and the parsed certificate (its key).
    struct Anchor: Sendable {
        var facts: CertificateFacts
        var certificate: Certificate
        var der: [UInt8]
    }

    /// Debian/Ubuntu, RHEL/Fedora, Alpine/macOS-style bundles, in that order.
    public static let systemBundles = [
        "/etc/ssl/certs/ca-certificates.crt", "/etc/pki/tls/certs/ca-bundle.crt", "/etc/ssl/cert.pem",
    ]

    public struct LoadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// An empty store (every chain untrusted), e.g. when the system has no bundle.
    public init(source: String) {
        self.source = source
        bySubject = [:]
    }

    init(source: String, anchors: [Anchor]) {
        self.source = source
        var index: [[UInt8]: [Anchor]] = [:]
        for anchor in anchors {
            index[anchor.facts.subject.der, default: []].append(anchor)
        }
        bySubject = index
    }

    /// The system bundle, or an empty store naming what was looked for.
    public static func system() -> TrustStore {
        for path in systemBundles where access(path, R_OK) == 0 {
            if let store = try? load(path) {
                return store
            }
        }
        return TrustStore(source: "no system trust bundle (" + systemBundles.joined(separator: ", ") + ")")
    }

    /// Every certificate in a PEM/DER/PKCS#7 file, or in the files of a folder (not recursive).
    public static func load(_ path: String) throws(LoadError) -> TrustStore {
        var status = stat()
        guard stat(path, &status) == 0 else {
            throw LoadError(description: "cannot read the trust store \(path): \(String(cString: strerror(errno)))")
        }
        var files: [String] = []
        if (status.st_mode & S_IFMT) == S_IFDIR {
            guard let directory = opendir(path) else {
                throw LoadError(description: "cannot list the trust store \(path): \(String(cString: strerror(errno)))")
            }
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if !name.hasPrefix(".") {
                    files.append(path + "/" + name)
                }
            }
            closedir(directory)
            files.sort()
        } else {
            files = [path]
        }
        var anchors: [Anchor] = []
        var seen = Set<[UInt8]>()
        let decoder = ContainerDecoder()
        for file in files {
            guard case .bytes(let bytes) = FileReader.load(path: file, limit: TrustStore.fileLimit) else { continue }
            for extracted in decoder.decode(bytes, name: file).certificates {
                let der = Array(extracted.der)
                guard seen.insert(der).inserted, let facts = try? LenientCertificateParser.parse(extracted.der),
                    let certificate = try? Certificate(derEncoded: der)
                else { continue }
                anchors.append(Anchor(facts: facts, certificate: certificate, der: der))
            }
        }
        if anchors.isEmpty && files.count == 1 {
            throw LoadError(description: "the trust store \(path) holds no certificate")
        }
        return TrustStore(source: path, anchors: anchors)
    }

    /// The largest trust bundle file read.
    static let fileLimit = 16 << 20

    func anchors(named subject: [UInt8]) -> [Anchor] {
        bySubject[subject] ?? []
    }
}
