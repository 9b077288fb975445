#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Finds the rule packs that ship with certaudit: `$CERTAUDIT_RULES_DIR`, then
/// `<prefix>/share/certaudit/rules` next to an installed binary, then a `rules/` folder above the
/// binary (a build inside the source tree), then `./rules`.
public enum BuiltinRules {
    public static func locate(environment: [String: String]) -> String? {
        if let configured = environment["CERTAUDIT_RULES_DIR"], !configured.isEmpty {
            return configured
        }
        var candidates: [String] = []
        if let executable = executablePath() {
            var folder = parent(executable)
            candidates.append(parent(folder) + "/share/certaudit/rules")
            for _ in 0..<5 {
                candidates.append(folder + "/rules")
                folder = parent(folder)
            }
        }
        candidates.append("rules")
        return candidates.first { isRulesFolder($0) }
    }

    static func isRulesFolder(_ path: String) -> Bool {
        access(path + "/browser.yaml", R_OK) == 0
    }

    static func parent(_ path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    static func executablePath() -> String? {
        var buffer = [CChar](repeating: 0, count: 4096)
        let count = readlink("/proc/self/exe", &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        return String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
