/// What a file's bytes turned out to hold.
public struct DecodedInput: Sendable {
    /// Certificates in file order.
    public var certificates: [ExtractedCertificate] = []
    /// Parts that look like certificate data but cannot be decoded (each a sentence for the user).
    public var problems: [InputProblem] = []
    /// Set when the file holds no certificate data at all (a key, a CSR, a note, junk).
    public var skipReason: String?
    /// Number of private keys seen (PEM key blocks, PKCS#12 key bags).
    public var privateKeys = 0
    /// Only with `ContainerDecoder.keepSecrets`: the file's first private key (PKCS#8 DER, or the PEM
    /// block's DER) and the password that opened a PKCS#12, for re-issuing with the same key and password.
    public var privateKey: [UInt8]?
    public var pkcs12Password: String??
    /// For a PKCS#12 file: its algorithms and localKeyID (not secret; what a replacement keeps).
    public var pkcs12Protection: PKCS12Protection?
    /// The input's time budget (`ContainerDecoder.fileTimeoutSeconds`), checked again while it is judged.
    public var deadline: Deadline?
    /// A private key found with the certificates (in the file or beside it), and the index of the
    /// certificate it is judged with.
    public var privateKeyCheck: (Int, PrivateKeyCheck)?
    /// For a live server: what it negotiated with Chrome's offer and what it accepts (the `tls.*` facts).
    public var handshake: TLSHandshake?
    /// Only with `ContainerDecoder.keepSecrets`, for a JKS/JCEKS store: its entries and the password that
    /// matched its integrity digest, for writing a replacement store (keys are decrypted only then).
    var keystore: JavaKeystoreReader.Store?
    /// With `ContainerDecoder.matchEncryptedKeys`: how the key inside a PKCS#12 or keystore compared.
    var containerKey: ContainerKeyMatch?
    var keystoreBytes: [UInt8]?
    /// True when the certificates came from PEM text (for writing a replacement the same way).
    public var armored = false
}
