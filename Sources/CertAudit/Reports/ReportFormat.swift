/// The report formats `scan` writes: `--format` for the main output, `--report FORMAT:FILE` for more.
public enum ReportFormat: String, CaseIterable, Sendable {
    case text, json, sarif, junit, csv, markdown, html, prometheus

    public struct Settings: Sendable {
        public var verbose = false
        public var color = false
        public var failOn: Severity?

        public init(verbose: Bool = false, color: Bool = false, failOn: Severity? = .error) {
            self.verbose = verbose
            self.color = color
            self.failOn = failOn
        }
    }

    public func writer(to output: OutputChannel, settings: Settings) -> ReportWriter {
        switch self {
        case .text: TextReport(output: output, verbose: settings.verbose, color: settings.color)
        case .json: JSONReport(output: output)
        case .sarif: SARIFReport(output: output)
        case .junit: JUnitReport(output: output)
        case .csv: CSVReport(output: output)
        case .markdown: MarkdownReport(output: output)
        case .html: HTMLReport(output: output)
        case .prometheus: PrometheusReport(output: output)
        }
    }
}

/// Text escaping shared by the markup formats.
enum Markup {
    static func xml(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            case "\t", "\n", "\r": out.unicodeScalars.append(scalar)
            default:
                // XML 1.0 forbids other control characters even as references.
                if scalar.value < 0x20 { out += "?" } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }
}
