public import SwamonCore
import Synchronization
public import SystemPackage

/// The `page_idle` backend for processes, the one that sees what the kernel's DAMON sees: each
/// sampled page's frame comes from pagemap and is marked idle at the start of a sample; one
/// sampling interval later the page was accessed iff the frame is no longer idle (`IdleFrames`).
/// A page sampled again whose frame stayed idle is neither looked up nor marked again
/// (`ArmedFrames`).
public final class PageIdleAccessCheck: AccessCheck {
    let frames: IdleFrames
    /// What the last prepare armed, per process.
    private let armed = Mutex<[Int32: ArmedFrames]>([:])
    let clock: @Sendable () -> UInt64

    public convenience init() throws(Errno) {
        self.init(frames: try IdleFrames())
    }

    /// `clock`: monotonic nanoseconds, for `ArmedFrames`' rule on keeping idle frames armed.
    public init(frames: IdleFrames, clock: @escaping @Sendable () -> UInt64 = Syscalls.monotonicNanoseconds) {
        self.frames = frames
        self.clock = clock
    }

    public func prepare(_ process: any ProcessFiles, addresses: [UInt64]) {
        var sample = armed.withLock { $0.removeValue(forKey: process.pid) } ?? ArmedFrames(clock: clock)
        if let pagemap = process.wordFile("pagemap") {
            sample.arm(addresses, in: frames) { unknown in
                pagemap.pagemapEntries(unknown, pageSize: frames.pageSize).map { entry in entry?.frame.flatMap(frames.resolve) }
            }
        } else {
            sample.clear()
        }
        armed.withLock { $0[process.pid] = sample }
    }

    public func check(_ process: any ProcessFiles, addresses: [UInt64]) -> [PageAccess]? {
        guard !process.hasExited else { return nil }
        var sample = armed.withLock { $0.removeValue(forKey: process.pid) } ?? ArmedFrames(clock: clock)
        defer { armed.withLock { $0[process.pid] = sample } }
        return sample.check(in: frames, count: addresses.count)
    }
}
