#if canImport(Glibc)
    import Glibc
#elseif canImport(Musl)
    import Musl
#elseif canImport(Darwin)
    import Darwin
#endif

/// Replaces a group of files (a certificate and its key, say) as one transaction: every output is
/// staged first (written, synced, with the original's owner, group and mode), then every original is
/// kept under a backup name (a hard link, so nothing is copied), then everything is renamed into place
/// and the folders are synced. On any failure the renames done so far are undone from the backups, so
/// the originals stand exactly as before, and the record says what was rolled back.
///
/// Symbolic links are kept: the file a link points to is replaced (certbot's `live/` → `archive/`). A
/// dangling link at an output path is itself kept as the backup. Backup names never collide: a suffix
/// is added to a name that is taken.
struct InPlaceTransaction {
    struct Failure: Error, CustomStringConvertible {
        var description: String
        /// What was undone: "path (restored from backup)" or "path (removed: it did not exist before)".
        var rolledBack: [String]
    }

    /// What a successful commit did.
    struct Record {
        /// Targets written (the files links point to, for links), in output order.
        var replaced: [String] = []
        /// Backups kept, one per original that existed.
        var backups: [String] = []
    }

    var stamp: String

    /// One output, resolved: where it is written and what it replaces.
    private struct Plan {
        var output: SafeFileWriter.Output
        /// The path written: the output path, or the file its symbolic link points to.
        var target: String
        /// The original's metadata (nil when nothing is there yet).
        var original: stat?
        /// A dangling symbolic link sits at the output path: it is moved to the backup name.
        var danglingLink: Bool
        var staged: String?
        var backup: String?
        var renamed = false
    }

    func commit(_ outputs: [SafeFileWriter.Output], newFileOwner: (uid: uid_t, gid: gid_t)?) throws(Failure) -> Record {
        // SIGINT/SIGTERM/SIGHUP wait until every file is replaced or every replacement undone: a signal
        // never leaves a certificate renewed beside its old key.
        try TemporaryFiles.critical { () throws(Failure) -> Record in try commitHoldingSignals(outputs, newFileOwner: newFileOwner) }
    }

    private func commitHoldingSignals(_ outputs: [SafeFileWriter.Output], newFileOwner: (uid: uid_t, gid: gid_t)?) throws(Failure) -> Record {
        var plans: [Plan] = []
        for output in outputs {
            plans.append(try resolve(output))
        }
        do throws(Failure) {
            // 1. Stage every output beside its target.
            for index in plans.indices {
                plans[index].staged = try stage(plans[index], newFileOwner: newFileOwner)
            }
            // 2. Keep every original under a backup name.
            for index in plans.indices where plans[index].original != nil || plans[index].danglingLink {
                plans[index].backup = try keepBackup(plans[index])
            }
            // 3. Rename everything into place, then make the renames durable.
            for index in plans.indices {
                guard let staged = plans[index].staged else { continue }
                try Faults.check(.rename)
                guard rename(staged, plans[index].target) == 0 else {
                    throw Failure(description: "cannot replace \(plans[index].target): \(SafeFileWriter.errorText())", rolledBack: [])
                }
                TemporaryFiles.unregister(staged)
                plans[index].renamed = true
                plans[index].staged = nil
            }
            syncFolders(plans.map(\.target))
        } catch {
            let undone = rollBack(&plans)
            throw Failure(description: error.description, rolledBack: undone)
        }
        return Record(replaced: plans.map(\.target), backups: plans.compactMap(\.backup))
    }

    private func resolve(_ output: SafeFileWriter.Output) throws(Failure) -> Plan {
        var link = stat()
        guard lstat(output.path, &link) == 0 else {
            return Plan(output: output, target: output.path, original: nil, danglingLink: false)
        }
        if link.st_mode & S_IFMT == S_IFLNK {
            guard let resolved = realpath(output.path, nil) else {
                // Dangling: nothing to replace behind it; the link itself becomes the backup.
                return Plan(output: output, target: output.path, original: nil, danglingLink: true)
            }
            defer { free(resolved) }
            let target = String(cString: resolved)
            var info = stat()
            guard stat(target, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
                throw Failure(description: "\(output.path) links to \(target), which is not a regular file", rolledBack: [])
            }
            return Plan(output: output, target: target, original: info, danglingLink: false)
        }
        guard link.st_mode & S_IFMT == S_IFREG else {
            throw Failure(description: "\(output.path) is not a regular file; certaudit does not replace it", rolledBack: [])
        }
        return Plan(output: output, target: output.path, original: link, danglingLink: false)
    }

