#if canImport(Glibc)
    import Glibc
#endif

/// SARIF 2.1.0 for code-scanning UIs: the rules in force as reportingDescriptors, one result per
/// finding located at the file (relative to its scan root) with the certificate as a logical location
/// and a partial fingerprint (rule + certificate SHA-256), so uploads de-duplicate across runs.
/// Suppressed findings carry a SARIF suppression; unreadable inputs are tool notifications.
public final class SARIFReport: ReportWriter {
    private let output: OutputChannel
    private var results = StreamedArray()
    private var unreadable: [(InputResult, InputProblem)] = []
    private var ruleIndex: [String: Int] = [:]
    /// The file and folder inputs: their ROOTn id (n: the position among all inputs, or among every
    /// host's roots in a fleet report), the host, the path and the folder's URI.
    private var roots: [Root] = []
    /// The roots by host (nil: this machine's), in order: a result is only matched with its host's roots.
    private var rootsByHost: [String?: [Root]] = [:]

    struct Root: Sendable {
        var id: String
        var host: String?
        var path: String
        var folderURI: String
    }
    private var configuration: String?

    static let schema = "https://json.schemastore.org/sarif-2.1.0.json"

    public init(output: OutputChannel) {
        self.output = output
    }

    static func level(_ severity: Severity) -> String {
        switch severity {
        case .error: "error"
        case .warning: "warning"
        case .notice, .info: "note"
        }
    }

    /// This machine's scan roots: each root's folder as an absolute file URI.
    static func localRoots(_ inputs: [ScanInput]) -> [Root] {
        inputs.enumerated().compactMap { index, input in
            guard let root = input.filePath else { return nil }
            var info = stat()
            var folder = root
            if stat(root, &info) == 0, info.st_mode & S_IFMT != S_IFDIR {
                folder = parent(of: root)
            }
            var resolved = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
            let absolute = realpath(folder, &resolved) != nil ? String(cString: resolved) : folder
            return Root(id: "ROOT\(index)", host: nil, path: root, folderURI: "file://" + folderPart(absolute))
        }
    }

    /// A fleet report's roots: each host's, as `file://HOST/folder/` (RFC 8089 names the host in the
    /// authority); live-server roots have none.
    static func fleetRoots(_ hosts: [FleetHost]) -> [Root] {
        var roots: [Root] = []
        for host in hosts {
            for root in host.roots where (try? ScanInput(argument: root))?.filePath != nil {
                let folder = host.fileRoots.contains(root) ? parent(of: root) : root
                let absolute = folder.hasPrefix("/") ? folder : "/" + folder
                roots.append(
                    Root(id: "ROOT\(roots.count)", host: host.name, path: root, folderURI: "file://" + percentEncode(host.name) + folderPart(absolute)))
            }
        }
        return roots
    }

    private static func parent(of path: String) -> String {
        path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "."
    }

    private static func folderPart(_ absolute: String) -> String {
        percentEncode(absolute.hasSuffix("/") ? absolute : absolute + "/")
    }

    /// `"KEY": { "text": TEXT }`: SARIF's message and description objects (§3.11).
    static func message(_ key: StaticString, _ text: String, into json: inout JSONWriter) {
        json.key(key)
        json.beginObject()
        json.field("text", text)
        json.endObject()
    }

    /// `"defaultConfiguration": { "level": LEVEL }` of a rule or notification descriptor (§3.49.14).
    static func defaultLevel(_ level: String, into json: inout JSONWriter) {
        json.key("defaultConfiguration")
        json.beginObject()
        json.field("level", level)
        json.endObject()
    }

    /// The root a path was found under and the path relative to it.
    static func location(_ report: InputResult, path: String, roots: [String?: [Root]]) -> (baseId: String?, uri: String) {
        if report.origin == .endpoint {
            return (nil, path)  // a live server: its tls:// URI is the location
        }
        for root in roots[report.host] ?? [] {
            let relative = RelativePath.of(path, roots: [root.path])
            if relative != path || path == root.path {
                return (root.id, percentEncode(relative))
            }
        }
        return (nil, percentEncode(path))
    }

