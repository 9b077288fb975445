import SwiftASN1

/// Sniffs a file's content (never its name alone) and cuts out every certificate: PEM (any number of
/// blocks, text around them), DER (one or several concatenated), PKCS#7 in PEM or DER, PKCS#12, Java
/// keystores; and every certificate signing request (PKCS#10) and CRL, in PEM or DER.
public struct ContainerDecoder: Sendable {
    public var passwords: PasswordCandidates
    /// Keep private keys and the PKCS#12 password in the result (remediation only; never for a scan).
    public var keepSecrets = false
    /// Each input's time budget (`--file-timeout`): checked between PKCS#12 password candidates here and
    /// between certificates when they are judged; nil for none.
    public var fileTimeoutSeconds: Int?
    /// Decrypt encrypted private keys lying with certificates with `passwords`, inside OpenSSL and only to
    /// compare them (`--match-encrypted-keys`). Off: a scan decrypts no key, and such a match is unchecked.
    public var matchEncryptedKeys = false

    public init(passwords: PasswordCandidates = PasswordCandidates(), keepSecrets: Bool = false) {
        self.passwords = passwords
        self.keepSecrets = keepSecrets
    }

    static let certificateLabels: Set<String> = [
        "CERTIFICATE", "X509 CERTIFICATE", "X.509 CERTIFICATE", "TRUSTED CERTIFICATE",
    ]
    static let pkcs7Labels: Set<String> = ["PKCS7", "PKCS #7 SIGNED DATA", "CMS"]
    static let requestLabels: Set<String> = ["CERTIFICATE REQUEST", "NEW CERTIFICATE REQUEST"]
    static let revocationListLabels: Set<String> = ["X509 CRL"]
    /// File name endings that promise certificate data: such a file without any is an error, not a skip.
    static let certificateExtensions: [String] = [
        ".crt", ".cer", ".cert", ".der", ".pem", ".p7b", ".p7c", ".pfx", ".p12", ".jks", ".jceks", ".keystore",
        ".csr", ".req", ".crl",
    ]

    static func isNamedLikeCertificate(_ name: String) -> Bool {
        let lower = name.lowercased()
        return certificateExtensions.contains { lower.hasSuffix($0) }
    }

    public func decode(_ bytes: [UInt8], name: String) -> DecodedInput {
        let deadline = fileTimeoutSeconds.map { Deadline(seconds: $0) }
        var decoded = decodeContent(bytes, name: name, deadline: deadline)
        decoded.deadline = deadline
        return decoded
    }

    private func decodeContent(_ bytes: [UInt8], name: String, deadline: Deadline?) -> DecodedInput {
        if let kind = JavaKeystoreReader.sniff(bytes) {
            return decodeKeystore(bytes, kind: kind, deadline: deadline)
        }
        if PEMScanner.containsPEM(bytes) {
            return decodePEM(bytes, name: name)
        }
        if bytes.first == 0x30 {
            return decodeDER(bytes[...], name: name, deadline: deadline)
        }
        var result = DecodedInput()
        if bytes.isEmpty {
            result.skipReason = "empty file"
        } else if ContainerDecoder.isNamedLikeCertificate(name) {
            result.problems.append(InputProblem(.noCertificateData, "named like a certificate file but holds no PEM, DER, PKCS#7 or PKCS#12 data"))
        } else {
            result.skipReason = "no certificate data"
        }
        return result
    }