    /// Writes the bytes to a temporary file beside the target with the original's owner, group and mode
    /// (a key never wider than the original; a new key 0600 and the owner of the certificate it serves).
    private func stage(_ plan: Plan, newFileOwner: (uid: uid_t, gid: gid_t)?) throws(Failure) -> String {
        try Faults.check(.stage)
        var output = plan.output
        output.path = plan.target
        if let original = plan.original {
            // The original's mode: a replaced key is exactly as open as the one it replaces, never wider.
            output.mode = original.st_mode & 0o777
        }
        let staged: String
        do {
            staged = try SafeFileWriter.stage(output)
        } catch {
            throw Failure(description: error.description, rolledBack: [])
        }
        let owner = plan.original.map { (uid: $0.st_uid, gid: $0.st_gid) } ?? newFileOwner
        if let owner, owner.uid != getuid() || owner.gid != getgid() {
            guard chown(staged, owner.uid, owner.gid) == 0 else {
                let reason = SafeFileWriter.errorText()
                SafeFileWriter.removeStaged(staged)
                throw Failure(description: "cannot give \(plan.target) its owner \(owner.uid):\(owner.gid) back: \(reason)", rolledBack: [])
            }
            // chown clears set-id bits; the mode is set again after it.
            chmod(staged, output.mode)
        }
        return staged
    }

    /// A hard link to the original under `NAME.bak-STAMP` (or `-2`, `-3`… when that name is taken).
    private func keepBackup(_ plan: Plan) throws(Failure) -> String {
        try Faults.check(.backup)
        var attempt = 1
        while true {
            let name = plan.target + ".bak-" + stamp + (attempt == 1 ? "" : "-\(attempt)")
            let kept = plan.danglingLink ? rename(plan.target, name) == 0 : link(plan.target, name) == 0
            if kept {
                return name
            }
            guard errno == EEXIST, attempt < 1000 else {
                throw Failure(description: "cannot keep a backup of \(plan.target) as \(name): \(SafeFileWriter.errorText())", rolledBack: [])
            }
            attempt += 1
        }
    }

    /// Undoes renames from the backups, removes what did not exist before, staged files and the backups
    /// of originals that were never replaced. Returns a line per path it restored or removed.
    private func rollBack(_ plans: inout [Plan]) -> [String] {
        var undone: [String] = []
        for index in plans.indices {
            let plan = plans[index]
            if let staged = plan.staged {
                SafeFileWriter.removeStaged(staged)
            }
            if plan.renamed {
                if let backup = plan.backup {
                    if rename(backup, plan.target) == 0 {
                        undone.append("\(plan.target) (restored from \(backup))")
                    } else {
                        undone.append("\(plan.target) (NOT restored: \(SafeFileWriter.errorText()); the original is \(backup))")
                    }
                } else if unlink(plan.target) == 0 {
                    undone.append("\(plan.target) (removed: it did not exist before)")
                }
            } else if let backup = plan.backup {
                // The original is untouched: drop its extra name (a dangling link goes back where it was).
                if plan.danglingLink {
                    rename(backup, plan.target)
                } else {
                    unlink(backup)
                }
            }
        }
        syncFolders(plans.map(\.target))
        return undone
    }

    private func syncFolders(_ paths: [String]) {
        let folders = Set(paths.map { path in path.lastIndex(of: "/").map { String(path[..<$0]) } ?? "." })
        for folder in folders {
            let descriptor = open(folder.isEmpty ? "/" : folder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor >= 0 {
                fsync(descriptor)
                close(descriptor)
            }
        }
    }
}

/// Injected failures for the tests of the transaction (a full disk or a failing rename cannot be made
/// to happen on demand otherwise): `CERTAUDIT_TEST_FAULT=rename:2` makes the second rename fail with
/// EIO; `stage:N` and `backup:N` likewise. Unset in normal use, where it costs one environment read.
enum Faults {
    enum Step: String {
        case stage, backup, rename
    }

    private static let plan: (step: Step, count: Int)? = {
        guard let raw = getenv("CERTAUDIT_TEST_FAULT") else { return nil }
        let text = String(cString: raw)
        let parts = text.split(separator: ":")
        guard parts.count == 2, let step = Step(rawValue: String(parts[0])), let count = Int(parts[1]), count > 0 else {
            return nil
        }
        return (step, count)
    }()

    nonisolated(unsafe) private static var seen: [Step: Int] = [:]

    /// `CERTAUDIT_TEST_SIGNAL=STEP:N`: the process sends itself SIGTERM at the Nth STEP (a signal in
    /// the middle of a transaction, without timing).
    private static let signalPlan: (step: Step, count: Int)? = {
        guard let raw = getenv("CERTAUDIT_TEST_SIGNAL") else { return nil }
        let parts = String(cString: raw).split(separator: ":")
        guard parts.count == 2, let step = Step(rawValue: String(parts[0])), let count = Int(parts[1]), count > 0 else { return nil }
        return (step, count)
    }()

    nonisolated(unsafe) private static var signalled: [Step: Int] = [:]

    static func check(_ step: Step) throws(InPlaceTransaction.Failure) {
        if let signalPlan, signalPlan.step == step {
            signalled[step, default: 0] += 1
            if signalled[step] == signalPlan.count {
                raise(SIGTERM)
            }
        }
        guard let plan, plan.step == step else { return }
        seen[step, default: 0] += 1
        if seen[step] == plan.count {
            throw InPlaceTransaction.Failure(
                description: "injected failure (CERTAUDIT_TEST_FAULT=\(step.rawValue):\(plan.count)): \(String(cString: strerror(EIO)))",
                rolledBack: [])
        }
    }
}
