import ArgumentParser
import CertAudit

/// How inputs are read, for every command that reads certificates (scan, baseline create, remediate):
/// which files of a folder, how large, through symbolic links or not, and how long each may take.
struct InputOptions: ParsableArguments {
    @Argument(
        help: "Files or folders (folders recursively); '-' reads standard input; tls://host[:port] or https://host[:port] reads what a live server presents.",
        transform: { try ScanInput(argument: $0) })
    var inputs: [ScanInput]

    @Option(name: .customLong("include"), help: "Only read files matching this glob (repeatable).")
    var includes: [String] = []

    @Option(name: .customLong("exclude"), help: "Leave out files and folders matching this glob (repeatable).")
    var excludes: [String] = []

    @Flag(help: "Follow symbolic links inside folders (loops are detected).")
    var followSymlinks = false

    @Option(help: "Skip files larger than this (bytes, or with a K, M or G suffix; at most 1G).")
    var maxFileSize: String = "10M"

    @Option(help: "Seconds allowed for a whole tls:// exchange: resolution, connect, handshake and chain.")
    var timeout: Int = 10

    @Option(help: "Seconds allowed for one file (PKCS#12 password attempts, certificates judged); past it the file is an error.")
    var fileTimeout: Int = 30

    mutating func validate() throws {
        guard let size = ByteSize.parse(maxFileSize), NumericLimits.maxFileSize.contains(size) else {
            throw ValidationError("--max-file-size takes a number of bytes up to 1G, e.g. 10M or 524288 (got '\(maxFileSize)')")
        }
        try NumericLimits.validate(timeout, NumericLimits.timeoutSeconds, "--timeout", unit: " seconds")
        try NumericLimits.validate(fileTimeout, NumericLimits.fileTimeoutSeconds, "--file-timeout", unit: " seconds")
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