    private func decodePEM(_ bytes: [UInt8], name: String) -> DecodedInput {
        var result = DecodedInput()
        result.armored = true
        var otherLabels: [String] = []
        for block in PEMScanner.blocks(in: bytes) {
            let isCertificate = ContainerDecoder.certificateLabels.contains(block.label)
            let isPKCS7 = ContainerDecoder.pkcs7Labels.contains(block.label)
            let document: DocumentKind? =
                isCertificate
                ? .certificate
                : ContainerDecoder.requestLabels.contains(block.label)
                    ? .csr : ContainerDecoder.revocationListLabels.contains(block.label) ? .crl : nil
            guard document != nil || isPKCS7 else {
                if block.label.hasSuffix("PRIVATE KEY") {
                    result.privateKeys += 1
                    if keepSecrets, result.privateKey == nil, block.complete, block.label != "ENCRYPTED PRIVATE KEY" {
                        result.privateKey = try? Base64.decode(bytes[block.body])
                    }
                }
                otherLabels.append(block.label)
                continue
            }
            let place = "\(block.label) block at line \(block.line)"
            guard block.complete else {
                result.problems.append(InputProblem(.pemTruncated, location: place, "has no matching END line (truncated file?)"))
                continue
            }
            let der: [UInt8]
            do {
                der = try Base64.decode(bytes[block.body])
            } catch {
                result.problems.append(InputProblem(.pemBadBase64, location: place, "is not valid base64"))
                continue
            }
            if let document {
                // TRUSTED CERTIFICATE carries OpenSSL trust settings after the certificate: cut at its end.
                switch DERReader.header(of: der[...]) {
                case .element(let element):
                    result.certificates.append(
                        ExtractedCertificate(
                            document: document, der: der[..<element.end], container: .pem, friendlyName: nil, location: place))
                case .truncated:
                    result.problems.append(InputProblem(.pemTruncatedDER, location: place, "holds truncated DER"))
                case .invalid:
                    result.problems.append(InputProblem(.pemNotDER, location: place, "does not hold DER data"))
                }
            } else {
                appendPKCS7(der[...], place: place, to: &result)
            }
        }
        if result.certificates.isEmpty, result.problems.isEmpty {
            let labels = Array(Set(otherLabels)).sorted()
            result.skipReason =
                labels.isEmpty
                ? "PEM markers without blocks" : "PEM without certificates, requests or CRLs (\(labels.joined(separator: ", ")))"
        }
        return result
    }

    private func appendPKCS7(_ der: ArraySlice<UInt8>, place: String, to result: inout DecodedInput) {
        do {
            let node = try BER.parse(der)
            let certificates = try PKCS7CertificateReader.certificates(in: node)
            if certificates.isEmpty {
                result.skipReason = "PKCS#7 without certificates"
            }
            for (index, certificate) in certificates.enumerated() {
                result.certificates.append(
                    ExtractedCertificate(
                        der: certificate, container: .pkcs7, friendlyName: nil,
                        location: "\(place), certificate \(index + 1)"))
            }
        } catch {
            result.problems.append(InputProblem(.pkcs7Unreadable, location: place, "is not a readable PKCS#7 SignedData"))
        }
    }

    /// A JKS or JCEKS store: every entry's certificates, named by alias; whether its integrity digest
    /// matched a password is said in each location (a wrong given password is an error).
    private func decodeKeystore(_ bytes: [UInt8], kind: JavaKeystoreReader.Kind, deadline: Deadline?) -> DecodedInput {
        var result = DecodedInput()
        let store: JavaKeystoreReader.Store
        do {
            store = try JavaKeystoreReader.read(bytes, passwords: passwords, deadline: deadline)
        } catch {
            result.problems.append(InputProblem(.keystoreUnreadable, "\(kind.rawValue) keystore: \(error.description)"))
            return result
        }
        let container: ContainerKind = kind == .jks ? .jks : .jceks
        var integrity = ""
        if case .notChecked(let given) = store.integrity {
            if given {
                result.problems.append(
                    InputProblem(
                        .keystoreWrongPassword,
                        "\(kind.rawValue) keystore: no password given (--password-file, CERTAUDIT_PFX_PASSWORD) matches its integrity digest; its certificates are still read"))
            }
            integrity = "; store integrity not checked (no password matched)"
        }
        for (entryIndex, entry) in store.entries.enumerated() {
            for (position, certificate) in entry.certificates.enumerated() {
                let place =
                    entry.isKeyEntry
                    ? "\(kind.rawValue) entry '\(entry.alias)' (private key entry, chain certificate \(position + 1))"
                    : "\(kind.rawValue) entry '\(entry.alias)' (trusted certificate)"
                var extracted = ExtractedCertificate(der: certificate, container: container, friendlyName: entry.alias, location: place + integrity)
                extracted.keystoreEntry = (entryIndex, position)
                result.certificates.append(extracted)
            }
        }
        result.privateKeys = store.entries.filter(\.isKeyEntry).count
        if keepSecrets {
            result.keystore = store
            result.keystoreBytes = bytes
        } else if matchEncryptedKeys {
            result.containerKey = JavaKeystoreReader.matchKeys(of: store, in: bytes, deadline: deadline)
        }
        if result.certificates.isEmpty && result.problems.isEmpty {
            result.skipReason = "\(kind.rawValue) keystore without certificates (\(store.secretKeys) secret keys)"
        }
        return result
    }

