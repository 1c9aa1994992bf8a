public import SwamonCore
import Glibc
public import SystemPackage

/// Idle page tracking by page frame number: the half of the `page_idle` backend shared by
/// `vaddr` (frames from pagemap) and `paddr` (frames are the physical addresses).
///
/// `mark` runs at the start of a sample and sets only the sampled frames' bits in
/// `/sys/kernel/mm/page_idle/bitmap` (the kernel clears their Accessed bits and sets PG_idle),
/// one write per bitmap word; `check` runs one sampling interval later and reads each word once.
/// The kernel keeps the idle flag on a large folio's head page only and ignores tail frames, so
/// when transparent huge pages can exist each frame is first mapped to its folio's head through
/// `/proc/kpageflags`, and the folio's size is reported for the check-reuse rule. For physical
/// addresses (`onlyLRU`) a frame that is not on an LRU list (free, kernel, page-table pages) is
/// not trackable and counts as not accessed, as in the kernel's `damon_pa_young`; page_idle
/// itself would read such a frame as "not idle".
public final class IdleFrames: Sendable {
    /// A frame as it is marked and checked: its folio's head and the folio's size in bytes.
    public struct Frame: Hashable, Sendable {
        public var head: UInt64
        public var size: UInt64
    }

    let bitmap: any WordFile
    /// Present while THP is possible (not `never`) or for `onlyLRU`; nil means every frame is
    /// its own head and trackable.
    let pageFlags: (any WordFile)?
    let onlyLRU: Bool
    let pageSize: UInt64
    /// The descriptors opened by `init(onlyLRU:)`, closed with this object.
    private let opened: [FileDescriptor]

    /// Opens `/sys/kernel/mm/page_idle/bitmap` (and `/proc/kpageflags` when needed); runs each
    /// time monitoring starts.
    public convenience init(onlyLRU: Bool = false) throws(Errno) {
        let bitmap: FileDescriptor
        do {
            bitmap = try FileDescriptor.open(AccessCheckProbe.pageIdleBitmap, .readWrite, options: [.closeOnExec])
        } catch let error as Errno {
            throw error
        } catch {
            throw .ioError
        }
        let flagsNeeded = onlyLRU || Self.hugePagesPossible
        let pageFlags = flagsNeeded ? try? FileDescriptor.open("/proc/kpageflags", .readOnly, options: [.closeOnExec]) : nil
        if onlyLRU && pageFlags == nil {
            try? bitmap.close()
            throw .permissionDenied
        }
        self.init(bitmap: bitmap, pageFlags: pageFlags, onlyLRU: onlyLRU, pageSize: Syscalls.pageSize,
                  opened: [bitmap] + (pageFlags.map { [$0] } ?? []))
    }

    /// Reads and writes the given files: the seam unit tests drive with crafted contents.
    public init(bitmap: any WordFile, pageFlags: (any WordFile)?, onlyLRU: Bool, pageSize: UInt64, opened: [FileDescriptor] = []) {
        self.bitmap = bitmap
        self.pageFlags = pageFlags
        self.onlyLRU = onlyLRU
        self.pageSize = pageSize
        self.opened = opened
    }

    deinit {
        for fd in opened { try? fd.close() }
    }

    /// False only when `/sys/kernel/mm/transparent_hugepage/enabled` says `[never]` (or THP is
    /// not built in); read once per `IdleFrames`, i.e. each time monitoring starts.
    static var hugePagesPossible: Bool {
        guard let file = try? FileDescriptor.open("/sys/kernel/mm/transparent_hugepage/enabled", .readOnly) else { return false }
        defer { try? file.close() }
        let text = (try? file.readAll(capacity: 256)).map { String(decoding: $0, as: UTF8.self) } ?? ""
        return !text.contains("[never]")
    }

    /// The head and size of the folio holding `frame`; nil when `onlyLRU` and it is not an LRU
    /// page.
    public func resolve(_ frame: UInt64) -> Frame? {
        // What the frame is taken as when its flags are unknown: itself, or for paddr untrackable.
        let unknown = onlyLRU ? nil : Frame(head: frame, size: pageSize)
        guard let pageFlags, let flags = pageFlags.word(at: frame) else { return unknown }
        guard flags & (Self.compoundHead | Self.compoundTail) != 0 else {
            return !onlyLRU || flags & Self.lru != 0 ? Frame(head: frame, size: pageSize) : nil
        }
        // Folios are naturally aligned: the head lies in the aligned block of 512 frames (a PMD)
        // around `frame`; larger (hugetlb) folios are not tracked by page_idle anyway.
        let blockStart = frame & ~511
        guard let block = pageFlags.words(at: blockStart, count: 512) else { return unknown }
        var head = Int(frame - blockStart)
        while head > 0 && block[head] & Self.compoundHead == 0 { head -= 1 }
        guard block[head] & Self.compoundHead != 0, !onlyLRU || block[head] & Self.lru != 0 else { return unknown }
        var end = head + 1
        while end < block.count && block[end] & Self.compoundTail != 0 { end += 1 }
        return Frame(head: blockStart + UInt64(head), size: UInt64(end - head) * pageSize)
    }

    /// Marks the frames idle: only their bits, one write per bitmap word.
    public func mark(_ frames: some Sequence<Frame>) {
        var words: [UInt64: UInt64] = [:]
        for frame in frames { words[frame.head / 64, default: 0] |= 1 << (frame.head % 64) }
        for (index, bits) in words { bitmap.writeWord(bits, at: index) }
    }

    /// Whether each of `count` sampled pages was accessed since `frames` were marked for them;
    /// nil entries (no frame) read as not accessed, and so does every page when `frames` is not
    /// one per page (nothing was armed for this sample).
    public func check(_ frames: [Frame?], count: Int) -> [PageAccess] {
        guard frames.count == count else { return Array(repeating: PageAccess(accessed: false, pageSize: pageSize), count: count) }
        return checkKeepingIdleness(frames).accesses
    }

    /// `check`, and per frame whether it was read as still idle (then it stays armed: the read
    /// cleared its Accessed bits and left its idle flag). Each bitmap word is read once; a short
    /// read (the last word below max_pfn) leaves its frames' state unknown: not accessed, and not
    /// known to be idle.
    public func checkKeepingIdleness(_ frames: [Frame?]) -> (accesses: [PageAccess], idle: [Bool]) {
        var words: [UInt64: UInt64?] = [:]
        var idle = [Bool](repeating: false, count: frames.count)
        let accesses = frames.indices.map { i in
            guard let frame = frames[i] else { return PageAccess(accessed: false, pageSize: pageSize) }
            let index = frame.head / 64
            if words[index] == nil { words[index] = bitmap.word(at: index) }
            guard let word = words[index] ?? nil else { return PageAccess(accessed: false, pageSize: frame.size) }
            idle[i] = word & (1 << (frame.head % 64)) != 0
            return PageAccess(accessed: !idle[i], pageSize: frame.size)
        }
        return (accesses, idle)
    }

    static let lru: UInt64 = 1 << 5
    static let compoundHead: UInt64 = 1 << 15
    static let compoundTail: UInt64 = 1 << 16
}
