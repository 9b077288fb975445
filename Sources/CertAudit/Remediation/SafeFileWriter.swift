#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Writes that never lose data: every file is written under a temporary name in its folder, synced, and
/// only then linked into place. New files never overwrite (`link` fails on an existing name); a group
/// of files appears entirely or not at all. In-place replacement is `InPlaceTransaction`.
public enum SafeFileWriter {
    public struct Failure: Error, CustomStringConvertible, Sendable {
        public var description: String
    }

    public struct Output: Sendable {
        public var path: String
        public var bytes: [UInt8]
        /// 0o600 for anything holding a private key.
        public var mode: mode_t

        public init(path: String, bytes: [UInt8], mode: mode_t) {
            self.path = path
            self.bytes = bytes
            self.mode = mode
        }
    }

    static func errorText() -> String {
        String(cString: strerror(errno))
    }

    public static func makeDirectories(_ path: String) throws(Failure) {
        var current = path.hasPrefix("/") ? "" : "."
        for part in path.split(separator: "/") {
            current += "/" + part
            if mkdir(current, 0o755) != 0, errno != EEXIST {
                throw Failure(description: "cannot create folder \(current): \(errorText())")
            }
        }
    }

    /// Writes `output` under a temporary name in its folder (mode set, synced); returns that name.
    static func stage(_ output: Output) throws(Failure) -> String {
        let folder = output.path.lastIndex(of: "/").map { String(output.path[..<$0]) } ?? "."
        var template = Array((folder + "/.certaudit-tmp-XXXXXX").utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else {
            throw Failure(description: "cannot write in \(folder): \(errorText())")
        }
        let temporary = template.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        TemporaryFiles.register(temporary)
        defer { close(descriptor) }
        var offset = 0
        while offset < output.bytes.count {
            let written = output.bytes.withUnsafeBytes { write(descriptor, $0.baseAddress! + offset, $0.count - offset) }
            if written < 0, errno == EINTR { continue }
            guard written > 0 else {
                let reason = errorText()
                removeStaged(temporary)
                throw Failure(description: "cannot write \(output.path): \(reason)")
            }
            offset += written
        }
        guard fchmod(descriptor, output.mode) == 0, fsync(descriptor) == 0 else {
            let reason = errorText()
            removeStaged(temporary)
            throw Failure(description: "cannot write \(output.path): \(reason)")
        }
        return temporary
    }

    /// Removes a staged file that will not be placed.
    static func removeStaged(_ path: String) {
        unlink(path)
        TemporaryFiles.unregister(path)
    }

    /// Creates every file or none. Fails without writing anything if any target already exists.
    public static func createAll(_ outputs: [Output]) throws(Failure) {
        // A signal waits until every file is created or none is.
        try TemporaryFiles.critical { () throws(Failure) in try createAllHoldingSignals(outputs) }
    }

    private static func createAllHoldingSignals(_ outputs: [Output]) throws(Failure) {
        for output in outputs where access(output.path, F_OK) == 0 {
            throw Failure(description: "\(output.path) already exists; certaudit does not overwrite files (choose another --out, or use --in-place)")
        }
        var staged: [String] = []
        var placed: [String] = []
        func rollBack() {
            placed.forEach { unlink($0) }
            staged.forEach(removeStaged)
        }
        for output in outputs {
            do {
                staged.append(try stage(output))
            } catch {
                rollBack()
                throw error
            }
        }
        for (output, temporary) in zip(outputs, staged) {
            guard link(temporary, output.path) == 0 else {
                let reason = errorText()
                rollBack()
                throw Failure(description: "cannot create \(output.path): \(reason)")
            }
            placed.append(output.path)
        }
        staged.forEach(removeStaged)
    }
}