    private func decodeDER(_ bytes: ArraySlice<UInt8>, name: String, deadline: Deadline?) -> DecodedInput {
        var result = DecodedInput()
        let namedLikeCertificate = ContainerDecoder.isNamedLikeCertificate(name)
        let element: ArraySlice<UInt8>
        switch DERReader.header(of: bytes) {
        case .truncated(let needed):
            if namedLikeCertificate {
                result.problems.append(InputProblem(.derTruncated, "DER data is truncated: its header announces \(needed) bytes, the file has \(bytes.count)"))
            } else {
                result.skipReason = "no certificate data"
            }
            return result
        case .invalid where bytes.dropFirst().first == 0x80:
            element = bytes  // BER indefinite length, as Windows writes some PFX and P7B files
        case .invalid:
            if namedLikeCertificate {
                result.problems.append(InputProblem(.derUnreadable, "named like a certificate file but holds no readable DER"))
            } else {
                result.skipReason = "no certificate data"
            }
            return result
        case .element(let first):
            element = bytes.prefix(first.end)
        }
        let shape = ContainerShape.of(element)
        let indefinite = shape == .unknown && bytes.dropFirst().first == 0x80
        if shape == .pkcs12 || indefinite, let pkcs12 = decodePKCS12(bytes, deadline: deadline) {
            return pkcs12
        }
        if shape == .pkcs7 || indefinite {
            appendPKCS7(element, place: "PKCS#7", to: &result)
            if shape == .pkcs7 || !result.certificates.isEmpty {
                return result
            }
            result = DecodedInput()
        }
        if shape == .request || shape == .revocationList {
            let document: DocumentKind = shape == .request ? .csr : .crl
            result.certificates.append(
                ExtractedCertificate(document: document, der: element, container: .der, friendlyName: nil, location: "DER"))
            if bytes.count > element.count, bytes.dropFirst(element.count).contains(where: { $0 != 0 }) {
                result.problems.append(
                    InputProblem(.derTrailingData, "\(bytes.count - element.count) bytes after the \(document.displayName) are not read"))
            }
            return result
        }
        guard shape == .certificate || namedLikeCertificate else {
            result.skipReason = "DER data that is not a certificate, request, CRL, PKCS#7 or PKCS#12 (a key?)"
            return result
        }
        // One certificate, or several concatenated DER certificates.
        var rest = bytes
        var index = 0
        while !rest.isEmpty {
            guard case .element(let next) = DERReader.header(of: rest), rest.first == 0x30 else {
                if index == 0 || rest.contains(where: { $0 != 0 }) {
                    result.problems.append(InputProblem(.derTrailingData, "\(rest.count) bytes after certificate \(index) are not DER"))
                }
                break
            }
            index += 1
            result.certificates.append(
                ExtractedCertificate(
                    der: rest.prefix(next.end), container: .der, friendlyName: nil,
                    location: index == 1 ? "DER" : "DER certificate \(index)"))
            rest = rest.dropFirst(next.end)
        }
        return result
    }

    /// nil when OpenSSL does not see a PKCS#12 structure at all.
    private func decodePKCS12(_ bytes: ArraySlice<UInt8>, deadline: Deadline?) -> DecodedInput? {
        var result = DecodedInput()
        do throws(PKCS12CertificateReader.Failure) {
            let contents = try PKCS12CertificateReader.read(
                bytes, passwords: passwords, wantKey: keepSecrets, matchKey: matchEncryptedKeys && !keepSecrets, deadline: deadline)
            result.containerKey = contents.keyMatch
            result.privateKeys = contents.privateKeys
            result.pkcs12Protection = contents.protection
            if keepSecrets {
                result.privateKey = contents.privateKey
                result.pkcs12Password = .some(contents.password)
            }
            for (index, certificate) in contents.certificates.enumerated() {
                result.certificates.append(
                    ExtractedCertificate(
                        der: certificate.der[...], container: .pkcs12, friendlyName: certificate.friendlyName,
                        location: "PKCS#12 certificate bag \(index + 1)"))
            }
            if contents.certificates.isEmpty {
                result.skipReason = "PKCS#12 without certificates"
            }
        } catch {
            switch error {
            case .wrongPassword(let sources):
                let tried = sources.isEmpty
                    ? "only the empty password was tried; give one with --password-file or CERTAUDIT_PFX_PASSWORD"
                    : "tried the empty password and those from \(sources.joined(separator: " and "))"
                result.problems.append(InputProblem(.pkcs12WrongPassword, "PKCS#12: wrong password (\(tried))"))
            case .notPKCS12:
                return nil
            case .timedOut(let tried):
                result.problems.append(
                    InputProblem(
                        .pkcs12Timeout,
                        "PKCS#12: time budget of \(deadline?.seconds ?? 0) s (--file-timeout) exceeded after \(tried) password candidate(s)"))
            case .iterationLimit(let message):
                result.problems.append(InputProblem(.pkcs12IterationLimit, "PKCS#12 could not be read: \(message)"))
            case .unreadable(let message):
                result.problems.append(InputProblem(.pkcs12Unreadable, "PKCS#12 could not be read: \(message)"))
            }
        }
        return result
    }
}

