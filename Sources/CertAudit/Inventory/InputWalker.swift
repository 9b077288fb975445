#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// One thing the walk found: a file to read, or a note about a path it did not read.
public enum WalkItem: Sendable {
    /// `inTree`: found inside a folder (not named on the command line). Without `--follow-symlinks` such
    /// a file is opened with O_NOFOLLOW, so one swapped for a symbolic link after the listing is not read.
    /// `siblings`: the listing of the folder the file was found in, where the beside-key lookup looks
    /// before it touches the disk (nil: named on the command line; the lookup stats its candidates).
    case file(path: String, inTree: Bool, siblings: FolderListing? = nil)
    case skipped(path: String, reason: String)
    case failed(path: String, problem: InputProblem)
}

/// Walks files and directory trees with `opendir`/`readdir` (no Foundation enumerators), in sorted order
/// so reports are stable. Symbolic links inside trees are followed only when asked, with loop detection
/// by (device, inode) of the directories on the current path.
public struct InputWalker: Sendable {
    public var options: WalkOptions

    public init(options: WalkOptions) {
        self.options = options
    }

    private struct DirectoryID: Hashable {
        var device: UInt64
        var inode: UInt64
    }

    public func walk(_ roots: [String], visit: (WalkItem) -> Void) {
        var visited = Set<DirectoryID>()
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                let failure = errno
                let problem =
                    lstat(root, &info) == 0
                    ? InputProblem(.brokenLink, "broken symbolic link")
                    : InputProblem(failure == ENOENT ? .inputMissing : .fileOpenFailed, InputWalker.describe(failure))
                visit(.failed(path: root, problem: problem))
                continue
            }
            if InputWalker.isDirectory(info) {
                var ancestors: [DirectoryID] = []
                walkDirectory(root, relative: "", info: info, ancestors: &ancestors, visited: &visited, visit: visit)
            } else if InputWalker.isRegular(info) {
                visit(.file(path: root, inTree: false))
            } else {
                visit(.skipped(path: root, reason: "not a regular file"))
            }
        }
    }

    private func walkDirectory(
        _ path: String, relative: String, info: stat, ancestors: inout [DirectoryID], visited: inout Set<DirectoryID>,
        visit: (WalkItem) -> Void
    ) {
        let id = DirectoryID(device: UInt64(info.st_dev), inode: UInt64(info.st_ino))
        if ancestors.contains(id) {
            visit(.failed(path: path, problem: InputProblem(.folderLoop, "symbolic link loop: this directory contains itself")))
            return
        }
        guard visited.insert(id).inserted else {
            visit(.skipped(path: path, reason: "directory already scanned through another path"))
            return
        }
        guard let entries = InputWalker.entries(of: path) else {
            visit(.failed(path: path, problem: InputProblem(.folderOpenFailed, "cannot open directory: " + InputWalker.describe(errno))))
            return
        }

        ancestors.append(id)
        defer { ancestors.removeLast() }
        let siblings = FolderListing(sortedNames: entries.map(\.name))
        let prefix = path.hasSuffix("/") ? path : path + "/"
        for (name, type) in entries {
            let child = prefix + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            // Regular files need no stat here: the reader's fstat sees size and type.
            if type == UInt8(DT_REG) {
                if !isExcluded(relative: childRelative, name: name), isIncluded(relative: childRelative, name: name) {
                    visit(.file(path: child, inTree: true, siblings: siblings))
                }
                continue
            }
            var linkInfo = stat()
            guard lstat(child, &linkInfo) == 0 else {
                visit(.failed(path: child, problem: InputProblem(.folderEntryFailed, InputWalker.describe(errno))))
                continue
            }
            var childInfo = linkInfo
            if InputWalker.isSymlink(linkInfo) {
                guard options.followSymlinks else {
                    visit(.skipped(path: child, reason: "symbolic link not followed (use --follow-symlinks)"))
                    continue
                }
                guard stat(child, &childInfo) == 0 else {
                    visit(.failed(path: child, problem: InputProblem(.brokenLink, "broken symbolic link (" + InputWalker.describe(errno) + ")")))
                    continue
                }
            }
            if isExcluded(relative: childRelative, name: name) {
                continue
            }
            if InputWalker.isDirectory(childInfo) {
                walkDirectory(
                    child, relative: childRelative, info: childInfo, ancestors: &ancestors, visited: &visited,
                    visit: visit)
            } else if InputWalker.isRegular(childInfo) {
                if isIncluded(relative: childRelative, name: name) {
                    visit(.file(path: child, inTree: true, siblings: siblings))
                }
            } else {
                visit(.skipped(path: child, reason: "not a regular file"))
            }
        }
    }

    private func isExcluded(relative: String, name: String) -> Bool {
        options.excludes.contains { Glob.matches($0, relative) || Glob.matches($0, name) }
    }

    private func isIncluded(relative: String, name: String) -> Bool {
        options.includes.isEmpty || options.includes.contains { Glob.matches($0, relative) || Glob.matches($0, name) }
    }

    /// A folder's entries (without `.` and `..`) with their `d_type`, sorted by name bytes so every
    /// listing — scans, rule folders — is stable; nil when the folder cannot be opened.
    static func entries(of path: String) -> [(name: String, type: UInt8)]? {
        guard let directory = opendir(path) else { return nil }
        defer { closedir(directory) }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(directory) {
            // Read the name in place: copying the dirent would copy its uninitialised tail too.
            let name = withUnsafePointer(to: &entry.pointee.d_name) { tuple in
                tuple.withMemoryRebound(to: UInt8.self, capacity: MemoryLayout.size(ofValue: entry.pointee.d_name)) {
                    String(decoding: UnsafeBufferPointer(start: $0, count: strlen(UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self))), as: UTF8.self)
                }
            }
            if name != ".", name != ".." {
                entries.append((name, entry.pointee.d_type))
            }
        }
        entries.sort { left, right in
            var right = right.name
            return InputWalker.compareBytes(left.name, &right) < 0
        }
        return entries
    }

    static func isDirectory(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFDIR }
    static func isRegular(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFREG }
    static func isSymlink(_ info: stat) -> Bool { info.st_mode & S_IFMT == S_IFLNK }

    static func describe(_ code: Int32) -> String {
        String(cString: strerror(code))
    }
}

