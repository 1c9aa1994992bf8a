import Synchronization
import SwamonCore
import Testing
@testable import SwamonLinux

/// A word file held in memory: unset words read as `fill`, words at or past `readableWords`
/// give a short read (as the idle bitmap does past max_pfn), and every write is logged.
final class MemoryWordFile: WordFile {
    struct State {
        var words: [UInt64: UInt64] = [:]
        var writes: [(index: UInt64, word: UInt64)] = []
    }
    let state: Mutex<State>
    let fill: UInt64
    let readableWords: UInt64

    init(_ words: [UInt64: UInt64] = [:], fill: UInt64 = 0, readableWords: UInt64 = .max) {
        state = Mutex(State(words: words))
        self.fill = fill
        self.readableWords = readableWords
    }

    func word(at index: UInt64) -> UInt64? {
        index < readableWords ? state.withLock { $0.words[index] ?? fill } : nil
    }

    func words(at index: UInt64, count: Int) -> [UInt64]? {
        guard index + UInt64(count) <= readableWords else { return nil }
        return (0..<UInt64(count)).map { word(at: index + $0)! }
    }

    /// Writes as the idle bitmap does: set bits become idle, clear bits are left alone.
    func writeWord(_ word: UInt64, at index: UInt64) {
        state.withLock {
            $0.writes.append((index, word))
            $0.words[index, default: fill] |= word
        }
    }

    subscript(index: UInt64) -> UInt64 {
        get { state.withLock { $0.words[index] ?? fill } }
        set { state.withLock { $0.words[index] = newValue } }
    }

    var writes: [(index: UInt64, word: UInt64)] { state.withLock { $0.writes } }
}

/// The files of a process that does not exist: crafted pagemap and smaps, logged control writes.
final class CraftedProcess: ProcessFiles {
    let pid: Int32 = 4242
    let pagemap: MemoryWordFile
    let smaps: Mutex<[UInt8]?>
    let controlWrites = Mutex<[String]>([])
    let exited = Atomic<Bool>(false)

    init(pagemap: MemoryWordFile = MemoryWordFile(), smaps: String? = nil) {
        self.pagemap = pagemap
        self.smaps = Mutex(smaps.map { Array($0.utf8) })
    }

    var hasExited: Bool { exited.load(ordering: .relaxed) }
    func wordFile(_ name: String) -> (any WordFile)? { name == "pagemap" && !hasExited ? pagemap : nil }
    func read(_ name: String) -> [UInt8]? { name == "smaps" && !hasExited ? smaps.withLock { $0 } : nil }
    func writeControl(_ name: String, _ text: String) { controlWrites.withLock { $0.append("\(name)=\(text)") } }
}

/// pagemap entry bits (Documentation/admin-guide/mm/pagemap.rst).
let present: UInt64 = 1 << 63
let softDirty: UInt64 = 1 << 55
/// kpageflags bits (include/uapi/linux/kernel-page-flags.h): KPF_LRU 5, KPF_COMPOUND_HEAD 15,
/// KPF_COMPOUND_TAIL 16.
let lru: UInt64 = 1 << 5
let compoundHead: UInt64 = 1 << 15
let compoundTail: UInt64 = 1 << 16
let page: UInt64 = 4096

@Suite("access-check backends on crafted files")
struct BackendSeamTests {
    // MARK: pagemap decoding

    @Test func pagemapEntryBits() {
        // Bit 63 present, bit 55 soft-dirty, bits 0–54 the frame number.
        #expect(PagemapEntry(raw: present | 0x1234).frame == 0x1234)
        #expect(PagemapEntry(raw: present | ((1 << 55) - 1)).frame == (1 << 55) - 1, "all 55 frame bits belong to the pfn")
        #expect(PagemapEntry(raw: present | softDirty | 7).frame == 7, "bit 55 is not part of the pfn")
        #expect(PagemapEntry(raw: 0x1234).frame == nil, "not present: no frame even with pfn bits")
        #expect(PagemapEntry(raw: present).frame == nil, "pfn 0 is what an unprivileged reader sees")
        #expect(PagemapEntry(raw: present).isPresent)
        #expect(!PagemapEntry(raw: 1 << 62).isPresent, "bit 62 is swapped, not present")
        #expect(PagemapEntry(raw: softDirty).isSoftDirty)
        #expect(!PagemapEntry(raw: 1 << 54 | present).isSoftDirty)
    }

