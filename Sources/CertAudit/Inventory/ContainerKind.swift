/// The container a certificate was found in; remediation writes replacements in the same one.
public enum ContainerKind: String, Sendable, CaseIterable {
    case pem
    case der
    case pkcs7
    case pkcs12
    /// Java keystores (read only: remediation does not rewrite them yet).
    case jks
    case jceks
    /// Presented by a live TLS server (`tls://host:port`): not a container on disk, but where the
    /// certificate was found all the same. Its raw value, `tls`, is what reports and rules name.
    case presented = "tls"
}
