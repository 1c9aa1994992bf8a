import Dispatch
import Synchronization
import SwamonLinux
import SystemPackage

/// The handles the control side keeps on one running monitoring thread: how to stop it, its
/// thread id, and when it has started and ended. Created by `monitor_on on`.
final class MonitorRun: Sendable {
    let contextName: String
    /// Readable once a stop was requested: wakes the thread from its sampling sleep.
    let wakeup: FileDescriptor
    let stopRequested = Atomic<Bool>(false)
    /// The thread's kernel id, 0 until it started (`kdamond_pid`).
    let threadID = Atomic<Int32>(0)
    let started = DispatchSemaphore(value: 0)
    let finished = DispatchSemaphore(value: 0)

    init(contextName: String) throws(Errno) {
        self.contextName = contextName
        wakeup = try Syscalls.eventFD()
    }

    deinit { try? wakeup.close() }

    /// Asks the thread to stop; it notices within one sampling interval.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        Syscalls.signal(wakeup)
    }
}
