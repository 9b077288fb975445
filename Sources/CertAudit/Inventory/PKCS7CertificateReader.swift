import SwiftASN1

/// Cuts the certificates out of a PKCS#7/CMS SignedData (`.p7b`, "certs-only") with SwiftASN1.
/// Each certificate's bytes are taken as they are encoded, so a certificate other parsers would refuse
/// is still handed to the lenient parser instead of sinking the whole bundle.
enum PKCS7CertificateReader {
    static let signedDataOID = ObjectIdentifierKey("1.2.840.113549.1.7.2")

    enum Failure: Error {
        case notPKCS7
        case malformed(String)
    }

    /// True when `node` is a ContentInfo of type signedData.
    static func isSignedData(_ node: ASN1Node) -> Bool {
        guard node.identifier == .sequence, case .constructed(let children) = node.content,
            let first = children.first(where: { _ in true }), first.identifier == .objectIdentifier,
            case .primitive(let oid) = first.content
        else { return false }
        return ObjectIdentifierKey(contentBytes: oid) == signedDataOID
    }

    static func certificates(in contentInfo: ASN1Node) throws(Failure) -> [ArraySlice<UInt8>] {
        guard isSignedData(contentInfo), case .constructed(let children) = contentInfo.content else {
            throw .notPKCS7
        }
        var iterator = children.makeIterator()
        _ = iterator.next()
        guard let explicit = iterator.next(), explicit.identifier.tagClass == .contextSpecific,
            explicit.identifier.tagNumber == 0, case .constructed(let wrapped) = explicit.content,
            let signedData = wrapped.first(where: { _ in true }), case .constructed(let fields) = signedData.content
        else {
            throw .malformed("SignedData content is missing")
        }
        var certificates: [ArraySlice<UInt8>] = []
        for field in fields where field.identifier.tagClass == .contextSpecific && field.identifier.tagNumber == 0 {
            guard case .constructed(let choices) = field.content else {
                throw .malformed("certificates field is not constructed")
            }
            // CertificateChoices: only the plain `certificate` (a SEQUENCE) is X.509; tagged choices are
            // extended/attribute certificates and are not audited.
            for choice in choices where choice.identifier == .sequence {
                certificates.append(choice.encodedBytes)
            }
        }
        return certificates
    }
}
