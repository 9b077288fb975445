/// One input named on the command line, parsed once: a file or folder, standard input (`-`), or a live
/// endpoint (`tls://host[:port]`, `https://host[:port][/…]`). Every command that reads certificates
/// (scan, baseline, remediate) takes these, and the pipeline reads each the same way.
public enum ScanInput: Sendable, Hashable, CustomStringConvertible {
    /// A file, or a folder walked recursively.
    case path(String)
    case standardInput
    case endpoint(TLSEndpoint)

    public struct ArgumentError: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public init(argument: String) throws(ArgumentError) {
        if argument == "-" {
            self = .standardInput
        } else if argument.hasPrefix("tls://") || argument.hasPrefix("https://") {
            guard let endpoint = TLSEndpoint(argument: argument) else {
                throw ArgumentError(
                    description: "'\(argument)' is not an endpoint: tls://HOST[:PORT] or https://HOST[:PORT], PORT 1-65535, IPv6 in brackets")
            }
            self = .endpoint(endpoint)
        } else if argument.isEmpty {
            throw ArgumentError(description: "an input path is empty")
        } else {
            self = .path(argument)
        }
    }

    /// Parses every argument; the first bad one is the error.
    public static func parse(_ arguments: [String]) throws(ArgumentError) -> [ScanInput] {
        var inputs: [ScanInput] = []
        for argument in arguments {
            inputs.append(try ScanInput(argument: argument))
        }
        return inputs
    }

    /// As reports and messages name it: the path, `-`, or `tls://host:port`.
    public var description: String {
        switch self {
        case .path(let path): path
        case .standardInput: "-"
        case .endpoint(let endpoint): endpoint.display
        }
    }

    /// The file or folder path, for inputs that are one.
    public var filePath: String? {
        if case .path(let path) = self { path } else { nil }
    }
}
