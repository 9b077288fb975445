import Foundation

/// The endpoints of a `--targets` file, in any of the inventories users already have: one endpoint per
/// line (`#` comments; `host:port` without a scheme means `tls://`), Prometheus `file_sd` JSON (the
/// `targets` of each group; a `scheme` label picks the scheme), or nmap's greppable output (`-oG`: every
/// open TCP port whose service is TLS or speaks STARTTLS). A line that names no endpoint becomes an
/// `invalidTarget` input, reported on its own; the rest still run.
public enum TargetList {
    public enum Format: String, Sendable {
        case lines, fileSD = "file_sd", nmap
    }

    /// The largest targets file read.
    public static let fileLimit = 64 << 20

    public struct ReadError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// Reads and parses a targets file.
    public static func read(_ path: String) throws(ReadError) -> [ScanInput] {
        switch FileReader.load(path: path, limit: fileLimit) {
        case .bytes(let bytes): return parse(bytes, source: path)
        case .tooLarge(let size): throw ReadError(description: "--targets \(path) is larger than 64 MiB (\(size) bytes)")
        case .failed(let problem): throw ReadError(description: "--targets \(path): \(problem.message)")
        }
    }

    /// file_sd when the whole file is a JSON list; nmap when its lines are nmap's (`Host: … Ports: …`);
    /// else one endpoint per line (a lines file may start with `[v6]:port` or a `# Nmap hosts` comment).
    public static func format(of bytes: [UInt8]) -> Format {
        let start = bytes.firstIndex { $0 != 0x20 && $0 != 0x09 && $0 != 0x0a && $0 != 0x0d }
        if let start, bytes[start] == UInt8(ascii: "["),
            (try? JSONSerialization.jsonObject(with: Data(bytes[start...]))) is [Any]
        {
            return .fileSD
        }
        for line in bytes.split(separator: 0x0a).prefix(10_000) {
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("Host: "), text.contains("\tPorts: ") || text.contains("\tStatus: ") {
                return .nmap
            }
        }
        return .lines
    }

    public static func parse(_ bytes: [UInt8], source: String) -> [ScanInput] {
        // A UTF-8 byte order mark (Windows editors) is not part of the first line.
        let bytes = bytes.starts(with: [0xef, 0xbb, 0xbf]) ? Array(bytes.dropFirst(3)) : bytes
        switch format(of: bytes) {
        case .fileSD: return fileSD(bytes, source: source)
        case .nmap: return nmap(bytes, source: source)
        case .lines: return lines(bytes, source: source)
        }
    }

    /// One target as written in a list or a file_sd group: with a scheme, or `host[:port]` for tls://.
    static func target(_ text: String, scheme: TLSEndpoint.Service = .tls, location: String) -> ScanInput {
        let argument = text.contains("://") ? text : scheme.rawValue + "://" + text
        do {
            let input = try ScanInput.endpoint(argument)
            return input
        } catch {
            return .invalidTarget(.init(location: location, text: text, reason: error.description))
        }
    }

    static func lines(_ bytes: [UInt8], source: String) -> [ScanInput] {
        var inputs: [ScanInput] = []
        var number = 0
        for rawLine in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
            number += 1
            var line = String(decoding: rawLine, as: UTF8.self)
            if let hash = line.firstIndex(of: "#") {
                line = String(line[..<hash])
            }
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !trimmed.isEmpty else { continue }
            inputs.append(target(trimmed, location: "\(source):\(number)"))
        }
        return inputs
    }

    static func fileSD(_ bytes: [UInt8], source: String) -> [ScanInput] {
        guard let groups = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [Any] else {
            return [.invalidTarget(.init(location: source, text: "", reason: "not Prometheus file_sd JSON: a list of {\"targets\": [...], \"labels\": {...}}"))]
        }
        var inputs: [ScanInput] = []
        for (position, group) in groups.enumerated() {
            let location = "\(source):group \(position + 1)"
            guard let group = group as? [String: Any], let targets = group["targets"] as? [Any] else {
                inputs.append(.invalidTarget(.init(location: location, text: "", reason: "a file_sd group needs a \"targets\" list")))
                continue
            }
            var scheme = TLSEndpoint.Service.tls
            if let labels = group["labels"] as? [String: Any], let name = labels["scheme"] as? String {
                guard let service = TLSEndpoint.Service(rawValue: name.lowercased()) else {
                    inputs.append(.invalidTarget(.init(location: location, text: name, reason: "unknown scheme label '\(name)'")))
                    continue
                }
                scheme = service
            }
            for target in targets {
                guard let text = target as? String else {
                    inputs.append(.invalidTarget(.init(location: location, text: "\(target)", reason: "a target must be a string")))
                    continue
                }
                inputs.append(self.target(text, scheme: scheme, location: location))
            }
        }
        return inputs
    }

    /// nmap service names (`-oG`, field 5 of a port entry) → how certaudit reaches TLS on that port.
    static let nmapServices: [String: TLSEndpoint.Service] = [
        "https": .tls, "ssl": .tls, "imaps": .tls, "pop3s": .tls, "ldaps": .tls, "smtps": .tls, "ftps": .tls,
        "https-alt": .tls, "submissions": .tls, "ldapssl": .tls, "globalcatldapssl": .tls, "ircs": .tls,
        "xmpp-client-ssl": .tls, "smtp": .smtp, "submission": .submission, "imap": .imap, "pop3": .pop3,
        "ldap": .ldap, "ftp": .ftp, "postgresql": .postgres,
    ]

    static func nmap(_ bytes: [UInt8], source: String) -> [ScanInput] {
        var inputs: [ScanInput] = []
        var number = 0
        for rawLine in bytes.split(separator: 0x0a, omittingEmptySubsequences: false) {
            number += 1
            let line = String(decoding: rawLine, as: UTF8.self)
            guard line.hasPrefix("Host: "), let portsStart = line.range(of: "Ports: ") else { continue }
            // "Host: 10.0.0.5 (name)\tPorts: 443/open/tcp//https///, 25/open/tcp//smtp///\tIgnored State: …"
            let host = line.dropFirst(6).prefix { $0 != " " && $0 != "\t" }
            // "Host: 10.0.0.5 (www.corp.example)": the name nmap resolved goes out as SNI.
            var name = ""
            if let open = line.firstIndex(of: "("), let close = line[open...].firstIndex(of: ")") {
                name = String(line[line.index(after: open)..<close])
            }
            let sni = !name.isEmpty && HostNames.looksLikeHostName(name) && name.contains(where: { $0.isLetter }) ? "?sni=" + name : ""
            let ports = line[portsStart.upperBound...].prefix { $0 != "\t" }
            for entry in ports.split(separator: ",") {
                let fields = entry.trimmingCharacters(in: .whitespaces).split(separator: "/", omittingEmptySubsequences: false)
                guard fields.count >= 5, fields[1] == "open", fields[2] == "tcp", let port = Int(fields[0]) else { continue }
                // "ssl|http" marks a TLS-wrapped service.
                let service = fields[4].lowercased()
                let kind = service.hasPrefix("ssl|") ? TLSEndpoint.Service.tls : nmapServices[service]
                guard let kind else { continue }
                let shownHost = host.contains(":") ? "[\(host)]" : String(host)
                inputs.append(target("\(kind.rawValue)://\(shownHost):\(port)\(sni)", location: "\(source):\(number)"))
            }
        }
        return inputs
    }
}
