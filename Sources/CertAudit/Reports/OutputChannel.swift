#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Buffered byte output to standard output or to a file that appears atomically: the file is written
/// under a temporary name in the same folder and renamed over the target only when the report is
/// complete, so a failed or interrupted run never leaves half a report. An in-memory channel
/// (`memory()`) keeps what is written, for a server that answers with the report.
public final class OutputChannel {
    private var buffer: [UInt8] = []
    /// Everything written, for an in-memory channel; nil otherwise.
    private var memory: [UInt8]?
    private let descriptor: Int32
    private let temporaryPath: String?
    private let finalPath: String?
    private var failed: String?
    /// Bytes handed to `write` so far (the offset of the next byte).
    public private(set) var position = 0

    public struct OpenError: Error, CustomStringConvertible {
        public var description: String
    }

    public static func standardOutput() -> OutputChannel {
        OutputChannel(descriptor: STDOUT_FILENO, temporaryPath: nil, finalPath: nil)
    }

    public static func file(_ path: String, mode: mode_t = 0o644) throws(OpenError) -> OutputChannel {
        var template = Array((path + ".tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw OpenError(description: "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        fchmod(descriptor, mode)
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFiles.register(temporary)
        return OutputChannel(descriptor: descriptor, temporaryPath: temporary, finalPath: path)
    }

    /// A channel that keeps what is written in memory (`contents()`); it never fails.
    public static func memory() -> OutputChannel {
        let channel = OutputChannel(descriptor: -1, temporaryPath: nil, finalPath: nil)
        channel.memory = []
        return channel
    }

    /// What an in-memory channel holds (everything written so far); empty for other channels.
    public func contents() -> [UInt8] {
        flush()
        return memory ?? []
    }

    private init(descriptor: Int32, temporaryPath: String?, finalPath: String?) {
        self.descriptor = descriptor
        self.temporaryPath = temporaryPath
        self.finalPath = finalPath
        buffer.reserveCapacity(1 << 16)
    }

    /// True when this channel is a terminal (colour is used only then).
    public var isTerminal: Bool {
        finalPath == nil && memory == nil && isatty(descriptor) == 1
    }

    public func write(_ text: String) {
        position += text.utf8.count
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= 1 << 16 {
            flush()
        }
    }

    public func write(bytes: [UInt8]) {
        position += bytes.count
        if bytes.count >= Self.bufferSize {
            // A big piece (one file's part of a report) goes straight out: copying it into the buffer
            // would leave the buffer that large for the rest of the scan.
            flush()
            writeOut(bytes)
            return
        }
        buffer.append(contentsOf: bytes)
        if buffer.count >= Self.bufferSize {
            flush()
        }
    }

    private static let bufferSize = 1 << 16

    public func flush() {
        writeOut(buffer)
        buffer.removeAll(keepingCapacity: true)
    }

    private func writeOut(_ bytes: [UInt8]) {
        if memory != nil {
            memory!.append(contentsOf: bytes)
            return
        }
        var offset = 0
        while offset < bytes.count, failed == nil {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, raw.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                failed = String(cString: strerror(errno))
                break
            }
            offset += written
        }
    }

    /// Overwrites bytes already written at `offset` (files only: e.g. counts known only at the end).
    public func patch(at offset: Int, _ text: String) {
        flush()
        let bytes = Array(text.utf8)
        if memory != nil {
            guard offset >= 0, offset + bytes.count <= memory!.count else { return }
            memory!.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            return
        }
        guard finalPath != nil, failed == nil else { return }
        let written = bytes.withUnsafeBytes { pwrite(descriptor, $0.baseAddress, $0.count, off_t(offset)) }
        if written != bytes.count {
            failed = String(cString: strerror(errno))
        }
    }

    /// Flushes; for a file, syncs and renames it into place. Returns an error sentence on failure.
    public func close() -> String? {
        flush()
        guard let temporaryPath, let finalPath else {
            return failed
        }
        if failed == nil, fsync(descriptor) != 0 {
            failed = String(cString: strerror(errno))
        }
        Glibc.close(descriptor)
        if failed == nil, rename(temporaryPath, finalPath) != 0 {
            failed = String(cString: strerror(errno))
        }
        if let failed {
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
            return "cannot write \(finalPath): \(failed)"
        }
        TemporaryFiles.unregister(temporaryPath)
        return nil
    }

    /// Marks the channel failed (closing it then reports `why` and leaves the target as it was).
    public func fail(_ why: String) {
        if failed == nil { failed = why }
    }

    /// Drops a file being written (the target is left as it was).
    public func discard() {
        if let temporaryPath {
            Glibc.close(descriptor)
            unlink(temporaryPath)
            TemporaryFiles.unregister(temporaryPath)
        }
    }
}
