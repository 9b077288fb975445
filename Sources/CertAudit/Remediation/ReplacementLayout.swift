#if canImport(Glibc)
    import Glibc
#endif

/// Where a file's replacements go and in which encoding: the original's container, the original's
/// relative path below `--out` (or the original path with `--in-place`), keys beside as `STEM.key`
/// (PEM PKCS#8) or `STEM.key.der` (DER PKCS#8) with mode 0600.
struct ReplacementLayout {
    var request: RemediationRequest

    struct Paths {
        var certificate: String?
        var pkcs12: String?
        var keys: [Int: String] = [:]
        var csr: [Int: String] = [:]
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// With `--in-place`, a new key is written as `STEM.key` beside the certificate. A file of that name
    /// that holds another key (not this certificate's) is someone else's: refuse rather than replace it.
    private func refuseUnrelatedKeyFiles(
        _ file: Remediator.FileWork, keys: [Int: KeyMaterial], keyPath: (Int) -> String
    ) throws {
        guard case .inPlace = request.destination, file.decoded.privateKeys == 0 || file.certificates.first?.extracted.container != .pem
        else { return }
        for index in keys.keys.sorted() {
            guard let plan = file.plans[index], case .generate = plan.key else { continue }
            let path = keyPath(index)
            var info = stat()
            guard lstat(path, &info) == 0 else { continue }
            var target = stat()
            if info.st_mode & S_IFMT == S_IFLNK, stat(path, &target) != 0 {
                continue  // a dangling link: nothing is overwritten; the transaction keeps the link as a backup
            }
            let existing = (try? KeyMaterial(encoded: FileReader.loadOrEmpty(path)))?.subjectPublicKeyInfo
            let wanted = CertificateDER.subjectPublicKeyInfo(of: Array(file.certificates[index].extracted.der))
            guard let existing, existing == wanted else {
                throw Failure(
                    description: "\(path) exists and does not hold this certificate's private key; certaudit will not overwrite an unrelated key (move it away, or use --out)")
            }
        }
    }

    /// The original PEM file with its certificate blocks replaced in place and its first private key
    /// block replaced by the new key; every other byte (other blocks, text between them) is kept.
    private func combinedPEM(
        _ file: Remediator.FileWork, certificates: [Int: [UInt8]], keys: [Int: KeyMaterial]
    ) throws -> [UInt8] {
        let blocks = PEMScanner.blocks(in: file.original)
        var out: [UInt8] = []
        var position = 0
        var certificateIndex = 0
        var keyWritten = false
        let newKey = keys.keys.sorted().compactMap { index -> KeyMaterial? in
            if case .generate = file.plans[index]?.key { return keys[index] }
            return nil
        }.first
        for block in blocks {
            out += file.original[position..<block.extent.lowerBound]
            position = block.extent.upperBound
            if ContainerDecoder.certificateLabels.contains(block.label), block.complete {
                if let replaced = certificates[certificateIndex] {
                    out += Array(PEMWriter.encode(label: "CERTIFICATE", der: replaced).utf8)
                } else {
                    out += file.original[block.extent]
                }
                certificateIndex += 1
            } else if ContainerDecoder.pkcs7Labels.contains(block.label) {
                throw Failure(description: "a PEM file holding a private key and a PKCS#7 bundle is not rewritten; split it first")
            } else if block.label.hasSuffix("PRIVATE KEY"), !keyWritten, let newKey {
                if block.label == "ENCRYPTED PRIVATE KEY" || file.original[block.body].starts(with: Array("Proc-Type:".utf8)) {
                    throw Failure(description: "the file's private key is encrypted; certaudit does not write a new key unencrypted in its place (use --key reuse, or --out)")
                }
                out += Array(newKey.pkcs8PEM.utf8)
                keyWritten = true
            } else {
                out += file.original[block.extent]
            }
        }
        out += file.original[position...]
        return out
    }

    func target(_ file: Remediator.FileWork) -> String {
        switch request.destination {
        case .directory(let folder): (folder.hasSuffix("/") ? folder : folder + "/") + file.relative
        case .inPlace: file.path
        }
    }

