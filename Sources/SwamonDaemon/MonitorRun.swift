import Dispatch
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol
import SystemPackage

/// An online change (`commit_attrs`, `commit_schemes`) waiting for the monitoring thread's next
/// aggregation (or watermark check); `answer` delivers the client's reply once it took effect.
struct PendingCommit: Sendable {
    var attributes: Attributes?
    var schemes: [Scheme]?
    let answer: @Sendable (Response) -> Void
}

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
    /// Monotonic ns of the thread's last sign of life (set around every sampling sleep).
    let heartbeat = Atomic<UInt64>(0)
    /// Samples whose work (the checks of one sample and the arming of the next, plus any
    /// aggregation) took longer than the sampling interval: the loop is falling behind.
    let overruns = Atomic<UInt64>(0)
    /// How long the thread may legitimately sleep between heartbeats, µs (a commit of attrs
    /// changes it).
    let sampleIntervalNow: Atomic<UInt64>
    /// Commits not yet taken by the thread; closed once the thread has ended.
    let commits = ClosableQueue<PendingCommit>()
    /// Readers of `schemes_tried_regions` waiting for the next aggregation's scheme pass; closed
    /// once the thread has ended.
    let tried = ClosableQueue<@Sendable (Response) -> Void>()

    init(contextName: String, sampleInterval: UInt64) throws(Errno) {
        self.contextName = contextName
        sampleIntervalNow = Atomic(sampleInterval)
        wakeup = try Syscalls.eventFD()
        heartbeat.store(Syscalls.monotonicNanoseconds(), ordering: .relaxed)
    }

    /// Records a sign of life now and returns that time (monotonic ns).
    @discardableResult
    func beat() -> UInt64 {
        let now = Syscalls.monotonicNanoseconds()
        heartbeat.store(now, ordering: .relaxed)
        return now
    }

    /// Whether the thread showed life recently enough: within one sampling sleep plus `grace`.
    func isAlive(grace: Duration) -> Bool {
        let silence = Syscalls.monotonicNanoseconds() &- heartbeat.load(ordering: .relaxed)
        let (seconds, attoseconds) = grace.components
        // Saturating: attrs are bounded (Attributes.maxInterval), but a stuck-loop check must
        // never be the thing that traps.
        let sleep = sampleIntervalNow.load(ordering: .relaxed).multipliedReportingOverflow(by: 1000)
        let graceNanoseconds = UInt64(max(seconds, 0)).multipliedReportingOverflow(by: 1_000_000_000)
        let parts = [sleep.overflow ? UInt64.max : sleep.partialValue,
                     graceNanoseconds.overflow ? UInt64.max : graceNanoseconds.partialValue, UInt64(max(attoseconds, 0) / 1_000_000_000)]
        let allowed = parts.reduce(UInt64(0)) { sum, part in
            let (next, overflow) = sum.addingReportingOverflow(part)
            return overflow ? UInt64.max : next
        }
        return silence <= allowed
    }

    deinit { try? wakeup.close() }

    /// Asks the thread to stop; it notices within one sampling interval.
    func requestStop() {
        stopRequested.store(true, ordering: .releasing)
        Syscalls.signal(wakeup)
    }
}
