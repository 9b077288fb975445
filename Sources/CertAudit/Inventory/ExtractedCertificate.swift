/// One certificate's (or request's, or CRL's: `document`) DER as cut out of its container, before it
/// is parsed.
public struct ExtractedCertificate: Sendable {
    public var document: DocumentKind = .certificate
    public var der: ArraySlice<UInt8>
    public var container: ContainerKind
    /// PKCS#12 friendlyName of the certificate's bag, when there is one.
    public var friendlyName: String?
    /// Where in the file it was found, for messages: "PEM block at line 12", "PKCS#12 bag 2", …
    public var location: String
    /// In a Java keystore: the entry it belongs to (its place among the store's entries) and its place
    /// in that entry's chain (0: the entry's own certificate).
    var keystoreEntry: (entry: Int, position: Int)?
}
