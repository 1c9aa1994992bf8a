import Dispatch
import FoundationEssentials
import Glibc
import Synchronization
import SwamonLinux

/// Writes the state file on a thread of its own, never on the event loop. Every configuration
/// change asks for a save and gets a ticket; one write covers every change asked for before it
/// started (a burst of changes costs one or two writes, not one each), and each ticket's waiter
/// learns whether the write that covered it succeeded.
final class StateSaver: Sendable {
    let path: String
    private let progress = Mutex(Progress())
    private let wake = DispatchSemaphore(value: 0)

    private struct Progress {
        var requested: UInt64 = 0
        var saved: UInt64 = 0
        /// Why the last write failed; nil after a good one.
        var failure: String?
        var waiters: [(ticket: UInt64, done: @Sendable (String?) -> Void)] = []
    }

    init(path: String) {
        self.path = path
    }

    /// Starts the writer thread; runs once at startup. `render` produces the file's text from
    /// the registry, on the saver's thread.
    func start(render: @escaping @Sendable () -> String) {
        DetachedThread.start(name: "state-saver") { [self] in
            while true {
                wake.wait()
                let target = progress.withLock { $0.requested }
                guard target > progress.withLock({ $0.saved }) else { continue }
                let failure = write(render())
                let ready = progress.withLock { progress -> [@Sendable (String?) -> Void] in
                    progress.saved = target
                    progress.failure = failure
                    let ready = progress.waiters.filter { $0.ticket <= target }.map(\.done)
                    progress.waiters.removeAll { $0.ticket <= target }
                    return ready
                }
                for done in ready { done(failure) }
            }
        }
    }

    /// Asks for a save of everything changed so far; returns the ticket to wait on.
    func request() -> UInt64 {
        let ticket = progress.withLock { progress -> UInt64 in
            progress.requested += 1
            return progress.requested
        }
        wake.signal()
        return ticket
    }

    /// Calls `done` (on the saver's thread, or at once) when the write covering `ticket` has
    /// ended, with the reason if it failed.
    func whenSaved(_ ticket: UInt64, _ done: @escaping @Sendable (String?) -> Void) {
        let result: String?? = progress.withLock { progress in
            if progress.saved >= ticket { return .some(progress.failure) }
            progress.waiters.append((ticket, done))
            return .none
        }
        if let result { done(result) }
    }

    /// The reason the last write failed, nil when it succeeded (or none was needed yet).
    var lastFailure: String? { progress.withLock(\.failure) }

    /// Writes now on the caller's thread (startup: proves the file can be written).
    func saveNow(_ render: () -> String) -> String? {
        let failure = write(render())
        progress.withLock { $0.failure = failure }
        return failure
    }

    /// Writes `text` to a temporary file beside `path`, syncs it and renames it over `path`.
    private func write(_ text: String) -> String? {
        AtomicFile.replace(path, with: Array(text.utf8), sync: true)
    }
}
