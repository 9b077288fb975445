import ArgumentParser
import CertAudit

// The closed value sets of the command line: the parser checks them and help lists them.

/// `--fail-on`: the lowest severity that makes the exit status 1, or never.
enum FailOnArgument: String, CaseIterable, ExpressibleByArgument {
    case error, warning, notice, info, never

    var threshold: Severity? {
        self == .never ? nil : Severity(rawValue: rawValue)
    }
}

/// `scan --format`: the main output's format (the others go to `--report FORMAT:FILE`).
enum MainFormatArgument: String, CaseIterable, ExpressibleByArgument {
    case text, json

    var format: ReportFormat {
        self == .text ? .text : .json
    }
}

extension ReportFormat: ExpressibleByArgument {}
extension HistoryReport.Format: ExpressibleByArgument {}
extension KeySpec: ExpressibleByArgument {}
extension RemediationRequest.KeyMode: ExpressibleByArgument {}

/// `--report FORMAT:FILE`.
struct ReportRequest {
    var format: ReportFormat
    var path: String

    static func parse(_ argument: String) throws -> ReportRequest {
        guard let colon = argument.firstIndex(of: ":"), let format = ReportFormat(rawValue: String(argument[..<colon])),
            argument.index(after: colon) < argument.endIndex
        else {
            throw ValidationError(
                "--report takes FORMAT:FILE with FORMAT one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")) (got '\(argument)')")
        }
        return ReportRequest(format: format, path: String(argument[argument.index(after: colon)...]))
    }
}

/// `--since`: last, Nd or a date.
extension HistoryDiff.Since {
    static func parse(_ argument: String) throws -> HistoryDiff.Since {
        guard let since = HistoryDiff.Since(argument) else {
            throw ValidationError("--since takes last, Nd with N from 1 to 36500 (e.g. 7d) or YYYY-MM-DD (got '\(argument)')")
        }
        return since
    }
}

/// `--at`, declared once: the time to judge as of (default now).
struct ClockOptions: ParsableArguments {
    @Option(
        help: ArgumentHelp(
            "Judge as of this time instead of now.", valueName: "YYYY-MM-DD|YYYY-MM-DDTHH:MM:SSZ"),
        transform: { text in
            guard let time = UnixTime(iso8601: text) else {
                throw ValidationError("--at takes YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ (got '\(text)')")
            }
            return time
        })
    var at: UnixTime?

    var now: UnixTime {
        at ?? UnixTime.now()
    }
}

/// `--password-file`, declared once. Passwords are never accepted on the command line.
struct PasswordFileOption: ParsableArguments {
    @Option(
        help: "File of PKCS#12 passwords to try, one per line (and CERTAUDIT_PFX_PASSWORD); remediate protects the PKCS#12 files it writes with the first.")
    var passwordFile: String?

    func candidates() throws -> PasswordCandidates {
        try PasswordOptions.candidates(passwordFile: passwordFile)
    }
}
