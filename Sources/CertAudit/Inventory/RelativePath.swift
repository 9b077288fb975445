/// A path relative to the scan root it was found under (the file name when given directly).
public enum RelativePath {
    public static func of(_ path: String, roots: [String]) -> String {
        for root in roots {
            if path == root {
                return path.lastIndex(of: "/").map { String(path[path.index(after: $0)...]) } ?? path
            }
            let prefix = root.hasSuffix("/") ? root : root + "/"
            if path.hasPrefix(prefix) {
                return String(path.dropFirst(prefix.count))
            }
        }
        return path
    }
}
