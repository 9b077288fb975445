/// One input named on the command line or in a `--targets` file, parsed once: a file or folder, standard
/// input (`-`), a live endpoint (`tls://host[:port]`, `https://…`, `smtp://…` and the other STARTTLS
/// schemes), an IPv4 range of endpoints (`tls://10.0.0.0/24:443`), or a targets-file line that names no
/// endpoint (reported as a problem of its own, so the other lines still run). Every command that reads
/// certificates (scan, baseline, remediate) takes these, and the pipeline reads each the same way.
public enum ScanInput: Sendable, Hashable, CustomStringConvertible {
    /// A file, or a folder walked recursively.
    case path(String)
    case standardInput
    case endpoint(TLSEndpoint)
    case endpointRange(EndpointRange)
    case invalidTarget(InvalidTarget)

    public struct ArgumentError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    /// A line of a targets file that is not an endpoint.
    public struct InvalidTarget: Sendable, Hashable {
        /// `FILE:LINE`.
        public var location: String
        public var text: String
        public var reason: String
    }

    public init(argument: String) throws(ArgumentError) {
        if argument == "-" {
            self = .standardInput
        } else if argument.contains("://") {
            self = try ScanInput.endpoint(argument)
        } else if argument.isEmpty {
            throw ArgumentError(description: "an input path is empty")
        } else {
            self = .path(argument)
        }
    }

    /// An endpoint or a range of them, from `SCHEME://HOST[:PORT][/…]` or `SCHEME://A.B.C.D/N[:PORT]`.
    static func endpoint(_ argument: String) throws(ArgumentError) -> ScanInput {
        let schemes = TLSEndpoint.Service.allCases.map { $0.rawValue + "://" }.joined(separator: ", ")
        guard TLSEndpoint.service(of: argument) != nil else {
            throw ArgumentError(description: "'\(argument)' has an unknown scheme; endpoints are \(schemes)")
        }
        if let range = EndpointRange(argument: argument) {
            return .endpointRange(range)
        }
        if let problem = EndpointRange.problem(argument) {
            throw ArgumentError(description: "'\(argument)': \(problem)")
        }
        if EndpointRange.looksLikeRange(argument) {
            throw ArgumentError(
                description: "'\(argument)' is neither an endpoint nor a range: a range is SCHEME://A.B.C.D/N[:PORT] (decimal octets, N 16-32, PORT 1-65535)")
        }
        guard let endpoint = TLSEndpoint(argument: argument) else {
            throw ArgumentError(
                description: "'\(argument)' is not an endpoint: SCHEME://HOST[:PORT] (\(schemes)), PORT 1-65535, IPv6 in brackets, or an IPv4 range SCHEME://A.B.C.D/N[:PORT] (N 16-32)")
        }
        return .endpoint(endpoint)
    }

    /// Parses every argument; the first bad one is the error.
    public static func parse(_ arguments: [String]) throws(ArgumentError) -> [ScanInput] {
        var inputs: [ScanInput] = []
        for argument in arguments {
            inputs.append(try ScanInput(argument: argument))
        }
        return inputs
    }

    /// As reports and messages name it: the path, `-`, `tls://host:port`, the range or the target line.
    public var description: String {
        switch self {
        case .path(let path): path
        case .standardInput: "-"
        case .endpoint(let endpoint): endpoint.display
        case .endpointRange(let range): range.display
        case .invalidTarget(let target): target.location
        }
    }

    /// The file or folder path, for inputs that are one.
    public var filePath: String? {
        if case .path(let path) = self { path } else { nil }
    }

    /// A live endpoint or a range of them.
    public var isEndpoint: Bool {
        switch self {
        case .endpoint, .endpointRange: true
        default: false
        }
    }
}

/// `tls://127.0.0.0/28:443`: every IPv4 address of the block (network and broadcast addresses
/// included, as nmap does), at most 65,536 (a /16) per range. Addresses with no server listening are
/// reported as skipped, not as errors: a sweep expects them.
public struct EndpointRange: Sendable, Hashable {
    public var service: TLSEndpoint.Service
    public var network: UInt32
    public var prefixLength: Int
    public var port: Int

    public static let shortestPrefix = 16

    public var count: Int { 1 << (32 - prefixLength) }

    public var display: String {
        "\(service.displayScheme)://\(EndpointRange.text(network))/\(prefixLength):\(port)"
    }

    public func endpoint(at offset: Int) -> TLSEndpoint {
        TLSEndpoint(service: service, host: EndpointRange.text(network &+ UInt32(offset)), port: port)
    }

    public init?(argument: String) {
        guard let (service, address, prefix, port) = EndpointRange.split(argument), EndpointRange.problem(argument) == nil
        else { return nil }
        let mask: UInt32 = prefix == 0 ? 0 : ~UInt32(0) << (32 - prefix)
        self.service = service == .https ? .tls : service
        network = address & mask
        prefixLength = prefix
        self.port = port
    }

    /// What is wrong with an argument that has the shape of a range; nil when it is fine or no range.
    static func problem(_ argument: String) -> String? {
        guard let (_, _, prefix, port) = split(argument) else { return nil }
        if prefix < shortestPrefix || prefix > 32 {
            return "a range takes a prefix length from /\(shortestPrefix) (65,536 addresses) to /32"
        }
        if !(1...65_535).contains(port) {
            return "the port must be 1-65535"
        }
        return nil
    }

    /// A numeric host (digits and dots, or a bracketed IPv6 literal) with something after `/` that is not
    /// a URL path of letters: meant as a range, but not a valid one (`tls://10.0.0.0:443/24`,
    /// `tls://10.0.0/24`, `tls://[2001:db8::]/120`). Refused rather than read as one address.
    static func looksLikeRange(_ argument: String) -> Bool {
        guard let separator = argument.range(of: "://") else { return false }
        let rest = argument[separator.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return false }
        var host = rest[..<slash]
        if let colon = host.lastIndex(of: ":"), !host.hasPrefix("[") {
            host = host[..<colon]
        }
        let numeric = host.hasPrefix("[") || (!host.isEmpty && host.allSatisfy { $0.isASCII && ($0.isNumber || $0 == ".") })
        let after = rest[rest.index(after: slash)...]
        return numeric && (after.first.map { $0.isNumber || $0 == ":" } ?? false)
    }

    /// `SCHEME://A.B.C.D/N[:PORT]` → its parts; nil when the argument has no such shape.
    private static func split(_ argument: String) -> (TLSEndpoint.Service, UInt32, Int, Int)? {
        guard let service = TLSEndpoint.service(of: argument), let separator = argument.range(of: "://") else {
            return nil
        }
        let rest = argument[separator.upperBound...]
        guard let slash = rest.firstIndex(of: "/") else { return nil }
        guard let address = parse(rest[..<slash]) else { return nil }
        var tail = rest[rest.index(after: slash)...]
        var port = service.defaultPort
        if let colon = tail.firstIndex(of: ":") {
            guard let parsed = Int(tail[tail.index(after: colon)...]) else { return nil }
            port = parsed
            tail = tail[..<colon]
        }
        guard !tail.isEmpty, tail.count <= 2, let prefix = Int(tail) else { return nil }
        return (service, address, prefix, port)
    }

    private static func parse(_ text: Substring) -> UInt32? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard !part.isEmpty, part.count <= 3, let octet = UInt32(part), octet <= 255 else { return nil }
            value = value << 8 | octet
        }
        return value
    }

    static func text(_ address: UInt32) -> String {
        "\(address >> 24).\(address >> 16 & 255).\(address >> 8 & 255).\(address & 255)"
    }
}
