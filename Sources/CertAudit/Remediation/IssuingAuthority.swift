import SwiftASN1
import X509

/// A CA that signs replacements (`--ca-cert` / `--ca-key`): its certificate, facts and matching key.
public struct IssuingAuthority: Sendable {
    public var certificateDER: [UInt8]
    public var facts: CertificateFacts
    public var key: KeyMaterial

    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Fails unless the certificate is a CA and `key` is the private key of its public key.
    public init(certificateDER: [UInt8], key: KeyMaterial) throws(Failure) {
        let facts: CertificateFacts
        do {
            facts = try LenientCertificateParser.parse(certificateDER[...])
        } catch {
            throw Failure(description: "--ca-cert: \(error)")
        }
        guard facts.isCA else {
            throw Failure(description: "--ca-cert is not a CA certificate (basicConstraints cA is not TRUE)")
        }
        guard CertificateDER.subjectPublicKeyInfo(of: certificateDER) == key.subjectPublicKeyInfo else {
            throw Failure(description: "--ca-key does not belong to --ca-cert (their public keys differ)")
        }
        self.certificateDER = certificateDER
        self.facts = facts
        self.key = key
    }
}
