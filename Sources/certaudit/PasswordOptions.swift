import CertAudit

#if canImport(Glibc)
    import Glibc
#endif

/// Collects PKCS#12 password candidates from a file and the environment — never from argv.
enum PasswordOptions {
    static func candidates(passwordFile: String?) throws -> PasswordCandidates {
        var candidates = PasswordCandidates()
        if let passwordFile {
            guard var contents = readSmallFile(passwordFile) else {
                throw UsageFailure("cannot read --password-file \(passwordFile)")
            }
            candidates.add(fileContents: contents, source: "--password-file")
            Secrets.wipe(&contents)
        }
        if let fromEnvironment = ProcessEnvironment.environment["CERTAUDIT_PFX_PASSWORD"] {
            candidates.add(password: fromEnvironment, source: "CERTAUDIT_PFX_PASSWORD")
        }
        return candidates
    }

    /// The first line of the password file (the password for PKCS#12 files certaudit writes).
    static func firstPassword(passwordFile: String?) throws -> String? {
        guard let passwordFile else { return nil }
        guard var contents = readSmallFile(passwordFile) else {
            throw UsageFailure("cannot read --password-file \(passwordFile)")
        }
        var candidates = PasswordCandidates()
        candidates.add(fileContents: contents, source: "--password-file")
        Secrets.wipe(&contents)
        return candidates.values.dropFirst(2).first ?? nil
    }

    /// Small inputs given on the command line (password files, keys, CA certificates): 1 MiB at most.
    static func readSmallFile(_ path: String) -> [UInt8]? {
        if case .bytes(let bytes) = FileReader.load(path: path, limit: Limits.smallFile) {
            return bytes
        }
        return nil
    }
}
