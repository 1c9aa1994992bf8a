import Synchronization
import SwamonCore
import Testing
@testable import SwamonLinux

@Suite("armed frames: a page sampled again while its frame stays idle is neither looked up nor marked")
struct ArmedFramesTests {
    func frame(_ head: UInt64) -> IdleFrames.Frame { IdleFrames.Frame(head: head, size: page) }

    /// A clock the test moves: each arm and check reads it once.
    final class ManualClock: Sendable {
        let now = Atomic<UInt64>(1_000)
        var read: @Sendable () -> UInt64 { { [self] in now.load(ordering: .relaxed) } }
        func advance(_ nanoseconds: UInt64) { now.add(nanoseconds, ordering: .relaxed) }
    }

    /// Arms, waits `window` ns, checks, waits `gap` ns: the timing of one sample.
    func sample(_ armed: inout ArmedFrames, _ addresses: [UInt64], frames: IdleFrames, clock: ManualClock,
                window: UInt64 = 1_000, gap: UInt64 = 50, resolve: ([UInt64]) -> [IdleFrames.Frame?]) -> [PageAccess] {
        armed.arm(addresses, in: frames, resolve: resolve)
        clock.advance(window)
        let result = armed.check(in: frames, count: addresses.count)
        clock.advance(gap)
        return result
    }

    @Test func anIdleFrameSampledAgainIsReusedAnAccessedOneMarkedAgain() {
        let bitmap = MemoryWordFile()
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let clock = ManualClock()
        var armed = ArmedFrames(clock: clock.read)
        var lookedUp: [[UInt64]] = []
        let table: [UInt64: UInt64] = [0x1000: 100, 0x2000: 130, 0x3000: 200, 0x4000: 201]
        func resolve(_ addresses: [UInt64]) -> [IdleFrames.Frame?] {
            lookedUp.append(addresses)
            return addresses.map { table[$0].map(frame) }
        }

        armed.arm([0x1000, 0x2000, 0x3000], in: frames, resolve: resolve)
        clock.advance(1_000)
        #expect(lookedUp == [[0x1000, 0x2000, 0x3000]])
        #expect(armed.lastMarked == 3)
        #expect(bitmap[1] == 1 << 36, "frame 100")
        #expect(bitmap[2] == 1 << 2, "frame 130")
        #expect(bitmap[3] == 1 << 8, "frame 200")
        // Frame 130 was accessed (its idle bit cleared), the others stayed idle.
        bitmap[2] = 0
        #expect(armed.check(in: frames, count: 3).map(\.accessed) == [false, true, false])
        clock.advance(100)

        // The next sample keeps 0x1000 and 0x2000 and draws 0x4000 instead of 0x3000.
        let writesBefore = bitmap.writes.count
        armed.arm([0x1000, 0x2000, 0x4000], in: frames, resolve: resolve)
        #expect(lookedUp.last == [0x4000], "only the new page is looked up")
        #expect(armed.lastMarked == 2, "the accessed frame 130 and the new 201; the idle 100 is left armed")
        #expect(bitmap.writes.dropFirst(writesBefore).map(\.index).sorted() == [2, 3])
        #expect(armed.check(in: frames, count: 3).map(\.accessed) == [false, false, false])
    }

    @Test func aPageWithoutAFrameIsNotLookedUpAgainWhileItIsKept() {
        let frames = IdleFrames(bitmap: MemoryWordFile(), pageFlags: nil, onlyLRU: false, pageSize: page)
        let clock = ManualClock()
        var armed = ArmedFrames(clock: clock.read)
        var lookedUp: [[UInt64]] = []
        _ = sample(&armed, [0x1000, 0x2000], frames: frames, clock: clock) { lookedUp.append($0); return [nil, self.frame(3)] }
        _ = sample(&armed, [0x1000, 0x3000], frames: frames, clock: clock) { lookedUp.append($0); return [self.frame(4)] }
        #expect(lookedUp == [[0x1000, 0x2000], [0x3000]], "0x1000 had no frame and is kept: not looked up again")
        #expect(armed.check(in: frames, count: 2).map(\.accessed) == [false, false])
    }

