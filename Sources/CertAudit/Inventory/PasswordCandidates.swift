/// PKCS#12 passwords to try, in order. The empty password and "no password" are always tried first;
/// the values are never printed, logged or put on a command line.
public struct PasswordCandidates: Sendable {
    /// nil stands for "no password" (distinct from the empty string for PKCS#12).
    public private(set) var values: [String?] = [nil, ""]
    /// Where the non-empty candidates came from, for messages ("--password-file", "CERTAUDIT_PFX_PASSWORD").
    public private(set) var sources: [String] = []

    public init() {}

    /// Adds one candidate per line of a password file (LF or CRLF; a final newline is not part of a
    /// password; empty lines are ignored).
    public mutating func add(fileContents: [UInt8], source: String) {
        var added = false
        for line in fileContents.split(separator: 0x0a, omittingEmptySubsequences: true) {
            var bytes = line
            if bytes.last == 0x0d {
                bytes = bytes.dropLast()
            }
            guard !bytes.isEmpty else { continue }
            values.append(String(decoding: bytes, as: UTF8.self))
            added = true
        }
        if added {
            sources.append(source)
        }
    }

    public mutating func add(password: String, source: String) {
        guard !password.isEmpty else { return }
        values.append(password)
        sources.append(source)
    }
}
