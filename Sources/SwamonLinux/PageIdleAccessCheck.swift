public import SwamonCore
import Synchronization
public import SystemPackage

/// The `page_idle` backend, the one that sees what the kernel's DAMON sees: at the start of a
/// sample each sampled page's frame (from pagemap) is marked idle by setting only its bit in
/// `/sys/kernel/mm/page_idle/bitmap` (the kernel clears its Accessed bits and sets PG_idle);
/// one sampling interval later the page was accessed iff its bit is no longer set. Each bitmap
/// word is read once per check however many samples fall in it.
public final class PageIdleAccessCheck: AccessCheck {
    let bitmap: FileDescriptor
    let pageSize = Syscalls.pageSize
    /// Frames armed by the last prepare, per process (nil: page not present then).
    private let armed = Mutex<[Int32: [UInt64?]]>([:])

    public init() throws(Errno) {
        do {
            bitmap = try FileDescriptor.open(AccessCheckProbe.pageIdleBitmap, .readWrite, options: [.closeOnExec])
        } catch let error as Errno {
            throw error
        } catch {
            throw .ioError
        }
    }

    deinit { try? bitmap.close() }

    public func prepare(_ process: MonitoredProcess, addresses: [UInt64]) {
        guard let pagemap = try? process.file("pagemap", .readOnly) else { return }
        let frames = pagemap.pagemapEntries(addresses, pageSize: pageSize).map { $0?.frame }
        var marked = Set<UInt64>()
        for case let frame? in frames where marked.insert(frame).inserted {
            var word: UInt64 = 1 << (frame % 64)
            _ = try? withUnsafeBytes(of: &word) { try bitmap.write(toAbsoluteOffset: Int64(frame / 64 * 8), $0) }
        }
        armed.withLock { $0[process.pid] = frames }
    }

    public func check(_ process: MonitoredProcess, addresses: [UInt64]) -> [PageAccess]? {
        guard !process.hasExited else { return nil }
        let frames = armed.withLock { $0[process.pid] } ?? []
        var words: [UInt64: UInt64?] = [:]
        return addresses.indices.map { index in
            guard index < frames.count, let frame = frames[index] else {
                return PageAccess(accessed: false, pageSize: pageSize)
            }
            let offset = frame / 64
            if words[offset] == nil {
                var word: UInt64 = 0
                let count = try? withUnsafeMutableBytes(of: &word) { try bitmap.read(fromAbsoluteOffset: Int64(offset * 8), into: $0) }
                // A short read (the last partial word below max_pfn) leaves the page's state unknown.
                words[offset] = count == 8 ? word : nil
            }
            guard let word = words[offset] ?? nil else { return PageAccess(accessed: false, pageSize: pageSize) }
            return PageAccess(accessed: word & (1 << (frame % 64)) == 0, pageSize: pageSize)
        }
    }
}