/// What a DER element looks like from its outer structure, read in place with `DERReader`.
enum ContainerShape {
    case certificate, request, revocationList, pkcs7, pkcs12, unknown

    static let dataOID = ObjectIdentifierKey("1.2.840.113549.1.7.1")
    static let signedDataOID = ObjectIdentifierKey("1.2.840.113549.1.7.2")

    static func of(_ element: ArraySlice<UInt8>) -> ContainerShape {
        element.withUnsafeBufferPointer { bytes in
            guard let outer = DERReader.element(bytes, at: 0, end: bytes.count), outer.tag == DERElement.sequence else {
                return .unknown
            }
            var children = DERReader.children(bytes, of: outer)
            guard let first = children.next() else { return .unknown }
            let second = children.next()
            // ContentInfo { contentType signedData, [0] content }
            if first.tag == DERElement.objectIdentifier,
                ObjectIdentifierKey(contentBytes: DERReader.content(bytes, of: first)) == signedDataOID
            {
                return .pkcs7
            }
            // PFX { version 3, authSafe ContentInfo { data, … }, macData? }
            if first.tag == DERElement.integer, first.content.count == 1, bytes[first.contentStart] == 3,
                let authSafe = second, authSafe.tag == DERElement.sequence,
                let type = DERReader.children(bytes, of: authSafe).first(where: { _ in true }),
                type.tag == DERElement.objectIdentifier,
                ObjectIdentifierKey(contentBytes: DERReader.content(bytes, of: type)) == dataOID
            {
                return .pkcs12
            }
            // Certificate { tbs, algorithm, signature BIT STRING }, and the same outer shape for a
            // CertificationRequest and a CertificateList: what tells them apart is inside.
            guard first.tag == DERElement.sequence, second?.tag == DERElement.sequence,
                children.next()?.tag == DERElement.bitString
            else { return .unknown }
            var inner = DERReader.children(bytes, of: first)
            var tags: [UInt8] = []
            while tags.count < 5, let element = inner.next() {
                tags.append(element.tag)
            }
            let isTime = { (tag: UInt8) in tag == DERElement.utcTime || tag == DERElement.generalizedTime }
            let sequence = DERElement.sequence
            // tbsCertificate { [0] version, serial … } or, v1, { serial, signature, issuer, validity, … }
            if tags.first == DERElement.context(0, constructed: true)
                || (tags.count >= 4 && tags[0] == DERElement.integer && tags[1] == sequence && tags[3] == sequence)
            {
                return .certificate
            }
            // certificationRequestInfo { version, subject, subjectPKInfo, [0] attributes } (some encoders
            // leave the empty attributes out)
            if tags.count == 4, tags[0] == DERElement.integer, tags[1] == sequence, tags[2] == sequence,
                tags[3] == DERElement.context(0, constructed: true)
            {
                return .request
            }
            if tags.count == 3, tags[0] == DERElement.integer, tags[1] == sequence, tags[2] == sequence {
                return .request
            }
            // tbsCertList { version?, signature, issuer, thisUpdate Time, … }
            if (tags.count >= 4 && tags[0] == DERElement.integer && tags[1] == sequence && tags[2] == sequence && isTime(tags[3]))
                || (tags.count >= 3 && tags[0] == sequence && tags[1] == sequence && isTime(tags[2]))
            {
                return .revocationList
            }
            // Anything else shaped like a certificate is read as one (and its parse error reported).
            return tags.first == DERElement.integer ? .certificate : .unknown
        }
    }
}
