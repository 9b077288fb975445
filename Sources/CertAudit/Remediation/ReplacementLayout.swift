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
        switch container {
        case .pem:
            let text = allCertificates.map { PEMWriter.encode(label: "CERTIFICATE", der: $0) }.joined()
            outputs.append(.init(path: main, bytes: Array(text.utf8), mode: 0o644))
            paths.certificate = main
        case .der:
            outputs.append(.init(path: main, bytes: allCertificates.flatMap { $0 }, mode: 0o644))
            paths.certificate = main
        case .pkcs7:
            let der = try ContainerEncoder.pkcs7(allCertificates)
            let bytes = file.decoded.armored ? Array(PEMWriter.encode(label: "PKCS7", der: der).utf8) : der
            outputs.append(.init(path: main, bytes: bytes, mode: 0o644))
            paths.certificate = main
        case .tls:
            throw Failure(description: "a live server's certificate is replaced on the server: save it to a file and remediate that")
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
