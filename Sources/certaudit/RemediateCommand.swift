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
        let catalog = try ruleOptions.loadCatalog(parameters: Set(EvaluationContext.defaultParameters.keys))
        let inputs = try input.inputs()
        let besideInputs = inputs.lazy.compactMap(\.filePath).first.map(Self.folder(of:)) ?? "."
        let passwords = try password.candidates()
        var request = try RemediationSetup.request(
            catalog: catalog, profile: profile, now: clock.now,
            destination: inPlace ? .inPlace : .directory(output ?? "certaudit-remediated"),
            manifestFolder: output ?? (inPlace ? besideInputs : "certaudit-remediated"))
        request.walk = input.walkOptions()
        request.endpointTimeoutMilliseconds = input.timeout * 1000
        request.endpointConcurrency = input.concurrency
        request.fileTimeoutSeconds = input.fileTimeout
        request.declaredVendors = try vendorOptions.declared(catalog: catalog, configured: nil)
        request.keyMode = key
        request.keySpec = keyType
        request.signingRequest = csr
        request.validityDays = validityDays
        request.dryRun = dryRun
        request.pfxEncryption = legacyPfx ? .legacy : pfxEncryption?.family
        request.passwords = passwords
        request.outputPassword = try PasswordOptions.firstPassword(passwordFile: password.passwordFile)
        if let keyFile {
            request.keyFile = (try RemediationSetup.key(at: keyFile, option: "--key-file", passwords: passwords), keyFile)
        }
        if let caCert, let caKey {
            request.authority = try RemediationSetup.authority(certificate: caCert, key: caKey, passwords: passwords)
        }
        let result = Remediator(request: request).run(inputs)
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
