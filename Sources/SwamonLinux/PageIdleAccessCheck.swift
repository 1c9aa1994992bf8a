public import SwamonCore
import Synchronization
public import SystemPackage

/// The `page_idle` backend for processes, the one that sees what the kernel's DAMON sees: each
/// sampled page's frame comes from pagemap and is marked idle at the start of a sample; one
/// sampling interval later the page was accessed iff the frame is no longer idle (`IdleFrames`).
public final class PageIdleAccessCheck: AccessCheck {
    let frames: IdleFrames
    /// Frames armed by the last prepare, per process (nil: page not present then).
    private let armed = Mutex<[Int32: [IdleFrames.Frame?]]>([:])

    public convenience init() throws(Errno) {
        self.init(frames: try IdleFrames())
    }

    public init(frames: IdleFrames) {
        self.frames = frames
    }

    public func prepare(_ process: any ProcessFiles, addresses: [UInt64]) {
        guard let pagemap = process.wordFile("pagemap") else { return }
        let resolved = pagemap.pagemapEntries(addresses, pageSize: frames.pageSize).map { entry in entry?.frame.flatMap(frames.resolve) }
        frames.mark(resolved.lazy.compactMap { $0 })
        armed.withLock { $0[process.pid] = resolved }
    }

    public func check(_ process: any ProcessFiles, addresses: [UInt64]) -> [PageAccess]? {
        guard !process.hasExited else { return nil }
        return frames.check(armed.withLock { $0[process.pid] } ?? [], count: addresses.count)
    }
}
