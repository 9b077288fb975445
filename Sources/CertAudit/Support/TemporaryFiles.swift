import CCertAuditOpenSSL
import Synchronization

/// Files written under a temporary name (reports, the facts cache, staged replacements) that a signal
/// must not leave behind, and the critical sections a signal waits for (see tempfiles.c).
public enum TemporaryFiles {
    /// Registered paths and their slots in the C registry.
    private static let slots = Mutex<[String: Int32]>([:])

    static func register(_ path: String) {
        let slot = ca_tempfile_register(path)
        guard slot >= 0 else { return }
        slots.withLock { $0[path] = slot }
    }

    static func unregister(_ path: String) {
        guard let slot = slots.withLock({ $0.removeValue(forKey: path) }) else { return }
        ca_tempfile_unregister(slot)
    }

    /// SIGINT, SIGTERM, SIGHUP and SIGQUIT remove the registered files, then stop the process as the
    /// signal would have (called once, at start, by every command but `serve`).
    public static func removeOnSignals() {
        ca_signal_cleanup_install()
    }

    /// Removes every registered file now: `serve`'s graceful stop, which handles its signals itself.
    public static func removeAll() {
        ca_tempfile_remove_all()
    }

    /// A signal arrived inside a critical section and waits for it to end.
    static var signalPending: Bool {
        ca_signal_pending() != 0
    }

    /// Runs `body` with signals held back: one that arrives meanwhile stops the process after it.
    static func critical<Result, Failure: Error>(_ body: () throws(Failure) -> Result) throws(Failure) -> Result {
        ca_critical_enter()
        defer { ca_critical_leave() }
        return try body()
    }
}
