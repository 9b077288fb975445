import ArgumentParser
import CertAudit

/// How inputs are read, for every command that reads certificates (scan, baseline create, remediate):
/// which files of a folder, how large, through symbolic links or not, and how long each may take.
struct InputOptions: ParsableArguments {
    @Argument(
        help: ArgumentHelp(
            "Files or folders (folders recursively); '-' reads standard input; tls://host[:port], https://…, or STARTTLS smtp:// submission:// imap:// pop3:// ldap:// ftp:// postgres:// read what a live server presents; tls://A.B.C.D/N[:port] every address of an IPv4 range.",
            valueName: "inputs"),
        transform: { try ScanInput(argument: $0) })
    var arguments: [ScanInput] = []

    @Option(
        name: .customLong("targets"),
        help: ArgumentHelp(
            "Read endpoints from this file (repeatable): one per line (# comments; host:port means tls://), Prometheus file_sd JSON, or nmap -oG output.",
            valueName: "file"))
    var targetFiles: [String] = []

    @Option(help: ArgumentHelp("Endpoints read at once (1-1024).", valueName: "n"))
    var concurrency: Int = 64

    @Option(
        help: ArgumentHelp(
            "Judge presented chains against these anchors: a PEM bundle or a folder of PEM files (default: the system bundle).",
            valueName: "path"))
    var trustStore: String?

    @Option(
        name: .customLong("crl"),
        help: ArgumentHelp(
            "Judge certificates against the CRLs in this file or folder (repeatable), besides the files named like CRLs (*.crl, *crl*.pem, HASH.r0) in the scanned folders.",
            valueName: "path"))
    var crls: [String] = []

    @Flag(help: "One handshake per endpoint (Chrome's offer) instead of also probing TLS 1.2 ECDHE and plain RSA key exchange alone (the tls.accepts.* facts).")
    var noProbes = false

    @Option(name: .customLong("include"), help: "Only read files matching this glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Leave out files and folders matching this glob (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Follow symbolic links inside folders (loops are detected).")
    var followSymlinks = false

    @Option(help: "Skip files larger than this (bytes, or with a K, M or G suffix; at most 1G).")
    var maxFileSize: String = "10M"

    @Option(help: "Seconds allowed for the whole exchange with one endpoint: resolution, connect, STARTTLS, every handshake.")
    var timeout: Int = 10

    @Option(help: "Seconds allowed for one file (PKCS#12 password attempts, certificates judged); past it the file is an error.")
    var fileTimeout: Int = 30

    /// `serve` without inputs only probes (set by `CertAuditCommand.main` before parsing: an option
    /// group cannot see which command it belongs to).
    nonisolated(unsafe) static var inputsOptional = false

    mutating func validate() throws {
        if arguments.isEmpty && targetFiles.isEmpty && !Self.inputsOptional {
            throw ValidationError("name at least one input (a file, a folder, '-', an endpoint) or --targets FILE")
        }
        try NumericLimits.validate(concurrency, NumericLimits.concurrency, "--concurrency")
        guard let size = ByteSize.parse(maxFileSize), NumericLimits.maxFileSize.contains(size) else {
            throw ValidationError("--max-file-size takes a number of bytes up to 1G, e.g. 10M or 524288 (got '\(maxFileSize)')")
        }
        try NumericLimits.validate(timeout, NumericLimits.timeoutSeconds, "--timeout", unit: " seconds")
        try NumericLimits.validate(fileTimeout, NumericLimits.fileTimeoutSeconds, "--file-timeout", unit: " seconds")
    }

    /// The inputs named on the command line, then the endpoints of every --targets file.
    func inputs() throws -> [ScanInput] {
        var inputs = arguments
        for file in targetFiles {
            let targets: [ScanInput]
            do {
                targets = try TargetList.read(file)
            } catch {
                throw UsageFailure(error.description)
            }
            // An inventory that yields nothing is a broken inventory, not a clean fleet.
            guard !targets.isEmpty else {
                throw UsageFailure("--targets \(file) names no endpoint (one per line, Prometheus file_sd JSON, or nmap -oG)")
            }
            inputs += targets
        }
        return inputs
    }

    /// The trust store presented chains are judged against; nil when no input is an endpoint.
    func loadTrustStore(for inputs: [ScanInput]) throws -> TrustStore? {
        guard inputs.contains(where: \.isEndpoint) else { return nil }
        guard let trustStore else { return TrustStore.system() }
        do {
            return try TrustStore.load(trustStore)
        } catch {
            throw UsageFailure(error.description)
        }
    }

    /// Applies the endpoint options, the trust store and the CRLs to a pipeline.
    func configureEndpoints(_ pipeline: inout AuditPipeline, inputs: [ScanInput]) throws {
        for path in crls {
            switch FileReader.kind(of: path) {
            case .regular, .directory: break
            case .missing: throw UsageFailure("--crl \(path): no such file or folder")
            case .other: throw UsageFailure("--crl \(path): not a regular file or a folder")
            }
        }
        pipeline.crlPaths = crls
        pipeline.endpointTimeoutMilliseconds = timeout * 1000
        pipeline.endpointConcurrency = concurrency
        pipeline.endpointProbes = !noProbes
        pipeline.auditor.trustStore = try loadTrustStore(for: inputs)
    }

    /// The walk, with the configuration file's globs where no flag was given.
    func walkOptions(configuration: ScanConfiguration? = nil) -> WalkOptions {
        var walk = WalkOptions()
        walk.followSymlinks = followSymlinks
        walk.includes = includes.isEmpty ? (configuration?.includes ?? []) : includes
        walk.excludes = excludes + (configuration?.excludes ?? [])
        walk.maxFileSize = ByteSize.parse(maxFileSize) ?? walk.maxFileSize
        return walk
    }
}
