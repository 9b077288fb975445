/// Why bytes that were handed over as a certificate could not be read as one.
public struct CertificateParseError: Error, Sendable, CustomStringConvertible {
    public var reason: String

    public var description: String {
        "not a readable X.509 certificate: \(reason)"
    }
}
