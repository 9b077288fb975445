import Foundation
import SwiftASN1
import X509

/// Turns a plan and a key into a signed certificate (swift-certificates) or a PKCS#10 request.
enum ReplacementIssuer {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    static func extensions(_ plan: ReplacementPlan, key: KeyMaterial) throws -> Certificate.Extensions {
        var extensions = Certificate.Extensions()
        let publicKey = key.certificateKey.publicKey
        try extensions.append(Certificate.Extension(BasicConstraints.notCertificateAuthority, critical: true))
        let bits = plan.keyUsage
        try extensions.append(
            Certificate.Extension(
                KeyUsage(
                    digitalSignature: bits.contains(.digitalSignature), nonRepudiation: bits.contains(.nonRepudiation),
                    keyEncipherment: bits.contains(.keyEncipherment), dataEncipherment: bits.contains(.dataEncipherment),
                    keyAgreement: bits.contains(.keyAgreement), keyCertSign: bits.contains(.keyCertSign),
                    cRLSign: bits.contains(.cRLSign), encipherOnly: bits.contains(.encipherOnly),
                    decipherOnly: bits.contains(.decipherOnly)),
                critical: plan.keyUsageCritical))
        if let oids = plan.extendedKeyUsageOIDs {
            let usages = try oids.map { ExtendedKeyUsage.Usage(oid: try ASN1ObjectIdentifier(dotRepresentation: $0)) }
            try extensions.append(Certificate.Extension(try ExtendedKeyUsage(usages), critical: false))
        }
        try extensions.append(
            Certificate.Extension(
                oid: .X509ExtensionID.subjectAlternativeName, critical: plan.subjectAltNameCritical,
                value: plan.subjectAltNameDER[...]))
        try extensions.append(Certificate.Extension(SubjectKeyIdentifier(hash: publicKey), critical: false))
        if case .authority(let authority) = plan.issuer {
            let identifier = authority.facts.subjectKeyIdentifier
                ?? Array(SubjectKeyIdentifier(hash: authority.key.certificateKey.publicKey).keyIdentifier)
            try extensions.append(
                Certificate.Extension(AuthorityKeyIdentifier(keyIdentifier: identifier[...]), critical: false))
        }
        return extensions
    }

    /// 16 random bytes, top bit clear and never all zero: a positive INTEGER of at most 16 octets, well
    /// inside RFC 5280's 20 (a 20-byte random serial needs a 21st octet half of the time).
    static func randomSerial() -> [UInt8] {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: 0...255, using: &generator) }
        bytes[0] = bytes[0] & 0x7f | 0x40
        return bytes
    }

    /// The signed replacement's DER. Fails if the subject would not stay byte-identical.
    static func certificate(_ plan: ReplacementPlan, key: KeyMaterial) throws -> [UInt8] {
        let subject = try X509.DistinguishedName(derEncoded: plan.subjectDER)
        let issuerName: X509.DistinguishedName
        let signingKey: KeyMaterial
        switch plan.issuer {
        case .selfSigned, .signingRequest:
            issuerName = subject
            signingKey = key
        case .authority(let authority):
            issuerName = try X509.DistinguishedName(derEncoded: authority.facts.subject.der)
            signingKey = authority.key
        }
        let certificate = try Certificate(
            version: .v3,
            serialNumber: Certificate.SerialNumber(bytes: randomSerial()),
            publicKey: key.certificateKey.publicKey,
            notValidBefore: Date(timeIntervalSince1970: TimeInterval(plan.notBefore.seconds)),
            notValidAfter: Date(timeIntervalSince1970: TimeInterval(plan.notAfter.seconds)),
            issuer: issuerName,
            subject: subject,
            signatureAlgorithm: signingKey.signatureAlgorithm,
            extensions: try extensions(plan, key: key),
            issuerPrivateKey: signingKey.certificateKey)
        var serializer = DER.Serializer()
        try serializer.serialize(certificate)
        let der = serializer.serializedBytes
        let facts = try LenientCertificateParser.parse(der[...])
        guard facts.subject.der == plan.subjectDER else {
            throw Failure(description: "the subject name could not be kept byte-identical (its original encoding is not canonical DER)")
        }
        return der
    }

    /// A PKCS#10 request with the same subject, SubjectAltName, KeyUsage and EKU as the plan.
    static func signingRequest(_ plan: ReplacementPlan, key: KeyMaterial) throws -> [UInt8] {
        var requested = try extensions(plan, key: key)
        _ = requested.remove(.X509ExtensionID.subjectKeyIdentifier)
        let request = try CertificateSigningRequest(
            version: .v1,
            subject: try X509.DistinguishedName(derEncoded: plan.subjectDER),
            privateKey: key.certificateKey,
            attributes: CertificateSigningRequest.Attributes([
                try CertificateSigningRequest.Attribute(ExtensionRequest(extensions: requested))
            ]),
            signatureAlgorithm: key.signatureAlgorithm)
        var serializer = DER.Serializer()
        try serializer.serialize(request)
        return serializer.serializedBytes
    }
}
