/// Turning command-line names into a `RemediationRequest`'s parts: the profile and its target, the
/// rules, the CA and the keys named by path. Every failure is a sentence for a usage error.
public enum RemediationSetup {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// The request for `profile` (its remediation target; its rules plus browser's), with defaults for
    /// the rest.
    public static func request(
        catalog: RuleCatalog, profile name: String, now: UnixTime, destination: RemediationRequest.Destination,
        manifestFolder: String
    ) throws(Failure) -> RemediationRequest {
        guard let profile = catalog.profiles.first(where: { $0.name == name }) else {
            throw Failure(description: "unknown profile '\(name)'; known: \(catalog.profiles.map(\.name).joined(separator: ", "))")
        }
        guard let target = profile.remediation else {
            throw Failure(description: "profile '\(name)' defines no remediation target (a 'remediation:' section)")
        }
        let rules: [Rule]
        do {
            rules = try catalog.selecting(profiles: Array(Set([name, "browser"])), disabling: [])
        } catch {
            throw Failure(description: error.description)
        }
        return RemediationRequest(
            profile: profile, target: target, rules: rules, products: catalog.products, now: now,
            destination: destination, manifestFolder: manifestFolder)
    }

    /// A private key file (PEM or DER, PKCS#8 or traditional; encrypted ones open with `passwords`).
    public static func key(at path: String, option: String, passwords: PasswordCandidates) throws(Failure) -> KeyMaterial {
        guard case .bytes(var bytes) = FileReader.load(path: path, limit: Limits.smallFile) else {
            throw Failure(description: "cannot read \(option) \(path)")
        }
        defer { Secrets.wipe(&bytes) }
        do {
            return try KeyMaterial(encoded: bytes, passwords: passwords)
        } catch {
            throw Failure(description: "\(option) \(path): \(error)")
        }
    }

    /// `--ca-cert` and `--ca-key`: the CA's first certificate and its matching key.
    public static func authority(certificate path: String, key keyPath: String, passwords: PasswordCandidates) throws(Failure)
        -> IssuingAuthority
    {
        guard case .bytes(let bytes) = FileReader.load(path: path, limit: Limits.smallFile) else {
            throw Failure(description: "cannot read --ca-cert \(path)")
        }
        guard let certificate = ContainerDecoder().decode(bytes, name: path).certificates.first(where: { $0.document == .certificate }) else {
            throw Failure(description: "--ca-cert \(path) holds no certificate")
        }
        do {
            return try IssuingAuthority(
                certificateDER: Array(certificate.der), key: try key(at: keyPath, option: "--ca-key", passwords: passwords))
        } catch let failure as IssuingAuthority.Failure {
            throw Failure(description: failure.description)
        } catch let failure as Failure {
            throw failure
        } catch {
            throw Failure(description: "\(error)")
        }
    }
}
