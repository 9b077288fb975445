import ArgumentParser
import CertAudit

#if canImport(Glibc)
    import Glibc
#endif

struct RemediateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remediate",
        abstract: "Write compliant replacements for certificates with findings, keeping their names.",
        discussion: """
            Only leaf certificates with an error or warning under --profile (plus browser) are re-issued. \
            Each replacement keeps the subject (byte-identical), SubjectAltName (byte-for-byte; one is made \
            from the CN when missing), EKU (serverAuth added when missing) and friendly name, gets the \
            profile's KeyUsage for its key type, and is audited again before anything is written. Inputs are \
            read as scan reads them (the same globs, size limit and time budgets; tls:// endpoints too).

            Exit status: 0 all remediated (or nothing to do), 1 some could not be, 2 usage error.
            """
    )

    @OptionGroup var input: InputOptions

    @Option(help: "Profile whose target KeyUsage and validity to use: browser, vendor, rfc5280, cabf.")
    var profile: String = "browser"

    @Option(help: "new: a new key of the same type (RSA at least 2048); reuse: keep the existing key.")
    var key: RemediationRequest.KeyMode = .new

    @Option(help: "Key type for new keys (default: the original's type and size, RSA at least 2048).")
    var keyType: KeySpec?

    @Option(help: "With --key reuse: the private key (PEM or DER, unencrypted).")
    var keyFile: String?

    @Option(help: "Sign replacements of CA-issued certificates with this CA certificate (with --ca-key).")
    var caCert: String?

    @Option(help: "The private key of --ca-cert (PEM or DER; encrypted ones open with --password-file).")
    var caKey: String?

    @Flag(help: "Write PKCS#10 signing requests (and keys) for an external CA instead of certificates.")
    var csr = false

    @Option(help: "Validity in days (default: the profile's).")
    var validityDays: Int?

    @Option(
        name: [.customLong("output"), .customLong("out", withSingleDash: false)],
        help: "Output folder; input paths are mirrored below it (a live server's chain goes to endpoints/HOST_PORT.pem).")
    var output: String?

    @Flag(help: "Replace the input files, keeping a timestamped backup of each.")
    var inPlace = false

    @Flag(help: "Print the plan and write nothing.")
    var dryRun = false

    @OptionGroup var password: PasswordFileOption

    @Option(
        help: ArgumentHelp(
            "Encryption of PKCS#12 replacements (default: the original's family, so legacy in gives legacy out).",
            discussion: "legacy: 3DES and a SHA-1 MAC, which Windows Server 2016 and older import; aes: AES-256 (PBES2) and a SHA-256 MAC.",
            valueName: "legacy|aes"))
    var pfxEncryption: PFXEncryptionArgument?

    @Flag(help: "Same as --pfx-encryption legacy.")
    var legacyPfx = false

    @OptionGroup var clock: ClockOptions

    @OptionGroup var ruleOptions: RuleOptions

    @OptionGroup var vendorOptions: VendorOptions

    func validate() throws {
        if keyFile != nil, key != .reuse {
            throw ValidationError("--key-file goes with --key reuse")
        }
        if (caCert == nil) != (caKey == nil) {
            throw ValidationError("--ca-cert and --ca-key go together")
        }
        if inPlace, output != nil {
            throw ValidationError("choose --output DIR or --in-place, not both")
        }
        if let validityDays {
            try NumericLimits.validate(validityDays, NumericLimits.validityDays, "--validity-days", unit: " days")
        }
        if legacyPfx, let pfxEncryption, pfxEncryption.family != .legacy {
            throw ValidationError("--legacy-pfx and --pfx-encryption \(pfxEncryption.rawValue) contradict each other")
        }
    }

    func run() throws {
        let now = clock.now
        let keyMode = key
        let spec = keyType
        let passwordFile = password.passwordFile

        let catalog = try ruleOptions.loadCatalog(parameters: Set(EvaluationContext.defaultParameters.keys))
        guard let chosen = catalog.profiles.first(where: { $0.name == profile }) else {
            throw UsageFailure("unknown profile '\(profile)'; known: \(catalog.profiles.map(\.name).joined(separator: ", "))")
        }
        guard let target = chosen.remediation else {
            throw UsageFailure("profile '\(profile)' defines no remediation target (a 'remediation:' section)")
        }
        let rules: [Rule]
        do {
            rules = try catalog.selecting(profiles: Array(Set([profile, "browser"])), disabling: [])
        } catch {
            throw UsageFailure(error.description)
        }

        let destination: RemediationRequest.Destination = inPlace ? .inPlace : .directory(output ?? "certaudit-remediated")
        let besideInputs = input.inputs.lazy.compactMap(\.filePath).first.map(Self.folder(of:)) ?? "."
        var request = RemediationRequest(
            profile: chosen, target: target, rules: rules, products: catalog.products, now: now,
            destination: destination, manifestFolder: output ?? (inPlace ? besideInputs : "certaudit-remediated"))
        request.walk = input.walkOptions()
        request.endpointTimeoutMilliseconds = input.timeout * 1000
        request.fileTimeoutSeconds = input.fileTimeout
        request.declaredVendors = try vendorOptions.declared(catalog: catalog, configured: nil)
        request.keyMode = keyMode
        request.keySpec = spec
        request.signingRequest = csr
        request.validityDays = validityDays
        request.dryRun = dryRun
        request.pfxEncryption = legacyPfx ? .legacy : pfxEncryption?.family
        request.passwords = try PasswordOptions.candidates(passwordFile: passwordFile)
        request.outputPassword = try PasswordOptions.firstPassword(passwordFile: passwordFile)
        if let keyFile {
            request.keyFile = (try readKey(keyFile, option: "--key-file"), keyFile)
        }
        if let caCert, let caKey {
            guard let certificateBytes = PasswordOptions.readSmallFile(caCert) else {
                throw UsageFailure("cannot read --ca-cert \(caCert)")
            }
            let decoded = ContainerDecoder().decode(certificateBytes, name: caCert)
            guard let certificate = decoded.certificates.first else {
                throw UsageFailure("--ca-cert \(caCert) holds no certificate")
            }
            do {
                request.authority = try IssuingAuthority(
                    certificateDER: Array(certificate.der), key: try readKey(caKey, option: "--ca-key"))
            } catch let failure as IssuingAuthority.Failure {
                throw UsageFailure(failure.description)
            }
        }

        let result = Remediator(request: request).run(input.inputs)
        RemediationOutput.print(result, dryRun: dryRun)
        if !result.failed.isEmpty {
            throw ExitCode(1)
        }
    }

    /// With --in-place the manifest goes beside the inputs: the first path if it is a folder, else its folder.
    static func folder(of path: String) -> String {
        var isFolder = stat()
        if stat(path, &isFolder) == 0, isFolder.st_mode & S_IFMT == S_IFDIR {
            return path
        }
        return path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    }

    private func readKey(_ path: String, option: String) throws -> KeyMaterial {
        guard let bytes = PasswordOptions.readSmallFile(path) else {
            throw UsageFailure("cannot read \(option) \(path)")
        }
        do {
            return try KeyMaterial(encoded: bytes, passwords: try password.candidates())
        } catch {
            throw UsageFailure("\(option) \(path): \(error)")
        }
    }
}