    @Test func pagemapEntriesAreReadPerPageOnce() {
        let file = MemoryWordFile([10: present | 100, 11: 0])
        let entries = file.pagemapEntries([10 * page, 10 * page + 4095, 11 * page], pageSize: page)
        #expect(entries.map { $0?.raw } == [present | 100, present | 100, 0])
        let short = MemoryWordFile(readableWords: 11)
        #expect(short.pagemapEntries([10 * page, 11 * page], pageSize: page).map { $0 == nil } == [false, true])
    }

    // MARK: IdleFrames

    @Test func markSetsOnlyTheSampledBitsOneWritePerWord() {
        let bitmap = MemoryWordFile()
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        frames.mark([3, 64, 70, 127].map { IdleFrames.Frame(head: $0, size: page) })
        let writes = Dictionary(bitmap.writes.map { ($0.index, $0.word) }, uniquingKeysWith: { _, _ in 0 })
        #expect(bitmap.writes.count == 2)
        let expected: [UInt64: UInt64] = [0: 1 << 3, 1: 1 << 0 | 1 << 6 | 1 << 63]
        #expect(writes == expected)
    }

    @Test func aFrameStillIdleWasNotAccessedAClearedOneWas() {
        let bitmap = MemoryWordFile()
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let armed: [IdleFrames.Frame?] = [IdleFrames.Frame(head: 64, size: page), IdleFrames.Frame(head: 70, size: page), nil]
        frames.mark(armed.compactMap { $0 })
        bitmap[1] &= ~(1 << 6)  // the kernel cleared frame 70's idle bit: it was accessed
        #expect(frames.check(armed, count: 3).map(\.accessed) == [false, true, false])
        #expect(frames.check(armed, count: 3).map(\.pageSize) == [page, page, page])
    }

    @Test func aShortReadOrAnUnarmedSampleReadsAsNotAccessed() {
        // Word 1 is past the end of the bitmap: its frames' state is unknown.
        let bitmap = MemoryWordFile(fill: 0, readableWords: 1)
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let armed: [IdleFrames.Frame?] = [IdleFrames.Frame(head: 5, size: page), IdleFrames.Frame(head: 70, size: page)]
        #expect(frames.check(armed, count: 2).map(\.accessed) == [true, false])
        #expect(frames.check(armed, count: 3).map(\.accessed) == [false, false, false], "frames not one per page")
    }

    @Test func transparentHugePagesResolveToTheirHead() {
        // A 2 MiB folio at frames 512..<1024, a lone frame at 1030, a tail without its head at 2000.
        var flags: [UInt64: UInt64] = [512: compoundHead | lru, 1030: lru, 2000: compoundTail]
        for tail in 513..<1024 { flags[UInt64(tail)] = compoundTail | lru }
        let frames = IdleFrames(bitmap: MemoryWordFile(), pageFlags: MemoryWordFile(flags), onlyLRU: false, pageSize: page)
        #expect(frames.resolve(700) == IdleFrames.Frame(head: 512, size: 512 * page))
        #expect(frames.resolve(512) == IdleFrames.Frame(head: 512, size: 512 * page))
        #expect(frames.resolve(1023) == IdleFrames.Frame(head: 512, size: 512 * page))
        #expect(frames.resolve(1030) == IdleFrames.Frame(head: 1030, size: page))
        #expect(frames.resolve(2000) == IdleFrames.Frame(head: 2000, size: page), "no head found: taken as itself")
        // A folio of 4 pages (mTHP) ends where the tails end.
        let small = IdleFrames(
            bitmap: MemoryWordFile(), pageFlags: MemoryWordFile([8: compoundHead, 9: compoundTail, 10: compoundTail, 11: compoundTail]),
            onlyLRU: false, pageSize: page)
        #expect(small.resolve(10) == IdleFrames.Frame(head: 8, size: 4 * page))
    }

