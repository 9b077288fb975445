// Temporary files removed when the process is stopped by a signal, and critical sections a signal
// waits for (git's tempfile.c and sigchain.c are the model). Everything the handler touches is
// lock-free and async-signal-safe: atomic pointers, unlink, sigaction, raise.

#include "CCertAuditOpenSSL.h"

#include <signal.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define CA_TEMPFILE_SLOTS 256

static _Atomic(char *) slots[CA_TEMPFILE_SLOTS];
static atomic_int critical_depth;
/// The signal a critical section holds back (0: none). Atomic, sequentially consistent with
/// `critical_depth`: the handler stores it and then reads the depth, the leaving thread lowers the depth
/// and then reads it, so at least one of them sees the other and the signal is never lost.
static atomic_int deferred_signal;
static const int handled[] = {SIGINT, SIGTERM, SIGHUP, SIGQUIT};

int ca_tempfile_register(const char *path) {
    char *copy = strdup(path);
    if (copy == NULL) return -1;
    for (int slot = 0; slot < CA_TEMPFILE_SLOTS; slot++) {
        char *expected = NULL;
        if (atomic_compare_exchange_strong(&slots[slot], &expected, copy)) return slot;
    }
    free(copy);
    return -1;
}

void ca_tempfile_unregister(int slot) {
    // By slot, never by name: comparing another slot's string could read one its owner just freed.
    if (slot < 0 || slot >= CA_TEMPFILE_SLOTS) return;
    free(atomic_exchange(&slots[slot], NULL));
}

/// Async-signal-safe: unlinks every registered file; the copies are not freed (free is not safe here,
/// and the process is about to end).
static void remove_registered(void) {
    for (int slot = 0; slot < CA_TEMPFILE_SLOTS; slot++) {
        char *path = atomic_exchange(&slots[slot], NULL);
        if (path != NULL) unlink(path);
    }
}

void ca_tempfile_remove_all(void) {
    remove_registered();
}

/// Removes the temporary files, then dies of the signal as if no handler had been installed (the
/// parent sees "killed by SIGTERM", as it would have without certaudit's cleanup).
static void die_of(int signal_number) {
    remove_registered();
    struct sigaction action;
    memset(&action, 0, sizeof action);
    action.sa_handler = SIG_DFL;
    sigemptyset(&action.sa_mask);
    sigaction(signal_number, &action, NULL);
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, signal_number);
    sigprocmask(SIG_UNBLOCK, &set, NULL);
    raise(signal_number);
}

static void handler(int signal_number) {
    // Held back while a transaction is under way: it finishes (or rolls back) first, and the thread that
    // leaves the last critical section dies of it. If that thread left meanwhile, die now.
    atomic_store(&deferred_signal, signal_number);
    if (atomic_load(&critical_depth) == 0) {
        die_of(signal_number);
    }
}

void ca_signal_cleanup_install(void) {
    sigset_t set;
    sigemptyset(&set);
    for (size_t index = 0; index < sizeof handled / sizeof handled[0]; index++) {
        struct sigaction current;
        // A signal the parent ignores (nohup, a shell's background job) stays ignored.
        if (sigaction(handled[index], NULL, &current) != 0 || current.sa_handler == SIG_IGN) continue;
        struct sigaction action;
        memset(&action, 0, sizeof action);
        action.sa_handler = handler;
        sigfillset(&action.sa_mask);
        action.sa_flags = SA_RESTART;
        sigaction(handled[index], &action, NULL);
        sigaddset(&set, handled[index]);
    }
    // They are handled now: a parent's mask (a test runner blocks SIGTERM) must not make them pending forever.
    sigprocmask(SIG_UNBLOCK, &set, NULL);
}

int ca_signal_pending(void) {
    return atomic_load(&deferred_signal);
}

void ca_critical_enter(void) {
    atomic_fetch_add(&critical_depth, 1);
}

void ca_critical_leave(void) {
    if (atomic_fetch_sub(&critical_depth, 1) == 1) {
        int pending = atomic_load(&deferred_signal);
        if (pending != 0) die_of(pending);
    }
}