/// The human output of `remediate`.
enum RemediationOutput {
    static func print(_ result: RemediationResult, dryRun: Bool) {
        for plan in result.plans {
            Swift.print("\(plan.sourcePath) #\(plan.index): would re-issue")
            for change in plan.changes { Swift.print("  change  \(change)") }
            for keep in plan.keeps { Swift.print("  keep    \(keep)") }
        }
        for replacement in result.replacements {
            let written = [replacement.certificate, replacement.pkcs12, replacement.csr, replacement.privateKey]
                .compactMap { $0 }.joined(separator: ", ")
            Swift.print("\(replacement.source) #\(replacement.index): wrote \(written)")
            if let family = replacement.pkcs12Encryption {
                Swift.print("  pkcs12  \(family.rawValue): \(family.written)")
            }
            for change in replacement.changes { Swift.print("  change  \(change)") }
            for keep in replacement.keeps { Swift.print("  keep    \(keep)") }
            for backup in replacement.backups { Swift.print("  backup  \(backup)") }
        }
        for skipped in result.skipped {
            Swift.print("\(skipped.source)\(skipped.index.map { " #\($0)" } ?? ""): skipped: \(skipped.reason)")
        }
        for failed in result.failed {
            Swift.print("\(failed.source)\(failed.index.map { " #\($0)" } ?? ""): NOT remediated: \(failed.reason)")
        }
        let verb = dryRun ? "planned" : "remediated"
        let count = dryRun ? result.plans.count : result.replacements.count
        Swift.print("\(count) \(verb), \(result.skipped.count) skipped, \(result.failed.count) could not be")
        if let manifest = result.manifestPath {
            Swift.print("manifest: \(manifest)")
        }
    }
}

/// `--pfx-encryption`: the closed set of PKCS#12 encryption families certaudit writes.
enum PFXEncryptionArgument: String, CaseIterable, ExpressibleByArgument {
    case legacy
    case aes

    var family: PKCS12Protection.Family {
        switch self {
        case .legacy: .legacy
        case .aes: .aes
        }
    }
}
