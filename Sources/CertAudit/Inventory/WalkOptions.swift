/// How `InputWalker` chooses files.
public struct WalkOptions: Sendable {
    /// Follow symbolic links found inside directories (links named on the command line are always followed).
    public var followSymlinks = false
    /// Glob patterns (fnmatch, `*` also crosses `/`): when any is given, only files whose path relative to
    /// the scan root, or whose name, matches one are read.
    public var includes: [String] = []
    /// Glob patterns for files and directories to leave out (matched like `includes`).
    public var excludes: [String] = []
    /// Files larger than this are skipped with a note.
    public var maxFileSize = Limits.defaultMaxFileSize

    public init() {}
}
