import ArgumentParser
import CertAudit

/// `certaudit problems`: the stable codes of input problems, for waivers, baselines and CI parsers.
struct ProblemsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "problems",
        abstract: "List the codes of input problems (unreadable files, wrong passwords, failed handshakes).",
        discussion: """
            Every per-input error carries one of these codes: in JSON (errors[].code), SARIF \
            (notification descriptor id), JUnit (error type) and text ([code]). A configuration waiver \
            names one as 'problem: CODE' with a 'path' glob; a baseline records code and path.
            """)

    func run() throws {
        for code in InputProblem.Code.allCases {
            print("\(code.rawValue.padding(to: 26)) \(code.summary)")
        }
    }
}
