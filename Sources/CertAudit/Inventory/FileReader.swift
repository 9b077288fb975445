#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Reads whole files with POSIX calls (no `Data(contentsOf:)`), refusing files above a size limit.
public enum FileReader {
    public enum Outcome {
        case bytes([UInt8])
        case tooLarge(Int)
        case failed(InputProblem)
    }

    /// `noFollow`: refuse a symbolic link (O_NOFOLLOW), for files found in a folder walk without
    /// `--follow-symlinks` (the walk listed a regular file; a link now is a swap).
    /// `beforeReading` gets the file's size once it is known and before its bytes are read (the scan's
    /// byte budget waits there).
    /// `onStat` sees what `fstat` said of the open file (the facts cache keeps it).
    public static func load(
        path: String, limit: Int, noFollow: Bool = false, onStat: (stat) -> Void = { _ in },
        beforeReading: (Int) -> Void = { _ in }
    ) -> Outcome {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | (noFollow ? O_NOFOLLOW : 0))
        guard descriptor >= 0 else {
            if noFollow, errno == ELOOP {
                return .failed(InputProblem(.fileLinkSwapped, "became a symbolic link after the folder was listed; not followed (use --follow-symlinks)"))
            }
            return .failed(InputProblem(.fileOpenFailed, "cannot open: " + InputWalker.describe(errno)))
        }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            return .failed(InputProblem(.fileStatFailed, "cannot stat: " + InputWalker.describe(errno)))
        }
        guard InputWalker.isRegular(info) else {
            return .failed(InputProblem(.fileNotRegular, "not a regular file"))
        }
        onStat(info)
        let size = Int(info.st_size)
        if size > limit {
            return .tooLarge(size)
        }
        beforeReading(size)
        return readAll(descriptor, expected: size, limit: limit)
    }

    /// A small file's bytes (1 MiB at most), or none.
    static func loadOrEmpty(_ path: String) -> [UInt8] {
        if case .bytes(let bytes) = load(path: path, limit: Limits.smallFile) { return bytes }
        return []
    }

    /// Why `path` cannot be used as a regular file, or nil when it is one or does not exist. A FIFO,
    /// socket or device would block or never end: such paths are refused before anything opens them.
    public static func notRegular(path: String) -> String? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return InputWalker.isRegular(info) ? nil : "not a regular file"
    }

    /// What `stat` says `path` is: a regular file, a folder, something else, or nothing.
    public enum PathKind: Sendable { case regular, directory, other, missing }

    public static func kind(of path: String) -> PathKind {
        var info = stat()
        guard stat(path, &info) == 0 else { return .missing }
        if InputWalker.isRegular(info) { return .regular }
        return InputWalker.isDirectory(info) ? .directory : .other
    }

    /// The first `count` bytes of a regular file (fewer if it is shorter); nil when it cannot be opened
    /// or is not a regular file. Opened non-blocking, so a FIFO cannot hang the caller.
    public static func prefix(path: String, count: Int) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard descriptor >= 0 else { return nil }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0, InputWalker.isRegular(info) else { return nil }
        var buffer = [UInt8](repeating: 0, count: count)
        var used = 0
        while used < count {
            let got = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress! + used, count - used) }
            if got < 0, errno == EINTR { continue }
            if got <= 0 { break }
            used += got
        }
        return Array(buffer[..<used])
    }

    /// Reads until end of file (also for pipes such as standard input), stopping past `limit`.
    static func readAll(_ descriptor: Int32, expected: Int, limit: Int) -> Outcome {
        var buffer = [UInt8](repeating: 0, count: max(expected, 0) + 1)
        var used = 0
        while true {
            if used == buffer.count {
                if buffer.count > limit {
                    return .tooLarge(used)
                }
                buffer.append(contentsOf: repeatElement(0, count: max(buffer.count, 64 * 1024)))
            }
            let count = buffer.withUnsafeMutableBytes { raw in
                read(descriptor, raw.baseAddress! + used, raw.count - used)
            }
            if count < 0 {
                if errno == EINTR { continue }
                if errno == EAGAIN {
                    var poller = pollfd(fd: descriptor, events: Int16(POLLIN), revents: 0)
                    _ = poll(&poller, 1, -1)
                    continue
                }
                return .failed(InputProblem(.fileReadFailed, "read error: " + InputWalker.describe(errno)))
            }
            if count == 0 { break }
            used += count
        }
        if used > limit {
            return .tooLarge(used)
        }
        buffer.removeSubrange(used...)
        return .bytes(buffer)
    }
}