    @Test func physicalFramesOffTheLRUAreNotTracked() {
        var flags: [UInt64: UInt64] = [1: lru, 2: 0, 512: compoundHead | lru, 1536: compoundHead]
        for tail in 513..<1024 { flags[UInt64(tail)] = compoundTail }
        for tail in 1537..<2048 { flags[UInt64(tail)] = compoundTail }
        let frames = IdleFrames(bitmap: MemoryWordFile(), pageFlags: MemoryWordFile(flags), onlyLRU: true, pageSize: page)
        #expect(frames.resolve(1) == IdleFrames.Frame(head: 1, size: page))
        #expect(frames.resolve(2) == nil, "free or kernel page")
        #expect(frames.resolve(600) == IdleFrames.Frame(head: 512, size: 512 * page), "the LRU flag is on the head")
        #expect(frames.resolve(1600) == nil)
        let noFlags = IdleFrames(bitmap: MemoryWordFile(), pageFlags: MemoryWordFile(readableWords: 0), onlyLRU: true, pageSize: page)
        #expect(noFlags.resolve(1) == nil, "unknown flags: untrackable for paddr")
    }

    // MARK: the three process backends

    @Test func pageIdleArmsThePagemapFramesAndReadsThemBack() {
        let bitmap = MemoryWordFile()
        let check = PageIdleAccessCheck(frames: IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page))
        let process = CraftedProcess(pagemap: MemoryWordFile([10: present | 100, 11: 0, 12: present | 101]))
        let addresses = [10 * page + 8, 11 * page, 12 * page]
        check.prepare(process, addresses: addresses)
        #expect(bitmap[1] == 1 << 36 | 1 << 37, "frames 100 and 101 marked idle, nothing for the absent page")
        #expect(check.check(process, addresses: addresses)?.map(\.accessed) == [false, false, false])
        bitmap[1] &= ~(1 << 37)
        #expect(check.check(process, addresses: addresses)?.map(\.accessed) == [false, false, true])
        process.exited.store(true, ordering: .relaxed)
        #expect(check.check(process, addresses: addresses) == nil)
    }

    @Test func softDirtyCountsWrittenPagesOnly() {
        let process = CraftedProcess(pagemap: MemoryWordFile([1: present | softDirty | 9, 2: present | 10, 3: softDirty]))
        let check = SoftDirtyAccessCheck(pageSize: page)
        check.prepare(process, addresses: [page])
        #expect(process.controlWrites.withLock { $0 } == ["clear_refs=4"])
        let result = check.check(process, addresses: [page, 2 * page, 3 * page, 4 * page])
        #expect(result?.map(\.accessed) == [true, false, true, false], "present but clean is not accessed; swapped-out dirty is")
        process.exited.store(true, ordering: .relaxed)
        #expect(check.check(process, addresses: [page]) == nil)
    }

    @Test func referencedTakesOnlyTheVMAHoldingTheAddress() {
        let smaps = """
            00400000-00402000 r--p 00000000 fe:00 1   /bin/x
            Size:                  8 kB
            Referenced:            0 kB
            00410000-00420000 rw-p 00000000 00:00 0
            Size:                 64 kB
            Referenced:           12 kB
            00420000-00430000 rw-p 00000000 00:00 0
            Referenced:            0 kB

            """
        let process = CraftedProcess(smaps: smaps)
        let check = ReferencedAccessCheck()
        check.prepare(process, addresses: [])
        #expect(process.controlWrites.withLock { $0 } == ["clear_refs=1"])
        let addresses: [UInt64] = [0x400000, 0x401fff, 0x402000, 0x40ffff, 0x410000, 0x41ffff, 0x420000, 0x430000]
        #expect(
            check.check(process, addresses: addresses)?.map(\.accessed)
                == [false, false, false, false, true, true, false, false],
            "the gap 0x402000..<0x410000 and the end 0x430000 belong to no VMA")
        process.smaps.withLock { $0 = nil }
        #expect(check.check(process, addresses: addresses) == nil)
    }
}