    func outputs(
        for file: Remediator.FileWork, certificates: [Int: [UInt8]], signingRequests: [Int: [UInt8]], keys: [Int: KeyMaterial]
    ) throws -> ([SafeFileWriter.Output], Paths) {
        let main = target(file)
        let stem = PlanBuilder.stem(of: main)
        var outputs: [SafeFileWriter.Output] = []
        var paths = Paths()
        let container = file.certificates.first?.extracted.container ?? .pem

        func keyPath(_ index: Int, der: Bool) -> String {
            let first = keys.keys.min() == index
            return stem + (first ? "" : "-\(index)") + (der ? ".key.der" : ".key")
        }
        /// A key is written unless it already exists on its own (`--key-file`, a key file beside the input).
        func needsKeyFile(_ index: Int) -> Bool {
            guard let plan = file.plans[index] else { return false }
            if case .reuse(_, let origin) = plan.key {
                return origin == file.path && container != .pkcs12
            }
            return true
        }

        // Signing requests: STEM.csr (+ key); the original certificate file is left alone.
        if !signingRequests.isEmpty {
            for (index, der) in signingRequests.sorted(by: { $0.key < $1.key }) {
                let first = signingRequests.keys.min() == index
                let csrPath = stem + (first ? "" : "-\(index)") + ".csr"
                outputs.append(.init(path: csrPath, bytes: Array(PEMWriter.encode(label: "CERTIFICATE REQUEST", der: der).utf8), mode: 0o644))
                paths.csr[index] = csrPath
                if needsKeyFile(index) || container == .pkcs12, let key = keys[index] {
                    let path = keyPath(index, der: false)
                    outputs.append(.init(path: path, bytes: Array(key.pkcs8PEM.utf8), mode: 0o600))
                    paths.keys[index] = path
                }
            }
            return (outputs, paths)
        }

        let allCertificates = file.certificates.indices.map { certificates[$0] ?? Array(file.certificates[$0].extracted.der) }
        try refuseUnrelatedKeyFiles(file, keys: keys, keyPath: { keyPath($0, der: container == .der) })
        switch container {
        case .pem where file.decoded.privateKeys > 0:
            // A combined file (certificate and key together, as HAProxy reads them) stays combined.
            let bytes = try combinedPEM(file, certificates: certificates, keys: keys)
            outputs.append(.init(path: main, bytes: bytes, mode: 0o600))
            paths.certificate = main
            for index in certificates.keys {
                paths.keys[index] = main
            }
            return (outputs, paths)
        case .pem, .presented:
            // A live server's chain is written as the PEM chain to install, the new leaf first.
            let text = allCertificates.map { PEMWriter.encode(label: "CERTIFICATE", der: $0) }.joined()
            outputs.append(.init(path: main, bytes: Array(text.utf8), mode: 0o644))
            paths.certificate = main
        case .jks, .jceks:
            // The same store with the re-issued entries replaced: same type, aliases, other entries and password.
            guard let store = file.decoded.keystore, let password = store.password else {
                throw Failure(description: "the keystore's password is unknown: give it with --password-file")
            }
            var replacements: [Int: JavaKeystoreWriter.Replacement] = [:]
            for (index, certificate) in certificates {
                guard let (entry, position) = file.certificates[index].extracted.keystoreEntry, position == 0,
                    entry < store.entries.count
                else {
                    throw Failure(description: "certificate \(index) is not the leaf of a private-key entry")
                }
                var chain = store.entries[entry].certificates.map { Array($0) }
                chain[0] = certificate
                var newKey: [UInt8]?
                if case .generate = file.plans[index]?.key, let key = keys[index] {
                    newKey = key.pkcs8DER
                }
                replacements[entry] = .init(chain: chain, newKey: newKey)
            }
            defer {
                // The copies of the new keys' PKCS#8 handed to the writer.
                for entry in replacements.keys where replacements[entry]?.newKey != nil {
                    Secrets.wipe(&replacements[entry]!.newKey!)
                }
            }
            do {
                let bytes = try JavaKeystoreWriter.rewrite(
                    file.original, store: store, replacing: replacements, password: password, now: UnixTime.now())
                outputs.append(.init(path: main, bytes: bytes, mode: 0o600))
            } catch {
                throw Failure(description: error.description)
            }
            paths.certificate = main
            return (outputs, paths)
        case .der:
            outputs.append(.init(path: main, bytes: allCertificates.flatMap { $0 }, mode: 0o644))
            paths.certificate = main
        case .pkcs7:
            let der = try ContainerEncoder.pkcs7(allCertificates)
            let bytes = file.decoded.armored ? Array(PEMWriter.encode(label: "PKCS7", der: der).utf8) : der
            outputs.append(.init(path: main, bytes: bytes, mode: 0o644))
            paths.certificate = main
        case .pkcs12:
            guard let index = certificates.keys.min(), let certificate = certificates[index], let key = keys[index] else {
                throw Failure(description: "nothing to write")
            }
            let chain = allCertificates.indices.filter { $0 != index }.map { allCertificates[$0] }
            let password: String
            if let chosen = request.outputPassword {
                password = chosen
            } else if case .some(.some(let original)) = file.decoded.pkcs12Password {
                password = original
            } else {
                password = ""
            }
            let plan = file.plans[index]
            let bytes = try ContainerEncoder.pkcs12(
                certificate: certificate, key: key, chain: chain, friendlyName: plan?.friendlyName,
                localKeyID: file.decoded.pkcs12Protection?.localKeyID, password: password,
                family: plan?.pkcs12Encryption ?? .aes)
            outputs.append(.init(path: main, bytes: bytes, mode: 0o600))
            paths.pkcs12 = main
            return (outputs, paths)
        }
        for index in certificates.keys.sorted() where needsKeyFile(index) {
            guard let key = keys[index] else { continue }
            let der = container == .der
            let path = keyPath(index, der: der)
            outputs.append(.init(path: path, bytes: der ? key.pkcs8DER : Array(key.pkcs8PEM.utf8), mode: 0o600))
            paths.keys[index] = path
        }
        return (outputs, paths)
    }
}
