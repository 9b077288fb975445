/// JUnit XML for CI test-report plugins: one testcase per certificate, a failure per unsuppressed
/// finding at or above `--fail-on`, an error testcase per unreadable input. The counts in the opening
/// tags are written as fixed-width placeholders and patched when the scan ends (the report streams).
public final class JUnitReport: ReportWriter {
    private let output: OutputChannel
    private var failOn: Severity?
    private var tests = 0
    private var failures = 0
    private var errors = 0
    private var countOffsets: [Int] = []
    private static let width = 10

    public init(output: OutputChannel) {
        self.output = output
    }

    private func placeholder(_ name: String) -> String {
        countOffsets.append(output.position + name.count + 2)
        return "\(name)=\"\(String(repeating: "0", count: JUnitReport.width))\""
    }

    public func begin(_ header: ScanHeader) {
        failOn = header.failOn
        output.write("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites name=\"certaudit\" ")
        output.write(placeholder("tests") + " ")
        output.write(placeholder("failures") + " ")
        output.write(placeholder("errors") + ">\n  <testsuite name=\"certaudit scan\" ")
        output.write(placeholder("tests") + " ")
        output.write(placeholder("failures") + " ")
        output.write(placeholder("errors") + " timestamp=\"\(header.referenceTime.iso8601)\">\n")
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        let failOn = failOn
        return { report in
            var xml = ""
            let path = Markup.xml(report.displayPath)
            for certificate in report.certificates {
                let name = Markup.xml("#\(certificate.index) \(ReportDigest.name(of: certificate)) sha256:\(certificate.facts.sha256)")
                let failing = certificate.findings.filter { finding in
                    finding.suppression == nil && failOn.map { finding.severity >= $0 } == true
                }
                if failing.isEmpty {
                    xml += "    <testcase classname=\"\(path)\" name=\"\(name)\"/>\n"
                    continue
                }
                xml += "    <testcase classname=\"\(path)\" name=\"\(name)\">\n"
                for finding in failing {
                    let message = Markup.xml("\(finding.ruleId): \(finding.message)")
                    xml += "      <failure type=\"\(Markup.xml(finding.ruleId))\" message=\"\(message)\">"
                    xml += Markup.xml("[\(finding.severity.rawValue)] \(finding.title)\n\(finding.message)\nRemediation: \(finding.remediation)\nSee: \(finding.citation)")
                    xml += "</failure>\n"
                }
                xml += "    </testcase>\n"
            }
            for problem in report.problems {
                guard problem.suppression == nil else {
                    xml += "    <testcase classname=\"\(path)\" name=\"read \(Markup.xml(problem.code.rawValue))\"/>\n"
                    continue
                }
                xml += "    <testcase classname=\"\(path)\" name=\"read \(Markup.xml(problem.code.rawValue))\">\n"
                xml += "      <error type=\"\(Markup.xml(problem.code.rawValue))\" message=\"\(Markup.xml(problem.description))\"/>\n    </testcase>\n"
            }
            return Array(xml.utf8)
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        output.write(bytes: rendered)
        for certificate in report.certificates {
            tests += 1
            failures += certificate.findings.filter { finding in
                finding.suppression == nil && failOn.map { finding.severity >= $0 } == true
            }.count
        }
        tests += report.problems.count
        errors += report.countingProblems.count
    }

    public func finish(_ summary: ScanSummary) {
        output.write("  </testsuite>\n</testsuites>\n")
        let values = [tests, failures, errors, tests, failures, errors]
        for (offset, value) in zip(countOffsets, values) {
            let digits = String(value)
            output.patch(at: offset, String(repeating: "0", count: max(0, JUnitReport.width - digits.count)) + digits)
        }
    }
}
