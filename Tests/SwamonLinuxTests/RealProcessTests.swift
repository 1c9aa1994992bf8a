import Foundation
import SwamonTestSupport
import Testing
import SwamonCore
@testable import SwamonLinux

/// Real processes, real /proc, the backend this kernel offers.
@Suite("real processes", .serialized)
struct RealProcessTests {
    @Test func automaticTakesTheFirstBackendThatWorks() throws {
        #expect(AccessCheckProbe.unavailability(of: .referenced) == nil, "clear_refs + smaps work on any kernel with /proc")
        let first = AccessCheckKind.allCases.first { AccessCheckProbe.unavailability(of: $0) == nil }
        #expect(try AccessCheckProbe.automatic().get() == first)
    }

    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: AccessCheckProbe.pageIdleBitmap),
            "needs a kernel without CONFIG_IDLE_PAGE_TRACKING (tier 3 covers the kernel with it)"))
    func probeNamesAMissingPageIdle() {
        #expect(
            AccessCheckProbe.unavailability(of: .pageIdle)
                == "this kernel lacks CONFIG_IDLE_PAGE_TRACKING: /sys/kernel/mm/page_idle/bitmap does not exist")
        #expect((try? AccessCheckProbe.automatic().get()) != .pageIdle)
    }

    @Test func exitIsSeenThroughThePidfd() throws {
        let child = try ChildProcess("/bin/sleep", ["30"])
        let process = try MonitoredProcess(pid: child.pid)
        #expect(!process.hasExited)
        #expect(process.read("maps") != nil)
        child.kill()
        #expect(process.hasExited)
        #expect(process.read("status") == nil, "no file of an exited process is opened")
        #expect(throws: (any Error).self) { try MonitoredProcess(pid: child.pid) }
    }

    /// Forces the kernel to hand an exited target's pid to a new process (via ns_last_pid) and
    /// checks that nothing of the new process is ever read through the old target.
    @Test func reusedPidIsNeverSampled() throws {
        let first = try ChildProcess("/bin/sleep", ["30"])
        let pid = first.pid
        let target = try MonitoredProcess(pid: pid)
        let space = ProcessAddressSpace(processes: [target], accessCheck: ReferencedAccessCheck())
        first.kill()
        // posix_spawn right after setting ns_last_pid leaves other forks (parallel tests, other
        // programs) the smallest window to take the pid first; retried until it lands.
        var reused: pid_t?
        for _ in 0..<2000 where reused == nil {
            try String(pid - 1).write(toFile: "/proc/sys/kernel/ns_last_pid", atomically: false, encoding: .utf8)
            let candidate = try spawnProcess("/bin/sleep", ["30"])
            if candidate == pid {
                reused = candidate
            } else {
                kill(candidate, SIGKILL)
                reapProcess(candidate)
            }
        }
        let second = try #require(reused, "could not get pid \(pid) reused")
        defer {
            kill(second, SIGKILL)
            reapProcess(second)
        }
        #expect(FileManager.default.fileExists(atPath: "/proc/\(pid)/maps"), "the pid is alive again")
        #expect(!space.isValid(target: Target.ID(pid)))
        #expect(space.mappings(of: Target.ID(pid)) == nil)
        #expect(space.checkAccesses(target: Target.ID(pid), addresses: [0x1000]) == nil)
    }

    @Test func referencedTellsHotFromColdMappings() throws {
        let (child, hot, cold) = try ChildProcess.workload()
        let process = try MonitoredProcess(pid: child.pid)
        let check = ReferencedAccessCheck()
        let addresses = [hot.lowerBound + 0x1000, cold.lowerBound + 0x1000, cold.upperBound - 0x1000]
        var hotSeen = 0
        var coldSeen = 0
        for _ in 0..<5 {
            check.prepare(process, addresses: addresses)
            usleep(50_000)
            let results = try #require(check.check(process, addresses: addresses))
            hotSeen += results[0].accessed ? 1 : 0
            coldSeen += (results[1].accessed ? 1 : 0) + (results[2].accessed ? 1 : 0)
        }
        #expect(hotSeen == 5)
        #expect(coldSeen == 0)
    }

    /// The whole DAMON loop over a live process with the referenced backend and real sleeps:
    /// regions inside the hot mapping count accesses, regions inside the cold one count none,
    /// and killing the process ends monitoring.
    @Test func monitoringLoopOnALiveProcess() throws {
        let (child, hot, cold) = try ChildProcess.workload(hotMiB: 16, coldMiB: 128)
        let process = try MonitoredProcess(pid: child.pid)
        let space = ProcessAddressSpace(processes: [process], accessCheck: ReferencedAccessCheck())
        let context = MonitoringContext(
            attributes: Attributes(
                sampleInterval: 5000, aggregationInterval: 100_000, updateInterval: 1_000_000, minRegions: 10,
                maxRegions: 1000),
            targets: [Target(id: Target.ID(child.pid))],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Syscalls.pageSize,
            random: SplitMix64(seed: 3),
            clock: Syscalls.monotonicNanoseconds
        )
        var hotCounts: [UInt32] = []
        var coldCounts: [UInt32] = []
        context.callbacks.afterAggregation = { context in
            guard context.aggregations > 5 else { return }
            // Regions need not end where mappings do: the one over the hot mapping usually starts
            // on the guard page below it, so a region counts for the hot mapping when ≥ 90 % of it
            // lies inside. For the cold mapping only regions entirely inside count: referenced
            // sees whole VMAs, so a region reaching into the hot mapping may rightly count accesses.
            func mostlyInside(_ region: Region, _ range: Range<UInt64>) -> Bool {
                let overlap = max(0, Int64(min(region.end, range.upperBound)) - Int64(max(region.start, range.lowerBound)))
                return UInt64(overlap) * 10 >= region.size * 9
            }
            for region in context.targets[0].regions {
                if mostlyInside(region, hot) { hotCounts.append(region.accessCount) }
                if cold.contains(region.start) && region.end <= cold.upperBound { coldCounts.append(region.accessCount) }
            }
            if context.aggregations == 15 { child.kill() }
        }
        let wakeup = try Syscalls.eventFD()
        context.run(sleep: { _ = Syscalls.sleep(microseconds: $0, wakeup: wakeup) })
        #expect(context.aggregations >= 15 && context.aggregations <= 17, "monitoring ends once the target exited")
        #expect(!hotCounts.isEmpty && !coldCounts.isEmpty)
        // The workload writes its hot mapping every millisecond; allow for it being descheduled
        // in a few of the 20 sampling intervals on a loaded machine.
        #expect(hotCounts.allSatisfy { $0 >= 10 }, "hot regions: \(hotCounts)")
        #expect(coldCounts.allSatisfy { $0 == 0 }, "cold regions: \(coldCounts)")
    }
}
