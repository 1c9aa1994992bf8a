import Foundation
import SwamonProtocol
import SwamonTestSupport
import Testing

/// A context's own `state` (one context on or off while the others stay as they are) and
/// `schemes_tried_regions`: what swamon-sysfs builds the kdamond `state` commands on.
@Suite("context state and tried regions", .serialized)
struct ContextStateTests {
    @Test func oneContextStartsAndStopsAlone() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write mk_contexts one"))
        expectError(try c.ask("write one/state on"), "EINVAL")  // no targets yet
        expectOK(try c.ask("write one/target_ids \(target.pid)"))
        expectError(try c.ask("write one/state off"), "EPERM")
        expectError(try c.ask("write one/state maybe"), "EINVAL")
        expectOK(try c.ask("write one/state on"))
        expectOK(try c.ask("read one/state"), "on\n")
        expectOK(try c.ask("read state"), "off\n")  // the root context has no targets and stays off
        expectOK(try c.ask("read monitor_on"), "on\n")
        #expect(try c.ask("read one/kdamond_pid").content != "none\n")
        expectError(try c.ask("write one/state on"), "EBUSY")
        expectError(try c.ask("write monitor_on on"), "EBUSY")
        expectError(try c.ask("write one/attrs 5000 100000 1000000 10 1000"), "EBUSY")
        expectOK(try c.ask("write one/state off"))
        expectOK(try c.ask("read one/state"), "off\n")
        expectOK(try c.ask("read one/target_ids"), "\n")  // dropped when monitoring ends, as with monitor_on off
        expectError(try c.ask("write one/state off"), "EPERM")
    }

    /// As the kernel's vaddr `target_valid`: an exited process its parent has not reaped is
    /// still a task, so monitoring goes on until the zombie is reaped (damo and the kernel's
    /// selftests poll their target's exit and reap it only then).
    @Test func aZombieTargetIsValidUntilReaped() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let pid = try spawnProcess("/bin/sh", ["-c", "sleep 0.3"])
        var reaped = false
        defer { if !reaped { reapProcess(pid) } }
        let c = try daemon.connect()
        expectOK(try c.ask("write attrs 5000 20000 100000 10 1000"))
        expectOK(try c.ask("write target_ids \(pid)"))
        expectOK(try c.ask("write monitor_on on"))
        // Exited (a zombie: this test has not waited for it) for a second: still monitored.
        #expect(eventually { (try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8))?.contains(") Z ") ?? false })
        usleep(1_000_000)
        expectOK(try c.ask("read monitor_on"), "on\n")
        reapProcess(pid)
        reaped = true
        #expect(try eventually { try c.ask("read monitor_on").content == "off\n" })
        #expect(try statusFields(daemon)["last_stop"] == "every_target_exited")
    }

    /// After a restart only the context that was on is on again.
    @Test func aRestartResumesOnlyTheContextsThatRan() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = ["journal_every = 0", "state_file = \(directory)/state"]
        let target = try sleeper()
        defer { target.kill() }
        let other = try sleeper()
        defer { other.kill() }
        do {
            let daemon = try Daemon(settings: settings, directory: directory + "/one")
            defer { withExtendedLifetime(daemon) {} }
            let c = try daemon.connect()
            expectOK(try c.ask("write mk_contexts one"))
            expectOK(try c.ask("write target_ids \(other.pid)"))
            expectOK(try c.ask("write one/target_ids \(target.pid)"))
            expectOK(try c.ask("write one/state on"))
            #expect(try eventually { try String(contentsOfFile: "\(directory)/state", encoding: .utf8).contains("resume state one") })
            daemon.stop()
        }
        let daemon = try Daemon(settings: settings, directory: directory + "/two")
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("read one/state"), "on\n")
        expectOK(try c.ask("read state"), "off\n")
        expectOK(try c.ask("read target_ids"), "\(other.pid)\n")
    }

    /// The regions each scheme tries at the next aggregation: with a stat scheme for every
    /// region, every region of the target; with a minimum access count, only regions that met
    /// it; without schemes, none; and only while the context runs.
    @Test func triedRegionsOfTheNextAggregation() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (workload, hot, _) = try ChildProcess.workload(hotMiB: 8, coldMiB: 64)
        defer { workload.kill() }
        let c = try daemon.connect()
        expectError(try c.ask("read schemes_tried_regions"), "EINVAL")
        expectOK(try c.ask("write attrs 5000 100000 1000000 10 1000"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        // Scheme 0: stat on every region; scheme 1: stat on regions accessed in at least 5 samples.
        let all = "0 18446744073709551615 0 4294967295 0 4294967295 5 0 0 0 0 0 0 0 0 0 0 0"
        let accessed = "0 18446744073709551615 5 4294967295 0 4294967295 5 0 0 0 0 0 0 0 0 0 0 0"
        expectOK(try c.ask("write schemes \(all) \(accessed)"))
        expectOK(try c.ask("write monitor_on on"))
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 10 })
        let before = try c.ask("read regions").content
        let answer = try c.ask("read schemes_tried_regions")
        let after = try c.ask("read regions").content
        #expect(answer.status == "ok")
        let rows = try #require(ResultsFormat.parseTriedRegions(answer.content), "\(answer.content)")
        let first = rows.filter { $0.scheme == 0 }
        let second = rows.filter { $0.scheme == 1 }
        #expect(rows.allSatisfy { $0.target == Int64(workload.pid) && $0.scheme <= 1 })
        func total(_ text: String) -> UInt64 {
            (ResultsFormat.parseRegions(text) ?? []).reduce(0) { $0 + ($1.region.end - $1.region.start) }
        }
        let triedBytes = first.reduce(UInt64(0)) { $0 + ($1.region.end - $1.region.start) }
        #expect(triedBytes == total(before) || triedBytes == total(after), "scheme 0 tried \(triedBytes) bytes of \(total(before))")
        #expect(!second.isEmpty && second.allSatisfy { $0.region.nrAccesses >= 5 })
        #expect(second.count < first.count)
        #expect(second.contains { $0.region.start < hot.upperBound && hot.lowerBound < $0.region.end }, "the hot range is tried")
        // Within one scheme the regions come in address order.
        #expect(zip(first, first.dropFirst()).allSatisfy { $0.region.end <= $1.region.start })

        expectOK(try c.ask("write monitor_on off"))
        expectError(try c.ask("read schemes_tried_regions"), "EINVAL")
        expectOK(try c.ask("write schemes"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        expectOK(try c.ask("read schemes_tried_regions"), "")
    }
}
