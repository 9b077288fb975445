/// What one input held, kept beside its result when remediation needs it: the bytes as read (a combined
/// PEM is rewritten block by block from them), the decoded container (keys and the PKCS#12 password only
/// with `ContainerDecoder.keepSecrets`), and the certificate DER of each audited certificate.
public struct InputSource: Sendable {
    public var bytes: [UInt8]
    public var decoded: DecodedInput
    /// Aligned with `InputResult.certificates`: the extracted certificate each was parsed from.
    public var certificates: [ExtractedCertificate]
}