/// The names in one folder, as the walk listed them (sorted by their bytes): the private-key lookup
/// asks it whether `NAME.key` is there instead of stat-ing every candidate name, which saves about one and
/// a half failed system calls per certificate file on a scan; a folder where no name could be a key
/// (`mayHoldKeys`) spares even building the candidates. A snapshot: a key created after the listing is
/// seen by the next scan.
public final class FolderListing: Sendable {
    let names: [String]
    /// Some name could be a key beside a certificate (`PrivateKeyCheck.besidePaths`): it ends in `.key`
    /// or `-key.pem`, or is `key.pem`, or starts with `privkey`.
    let mayHoldKeys: Bool

    init(sortedNames: [String]) {
        names = sortedNames
        mayHoldKeys = sortedNames.contains(where: FolderListing.couldBeKey)
    }

    static func couldBeKey(_ name: String) -> Bool {
        let utf8 = name.utf8
        return utf8.elementsEqual("key.pem".utf8) || utf8.starts(with: "privkey".utf8)
            || utf8.reversed().starts(with: "yek.".utf8) || utf8.reversed().starts(with: "mep.yek-".utf8)
    }

    /// The last component of a path.
    static func name(of path: String) -> Substring {
        path.lastIndex(of: "/").map { path[path.index(after: $0)...] } ?? path[...]
    }

    /// Some key candidate of the certificate file at `path` is in this folder.
    func holdsKeyCandidate(for path: String) -> Bool {
        mayHoldKeys && PrivateKeyCheck.besidePaths(path).contains { contains(FolderListing.name(of: $0)) }
    }

    func contains(_ name: Substring) -> Bool {
        var name = String(name)
        var low = 0
        var high = names.count
        while low < high {
            let middle = (low + high) / 2
            let order = InputWalker.compareBytes(names[middle], &name)
            if order == 0 {
                return true
            }
            if order < 0 {
                low = middle + 1
            } else {
                high = middle
            }
        }
        return false
    }
}

extension InputWalker {
    /// Byte order of two names (memcmp of their UTF-8), negative, zero or positive.
    static func compareBytes(_ left: String, _ right: inout String) -> Int {
        var left = left
        return left.withUTF8 { l in
            right.withUTF8 { r in
                let common = min(l.count, r.count)
                if common > 0 {
                    let order = memcmp(l.baseAddress!, r.baseAddress!, common)
                    if order != 0 { return Int(order) }
                }
                return l.count - r.count
            }
        }
    }
}
