import ArgumentParser
import CertAudit

#if canImport(Glibc)
    import Glibc
#endif

@main
struct CertAuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "certaudit",
        abstract: "Audit X.509 certificates for browser, vendor and standards problems (KeyUsage first).",
        version: CertAuditVersion.current,
        subcommands: [ScanCommand.self, ServeCommand.self, MergeCommand.self, RemediateCommand.self, BaselineCommand.self, ReportCommand.self, RulesCommand.self, ProblemsCommand.self]
    )

    /// Usage errors exit with 2 (the documented contract), not ArgumentParser's 64.
    static func main() {
        // A TLS peer that closes early must not kill the process with SIGPIPE.
        signal(SIGPIPE, SIG_IGN)
        InputOptions.inputsOptional = CommandLine.arguments.dropFirst().first == "serve"
        if !InputOptions.inputsOptional {
            // A report, cache or staged replacement being written under a temporary name is removed if
            // SIGINT/SIGTERM/SIGHUP stops the run (serve stops gracefully and removes them itself).
            TemporaryFiles.removeOnSignals()
        }
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let failure as UsageFailure {
            printError(failure.description)
            Glibc.exit(ExitStatus.usage.rawValue)
        } catch let failure as ScanSession.Failure {
            printError(failure.description)
            Glibc.exit(ExitStatus.usage.rawValue)
        } catch let failure as RemediationSetup.Failure {
            printError(failure.description)
            Glibc.exit(ExitStatus.usage.rawValue)
        } catch let code as ExitCode {
            Glibc.exit(code.rawValue)
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                printError(fullMessage(for: error))
                Glibc.exit(ExitStatus.usage.rawValue)
            }
            Self.exit(withError: error)
        }
    }
}
