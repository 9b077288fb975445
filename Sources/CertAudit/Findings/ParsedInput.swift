/// What an input held once its certificates are parsed, before any rule looks at it: the decoder's
/// problems and those of certificates that cannot be read (in that order), and the facts of every
/// readable certificate with where it was found. It depends on the file's bytes and the decoder's
/// settings only, which is why the facts cache can keep it (`FactsCache`).
struct ParsedInput: Sendable {
    struct Certificate: Sendable {
        /// Its place among the certificates the input held (readable or not).
        var position: Int
        var container: ContainerKind
        var friendlyName: String?
        var location: String
        var facts: CertificateFacts
    }

    var problems: [InputProblem] = []
    var skipReason: String?
    var certificates: [Certificate] = []
    /// Certificates the input held, readable or not.
    var certificateCount = 0

    init() {}

    /// Parses every certificate `decoded` holds, within its time budget.
    init(_ decoded: DecodedInput) {
        problems = decoded.problems
        skipReason = decoded.skipReason
        certificateCount = decoded.certificates.count
        for (position, extracted) in decoded.certificates.enumerated() {
            if let deadline = decoded.deadline, deadline.passed {
                problems.append(
                    InputProblem(
                        .inputTimeout,
                        "time budget of \(deadline.seconds) s (--file-timeout) exceeded after \(position) of \(decoded.certificates.count) certificates; the rest were not judged"))
                break
            }
            do {
                let facts: CertificateFacts
                switch extracted.document {
                case .certificate: facts = try LenientCertificateParser.parse(extracted.der)
                case .csr: facts = try LenientRequestParser.parse(extracted.der)
                case .crl: facts = try LenientRevocationListParser.parse(extracted.der)
                }
                certificates.append(
                    Certificate(
                        position: position, container: extracted.container, friendlyName: extracted.friendlyName,
                        location: extracted.location, facts: facts))
            } catch {
                switch extracted.document {
                case .certificate:
                    problems.append(
                        InputProblem(.certificateUnparsable, location: extracted.location, "is not a readable certificate: \(error)"))
                case .csr:
                    problems.append(
                        InputProblem(.requestUnparsable, location: extracted.location, "is not a readable PKCS#10 request: \(error.reason)"))
                case .crl:
                    problems.append(InputProblem(.crlUnparsable, location: extracted.location, "is not a readable CRL: \(error.reason)"))
                }
            }
        }
    }
}
