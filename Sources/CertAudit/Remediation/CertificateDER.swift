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