    static func percentEncode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "0")...UInt8(ascii: "9"),
                UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"), UInt8(ascii: "~"), UInt8(ascii: "/"), UInt8(ascii: ":"):
                out.unicodeScalars.append(Unicode.Scalar(byte))
            default:
                out += "%" + Hex.encode([byte]).uppercased()
            }
        }
        return out
    }

    /// `"physicalLocation": { "artifactLocation": { "uri", "uriBaseId" } }`
    static func writePhysicalLocation(_ place: (baseId: String?, uri: String), into json: inout JSONWriter) {
        json.key("physicalLocation")
        json.beginObject()
        json.key("artifactLocation")
        json.beginObject()
        json.field("uri", place.uri)
        if let base = place.baseId {
            json.field("uriBaseId", base)
        }
        json.endObject()
        json.endObject()
    }

    public func begin(_ header: ScanHeader) {
        roots = header.fleet.map(SARIFReport.fleetRoots) ?? SARIFReport.localRoots(header.inputs)
        rootsByHost = Dictionary(grouping: roots, by: \.host)
        configuration = header.configuration
        var json = JSONWriter()
        json.beginObject()
        json.field("$schema", SARIFReport.schema)
        json.field("version", "2.1.0")
        json.key("runs")
        json.beginArray()
        json.beginObject()
        json.key("tool")
        json.beginObject()
        json.key("driver")
        json.beginObject()
        json.field("name", "certaudit")
        json.field("version", header.toolVersion)
        json.field("semanticVersion", header.toolVersion)
        json.field("informationUri", "https://github.com/certaudit/certaudit")
        json.key("rules")
        json.beginArray()
        // The policy's own rules (certaudit.waiver-expired) come with the selection, as every rule does.
        let descriptors = header.rules.map {
            (id: $0.id, title: $0.title, summary: $0.message.source, help: $0.remediation, url: $0.citations.first?.url,
             severity: $0.severity, profile: $0.profile, citation: $0.citations.map(\.title).joined(separator: "; "))
        }
        for (index, rule) in descriptors.enumerated() {
            ruleIndex[rule.id] = index
            json.beginObject()
            json.field("id", rule.id)
            json.field("name", rule.title)
            SARIFReport.message("shortDescription", rule.title, into: &json)
            SARIFReport.message("fullDescription", rule.title + ". " + rule.citation, into: &json)
            SARIFReport.message("help", rule.help.isEmpty ? rule.title : rule.help, into: &json)
            if let url = rule.url {
                json.field("helpUri", url)
            }
            SARIFReport.defaultLevel(SARIFReport.level(rule.severity), into: &json)
            json.key("properties")
            json.beginObject()
            json.field("profile", rule.profile)
            json.field("severity", rule.severity.rawValue)
            json.key("tags")
            json.strings(["security", "x509", rule.profile])
            json.endObject()
            json.endObject()
        }
        json.endArray()
        // SARIF 2.1.0 §3.19.24: the descriptors that notifications refer to, one per problem code.
        json.key("notifications")
        json.beginArray()
        for code in InputProblem.Code.allCases {
            json.beginObject()
            json.field("id", code.rawValue)
            SARIFReport.message("shortDescription", code.summary, into: &json)
            SARIFReport.defaultLevel("error", into: &json)
            json.endObject()
        }
        json.endArray()
        json.endObject()
        json.endObject()
        json.key("originalUriBaseIds")
        json.beginObject()
        for root in roots {
            json.key(dynamic: root.id)
            json.beginObject()
            json.field("uri", root.folderURI)
            json.endObject()
        }
        json.endObject()
        output.write(bytes: json.take())
        output.write(",\"results\":[")
    }

    public var renderer: @Sendable (InputResult) -> [UInt8] {
        let roots = rootsByHost
        let ruleIndex = ruleIndex
        return { report in
            let place = SARIFReport.location(report, path: report.path, roots: roots)
            return JSONWriter.elements { json in
                for certificate in report.certificates {
                    for finding in certificate.findings {
                        json.beginObject()
                        json.field("ruleId", finding.ruleId)
                        if let index = ruleIndex[finding.ruleId] {
                            json.field("ruleIndex", index)
                        }
                        json.field("level", SARIFReport.level(finding.severity))
                        SARIFReport.message("message", finding.message, into: &json)
                        json.key("locations")
                        json.beginArray()
                        json.beginObject()
                        SARIFReport.writePhysicalLocation(place, into: &json)
                        json.key("logicalLocations")
                        json.beginArray()
                        json.beginObject()
                        json.field("name", "certificate \(certificate.index): \(certificate.facts.subject.rfc4514)")
                        json.field("fullyQualifiedName", "\(place.uri)#\(certificate.index) sha256:\(certificate.facts.sha256)")
                        json.field("kind", "object")
                        json.endObject()
                        json.endArray()
                        json.endObject()
                        json.endArray()
                        json.key("partialFingerprints")
                        json.beginObject()
                        json.field("certaudit/v1", finding.ruleId + ":" + certificate.facts.sha256)
                        json.endObject()
                        if let suppression = finding.suppression {
                            json.key("suppressions")
                            json.beginArray()
                            json.beginObject()
                            json.field("kind", "external")
                            json.field("justification", suppression.justification)
                            json.endObject()
                            json.endArray()
                        }
                        json.key("properties")
                        json.beginObject()
                        json.field("profile", finding.profile)
                        json.field("severity", finding.severity.rawValue)
                        json.field("sha256", certificate.facts.sha256)
                        json.field("document", certificate.facts.document.rawValue)
                        json.field("subject", certificate.facts.subject.rfc4514)
                        if certificate.facts.document == .crl {
                            json.field("issuer", certificate.facts.issuer.rfc4514)
                        }
                        json.endObject()
                        json.endObject()
                    }
                }
            }
        }
    }

    public func write(_ report: InputResult, rendered: [UInt8]) {
        results.append(rendered, to: output)
        // The result without its certificates: only its origin and host are needed to locate a problem.
        var source = InputResult(path: report.path)
        source.origin = report.origin
        source.host = report.host
        unreadable += report.countingProblems.map { (source, $0) }
    }

    public func finish(_ summary: ScanSummary) {
        var json = JSONWriter()
        json.beginObject()
        json.field("executionSuccessful", true)
        if let configuration {
            // SARIF 2.1.0 §3.8: the invocation's property bag names the configuration file applied.
            json.key("properties")
            json.beginObject()
            json.field("configuration", configuration)
            json.endObject()
        }
        json.key("toolExecutionNotifications")
        json.beginArray()
        for (source, problem) in unreadable {
            let place = SARIFReport.location(source, path: problem.path, roots: rootsByHost)
            json.beginObject()
            json.field("level", "error")
            SARIFReport.message("message", "\(source.displayPath): \(problem.description)", into: &json)
            // SARIF 2.1.0 §3.58.5: the notification's kind, a reference to its descriptor by id.
            json.key("descriptor")
            json.beginObject()
            json.field("id", problem.code.rawValue)
            json.endObject()
            json.key("locations")
            json.beginArray()
            json.beginObject()
            SARIFReport.writePhysicalLocation(place, into: &json)
            json.endObject()
            json.endArray()
            json.endObject()
        }
        json.endArray()
        json.endObject()
        output.write("],\"invocations\":[")
        output.write(bytes: json.take())
        output.write("]}]}\n")
    }
}
