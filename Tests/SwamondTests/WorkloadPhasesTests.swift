import Foundation
import Glibc
import Testing
import SwamonTestSupport

/// The workload generator's phases, seen by swamond: while the generator writes one region the
/// daemon reports that region accessed and the other not, judged against the ground truth the
/// generator wrote (when each phase really ran).
@Suite("workload phases", .serialized)
struct WorkloadPhasesTests {
    struct Poll {
        var time: UInt64
        /// Per region name: the share of its bytes covered by monitoring regions that counted
        /// accesses. Monitoring regions need not end where mappings end, and the referenced
        /// backend sees whole VMAs, so a region that reaches a little into a neighbouring mapping
        /// can count that mapping's accesses: the test judges shares, not single regions.
        var accessed: [String: Double]
    }

    @Test func phasesAreSeenWhenTheyRun() throws {
        let directory = NSTemporaryDirectory() + "swamon-phases-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = "\(directory)/alternate.cfg", truth = "\(directory)/truth.txt"
        // lo and hi are never accessed: they keep a and b from sharing a monitoring region with
        // the process's other mappings, whose accesses the VMA-granular referenced backend would
        // then count for a or b.
        try """
            lo, 16777216
            a, 16777216
            b, 16777216
            hi, 16777216

            a only
            5000
            a, 0, 4096, 1

            b only
            5000
            b, 0, 4096, 1
            """.write(toFile: config, atomically: true, encoding: .utf8)

        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let workload = try ChildProcess(productPath("swamon-workload"), [config, "--rest-us", "1000", "--ground-truth", truth])
        defer { workload.kill() }
        // "ready pid P lo START-END a START-END b START-END hi START-END"
        let ready = workload.readLine().split(separator: " ")
        try #require(ready.count == 11 && ready[0] == "ready", "workload said: \(ready)")
        var ranges: [String: Range<UInt64>] = [:]
        for index in [5, 7] {
            let bounds = ready[index + 1].split(separator: "-").map { UInt64($0, radix: 16)! }
            ranges[String(ready[index])] = bounds[0]..<bounds[1]
        }

        let c = try daemon.connect()
        expectOK(try c.ask("write attrs 5000 50000 1000000 10 1000"))
        expectOK(try c.ask("write access_check referenced"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        var polls: [Poll] = []
        while try c.ask("read monitor_on").content == "on\n" {
            var accessedBytes: [String: UInt64] = [:]
            for line in try c.ask("read regions").content.split(separator: "\n") {
                let f = line.split(separator: " ")
                let (start, end, count) = (UInt64(f[1], radix: 16)!, UInt64(f[2], radix: 16)!, Int(f[3])!)
                for (name, range) in ranges where count > 0 {
                    accessedBytes[name, default: 0] += overlap(start, end, range)
                }
            }
            let accessed = ranges.mapValues { _ in 0.0 }.merging(
                accessedBytes.map { ($0.key, Double($0.value) / Double(ranges[$0.key]!.count)) }, uniquingKeysWith: { $1 })
            polls.append(Poll(time: monotonicNow(), accessed: accessed))
            usleep(100_000)
        }

        // "phase INDEX NAME START_NS END_NS REGIONS"
        let phases = try String(contentsOfFile: truth, encoding: .utf8).split(separator: "\n")
            .filter { $0.hasPrefix("phase ") }.map { $0.split(separator: " ") }
        try #require(phases.count == 2, "ground truth: \(phases)")
        for phase in phases {
            let (start, end, active) = (UInt64(phase[3])!, UInt64(phase[4])!, String(phase[5]))
            let idle = active == "a" ? "b" : "a"
            // Skip the first 2 s (regions adapt, and on a loaded machine the last published
            // aggregation can still cover the previous phase, or the populating writes before the
            // first) and the last 300 ms.
            let settled = polls.filter { $0.time > start + 2_000_000_000 && $0.time + 300_000_000 < end }
            try #require(settled.count >= 10, "polls during \(active): \(settled.count)")
            let seen = settled.filter { $0.accessed[active, default: 0] >= 0.5 }.count
            #expect(seen * 10 >= settled.count * 8, "\(active) reported accessed in \(seen) of \(settled.count) polls during its phase")
            // A region still reaching from the idle mapping into a neighbour can count that
            // neighbour's accesses until a split separates them, and on a loaded machine a poll can
            // see an aggregation published late: the idle mapping may look accessed in at most one
            // poll in five (the active one must in four of five).
            let idleShares = settled.map { $0.accessed[idle, default: 0] }
            let idleSeen = idleShares.filter { $0 >= 0.5 }.count
            #expect(idleSeen * 5 <= idleShares.count, "\(idle) reported accessed while only \(active) ran: \(idleShares)")
        }
    }

    func monotonicNow() -> UInt64 {
        var time = timespec()
        clock_gettime(CLOCK_MONOTONIC, &time)
        return UInt64(time.tv_sec) * 1_000_000_000 + UInt64(time.tv_nsec)
    }
}
