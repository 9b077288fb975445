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

/// Byte-level reads of a certificate's DER that the facts do not keep.
enum CertificateDER {
    /// The exact SubjectPublicKeyInfo DER (tbsCertificate's 7th field, after the optional version).
    static func subjectPublicKeyInfo(of der: [UInt8]) -> [UInt8]? {
        der.withUnsafeBufferPointer { bytes -> [UInt8]? in
            guard let certificate = DERReader.element(bytes, at: 0, end: bytes.count),
                let tbs = DERReader.children(bytes, of: certificate).first(where: { _ in true })
            else { return nil }
            var fields = DERReader.children(bytes, of: tbs)
            var field = fields.next()
            if field?.tag == DERElement.context(0, constructed: true) {
                field = fields.next()
            }
            // serial, signature, issuer, validity, subject, then SubjectPublicKeyInfo
            for _ in 0..<5 {
                field = fields.next()
            }
            return field.map { Array(bytes[$0.whole]) }
        }
    }
}
