import ArgumentParser
import CertAudit

/// What every scanning command shares: inputs, rules, clock, passwords, configuration file.
struct ScanOptions: ParsableArguments {
    @OptionGroup var input: InputOptions

    @Option(name: .customLong("profile"), help: "Rule profile (repeatable): browser, vendor, files, crl, rfc5280, cabf, all… Default: browser, vendor, files and crl.")
    var profiles: [String] = []

    @Option(name: .customLong("disable"), help: "Turn off a rule by id (repeatable).")
    var disabledRules: [String] = []

    @OptionGroup var ruleOptions: RuleOptions

    @OptionGroup var vendorOptions: VendorOptions

    @Option(help: "Warn about certificates expiring within this many days (default 30).")
    var expiryDays: Int?

    @OptionGroup var clock: ClockOptions

    @OptionGroup var password: PasswordFileOption

    @Flag(help: "Decrypt encrypted private keys lying with certificates with the given passwords, inside OpenSSL and only to compare them with the certificate (off: a scan decrypts no key, and their match is unchecked).")
    var matchEncryptedKeys = false

    @Option(help: "Configuration file (default: .certaudit.yaml in the first folder scanned).")
    var config: String?

    @Flag(help: "Do not apply a .certaudit.yaml found in the scanned folder (a folder you do not control can waive its own findings).")
    var noConfig = false

    func validate() throws {
        if noConfig, config != nil {
            throw ValidationError("--no-config and --config exclude each other")
        }
    }

    /// Everything a scan needs, with the configuration file's values where no flag was given.
    struct Prepared {
        var pipeline: AuditPipeline
        var rules: [Rule]
        /// The command line's inputs and the endpoints of its --targets files.
        var inputs: [ScanInput]
        var now: UnixTime
        var configuration: ScanConfiguration?
        /// The configuration file applied, for the reports.
        var configurationPath: String?
    }

    func prepare() throws -> Prepared {
        var configuration: ScanConfiguration?
        let inputs = try input.inputs()
        let configurationPath = noConfig ? nil : (config ?? ScanConfiguration.locate(inputs: inputs))
        if let path = configurationPath {
            do {
                configuration = try ScanConfiguration.load(path)
            } catch {
                throw UsageFailure("configuration error: \(error)")
            }
        }
        let expiry = expiryDays ?? configuration?.expiryDays ?? 30
        try NumericLimits.check(expiry, NumericLimits.expiryDays, expiryDays == nil ? "expiryDays (configuration)" : "--expiry-days")
        let now = clock.now
        var parameters = EvaluationContext.defaultParameters
        parameters["expiryDays"] = expiry
        var ruleOptions = ruleOptions
        if ruleOptions.ruleFolders.isEmpty, let folders = configuration?.ruleFolders {
            ruleOptions.ruleFolders = folders
        }
        let catalog = try ruleOptions.loadCatalog(parameters: Set(parameters.keys))
        let rules: [Rule]
        do {
            rules = try catalog.selecting(
                profiles: profiles.isEmpty ? (configuration?.profiles ?? []) : profiles, disabling: disabledRules)
        } catch {
            throw UsageFailure(error.description)
        }
        let walk = input.walkOptions(configuration: configuration)
        var decoder = ContainerDecoder(passwords: try password.candidates())
        decoder.fileTimeoutSeconds = input.fileTimeout
        decoder.matchEncryptedKeys = matchEncryptedKeys
        var pipeline = AuditPipeline(
            walker: InputWalker(options: walk),
            decoder: decoder,
            auditor: Auditor(
                rules: rules, products: catalog.products,
                context: EvaluationContext(
                    now: now, parameters: parameters,
                    declaredVendors: try vendorOptions.declared(catalog: catalog, configured: configuration?.vendors))))
        try input.configureEndpoints(&pipeline, inputs: inputs)
        return Prepared(
            pipeline: pipeline, rules: rules, inputs: inputs, now: now, configuration: configuration, configurationPath: configurationPath)
    }
}