    @Test func aShortReadLeavesTheFrameUnknownSoItIsMarkedAgain() {
        let bitmap = MemoryWordFile(readableWords: 2)
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let clock = ManualClock()
        var armed = ArmedFrames(clock: clock.read)
        let accesses = sample(&armed, [0x1000, 0x2000], frames: frames, clock: clock) { $0.map { $0 == 0x1000 ? self.frame(5) : self.frame(130) } }
        #expect(accesses.map(\.accessed) == [false, false], "130 is past the readable words")
        armed.arm([0x1000, 0x2000], in: frames) { _ in Issue.record("nothing is looked up again"); return [] }
        #expect(armed.lastMarked == 1, "frame 5 was read idle; 130 could not be read")
    }

    @Test func aSampleThatWasNeverCheckedIsMarkedAgain() {
        let bitmap = MemoryWordFile()
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let clock = ManualClock()
        var armed = ArmedFrames(clock: clock.read)
        armed.arm([0x1000], in: frames) { _ in [self.frame(7)] }
        clock.advance(10)
        armed.arm([0x1000], in: frames) { _ in [] }
        #expect(armed.lastMarked == 1, "no check between: its idleness is unknown")
        armed.clear()
        var lookedUp = false
        armed.arm([0x1000], in: frames) { _ in lookedUp = true; return [self.frame(7)] }
        #expect(lookedUp)
    }

    /// The window rule at its boundary: a frame found idle stays armed while the gap from the
    /// check to the next arming is at most a tenth of the time from the arming to the check.
    @Test(arguments: [(UInt64(100), 0), (UInt64(101), 1), (UInt64(0), 0)])
    func anIdleFrameStaysArmedOnlyWhileTheGapIsATenthOfTheWindow(gap: UInt64, marked: Int) {
        let bitmap = MemoryWordFile()
        let frames = IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page)
        let clock = ManualClock()
        var armed = ArmedFrames(clock: clock.read)
        _ = sample(&armed, [0x1000], frames: frames, clock: clock, window: 1_000, gap: gap) { _ in [self.frame(9)] }
        armed.arm([0x1000], in: frames) { _ in [] }
        #expect(armed.lastMarked == marked)
    }

    @Test func thePageIdleBackendReusesFramesPerProcess() {
        let bitmap = MemoryWordFile()
        let clock = ManualClock()
        let check = PageIdleAccessCheck(frames: IdleFrames(bitmap: bitmap, pageFlags: nil, onlyLRU: false, pageSize: page), clock: clock.read)
        let process = CraftedProcess(pagemap: MemoryWordFile([10: present | 100, 12: present | 101]))
        let addresses = [10 * page, 12 * page]
        check.prepare(process, addresses: addresses)
        clock.advance(5_000)
        #expect(bitmap.writes.count == 1)
        #expect(check.check(process, addresses: addresses)?.map(\.accessed) == [false, false])
        clock.advance(400)
        check.prepare(process, addresses: addresses)
        #expect(bitmap.writes.count == 1, "both frames stayed idle: nothing marked again")
        clock.advance(5_000)
        bitmap[1] &= ~(1 << 37)
        #expect(check.check(process, addresses: addresses)?.map(\.accessed) == [false, true])
        clock.advance(400)
        check.prepare(process, addresses: addresses)
        #expect(bitmap.writes.last.map { $0.word } == 1 << 37, "only the accessed frame 101")
        clock.advance(5_000)
        _ = check.check(process, addresses: addresses)
        clock.advance(600)
        check.prepare(process, addresses: addresses)
        #expect(bitmap.writes.last.map { $0.word } == 1 << 36 | 1 << 37, "a gap over a tenth of the window: both marked again")
    }
}
