/// Why an input (a file, a folder entry, standard input, a live endpoint) or a part of it could not be
/// read: a stable code, where in the input, and a sentence for people. The scan goes on; the exit status
/// is 3 while any problem counts (one waived in the configuration or recorded in the baseline does not).
///
/// Reports carry the code (JSON `code`, SARIF notification `descriptor.id`, JUnit `error type`), and
/// waivers and baselines name it. Codes are part of the interface: add new ones, never rename one.
public struct InputProblem: Sendable, Hashable, CustomStringConvertible {
    public var code: Code
    /// The input's path (`-` for standard input, `tls://host:port` for an endpoint); set when the problem
    /// joins its input's result.
    public var path: String
    /// Where inside the input, when it is a part of it: "CERTIFICATE block at line 12", "DER certificate 2".
    public var location: String?
    /// One sentence without the location: "has no matching END line (truncated file?)".
    public var message: String
    /// Set when a waiver or the baseline covers it: still reported, not counted.
    public var suppression: Suppression?

    public init(_ code: Code, path: String = "", location: String? = nil, _ message: String) {
        self.code = code
        self.path = path
        self.location = location
        self.message = message
    }

    /// Location and message, as the text report prints them.
    public var description: String {
        location.map { "\($0) \(message)" } ?? message
    }

    /// The description followed by the code, as the text and Markdown reports and remediate print it.
    public var withCode: String {
        "\(description) [\(code.rawValue)]"
    }

    /// Every problem certaudit reports. The raw value is the stable code.
    public enum Code: String, Sendable, CaseIterable, Comparable {
        // Files and folders
        case inputMissing = "input.missing"
        case fileOpenFailed = "file.open-failed"
        case fileStatFailed = "file.stat-failed"
        case fileReadFailed = "file.read-failed"
        case fileNotRegular = "file.not-regular"
        case fileLinkSwapped = "file.link-swapped"
        case folderOpenFailed = "folder.open-failed"
        case folderLoop = "folder.loop"
        case folderEntryFailed = "folder.entry-failed"
        case brokenLink = "link.broken"
        // Content
        case noCertificateData = "input.no-certificate-data"
        case pemTruncated = "pem.truncated"
        case pemBadBase64 = "pem.bad-base64"
        case pemTruncatedDER = "pem.truncated-der"
        case pemNotDER = "pem.not-der"
        case derTruncated = "der.truncated"
        case derUnreadable = "der.unreadable"
        case derTrailingData = "der.trailing-data"
        case pkcs7Unreadable = "pkcs7.unreadable"
        case pkcs12WrongPassword = "pkcs12.wrong-password"
        case pkcs12IterationLimit = "pkcs12.iteration-limit"
        case pkcs12Unreadable = "pkcs12.unreadable"
        case pkcs12Timeout = "pkcs12.timeout"
        case keystoreUnreadable = "keystore.unreadable"
        case keystoreWrongPassword = "keystore.wrong-password"
        case certificateUnparsable = "certificate.unparsable"
        case requestUnparsable = "csr.unparsable"
        case crlUnparsable = "crl.unparsable"
        case inputTimeout = "input.timeout"
        case tooManyProblems = "input.too-many-problems"
        // Live endpoints
        case tlsResolve = "tls.resolve"
        case tlsConnect = "tls.connect"
        case tlsTimeout = "tls.timeout"
        case tlsSetup = "tls.setup"
        case tlsHandshake = "tls.handshake"
        case tlsNoCertificate = "tls.no-certificate"
        case tlsStartTLS = "tls.starttls"
        case targetInvalid = "target.invalid"
        // certaudit merge
        case reportTooLarge = "report.too-large"
        case reportUnreadable = "report.unreadable"
        case reportUnsupported = "report.unsupported"

        public static func < (lhs: Code, rhs: Code) -> Bool {
            lhs.rawValue < rhs.rawValue
        }

        /// What the code means, for `certaudit problems` and the README.
        public var summary: String {
            switch self {
            case .inputMissing: "a path given as an input does not exist"
            case .fileOpenFailed: "the file could not be opened (permissions, vanished)"
            case .fileStatFailed: "the file's size and type could not be read"
            case .fileReadFailed: "reading the file failed part-way"
            case .fileNotRegular: "named as an input but not a regular file (FIFO, socket, device)"
            case .fileLinkSwapped: "a file became a symbolic link between listing and reading"
            case .folderOpenFailed: "a folder could not be listed"
            case .folderLoop: "a folder contains itself through a symbolic link"
            case .folderEntryFailed: "an entry of a folder could not be examined"
            case .brokenLink: "a symbolic link points nowhere"
            case .noCertificateData: "named like a certificate file but holds no certificate data"
            case .pemTruncated: "a PEM block has no END line"
            case .pemBadBase64: "a PEM block's body is not base64"
            case .pemTruncatedDER: "a PEM block holds DER cut short"
            case .pemNotDER: "a PEM block does not hold DER"
            case .derTruncated: "DER data is shorter than its header announces"
            case .derUnreadable: "named like a certificate file but its DER cannot be read"
            case .derTrailingData: "bytes after the last DER certificate are not DER"
            case .pkcs7Unreadable: "a PKCS#7 structure cannot be read"
            case .pkcs12WrongPassword: "no password candidate opens the PKCS#12 file"
            case .pkcs12IterationLimit: "a PKCS#12 iteration count is above the cap (10,000,000)"
            case .pkcs12Unreadable: "the PKCS#12 file is damaged or uses what OpenSSL cannot read"
            case .pkcs12Timeout: "the file's time budget ran out while trying PKCS#12 passwords"
            case .certificateUnparsable: "a certificate's DER is not a certificate"
            case .requestUnparsable: "a CERTIFICATE REQUEST block (or DER request) is not a readable PKCS#10 request"
            case .crlUnparsable: "an X509 CRL block (or DER CRL) is not a readable certificate revocation list"
            case .inputTimeout: "the file's time budget ran out while its certificates were judged"
            case .tooManyProblems: "more problems in one input than are listed"
            case .tlsResolve: "the endpoint's host name did not resolve"
            case .tlsConnect: "no TCP connection to the endpoint"
            case .tlsTimeout: "the endpoint's exchange (DNS, connect, STARTTLS, handshakes) took longer than --timeout"
            case .tlsSetup: "TLS could not be set up locally"
            case .tlsHandshake: "the TLS handshake failed"
            case .tlsNoCertificate: "the server presented no certificate"
            case .keystoreUnreadable: "a Java keystore (JKS, JCEKS) is truncated or malformed"
            case .keystoreWrongPassword: "no password given matches a Java keystore's integrity digest (its certificates are still read)"
            case .tlsStartTLS: "the plaintext protocol (SMTP, IMAP, POP3, LDAP, FTP, PostgreSQL) did not lead to TLS"
            case .targetInvalid: "a line of a --targets file names no endpoint"
            case .reportTooLarge: "a report given to certaudit merge is larger than --max-report-size"
            case .reportUnreadable: "a report given to certaudit merge is not a certaudit JSON report (not JSON, or a field is missing or invalid)"
            case .reportUnsupported: "a report given to certaudit merge has a schemaVersion this certaudit does not read"
            }
        }
    }
}
