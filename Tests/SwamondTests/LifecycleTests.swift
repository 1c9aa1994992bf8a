import Foundation
import Glibc
import Testing
import SwamonTestSupport

@Suite("monitoring lifecycle", .serialized)
struct LifecycleTests {
    /// A context stops by itself when its last target exits, and then drops its targets.
    @Test func targetExitStopsAndDropsTargets() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 4, coldMiB: 16)
        defer { workload.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write attrs 5000 50000 1000000 10 1000"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        #expect(try eventually { try statusFields(daemon)["aggregations"].flatMap(Int.init) ?? 0 >= 3 })
        workload.kill()
        #expect(try eventually { try c.ask("read monitor_on").content == "off\n" })
        expectOK(try c.ask("read target_ids"), "\n")
        expectOK(try c.ask("read kdamond_pid"), "none\n")
        #expect(try statusFields(daemon)["last_stop"] == "every_target_exited")
        #expect(!(try c.ask("read regions").content.isEmpty), "the last snapshot stays readable")
        expectError(try c.ask("write monitor_on on"), "EINVAL")
    }

    /// Falling behind is visible: with a sampling interval far shorter than one sample's checks
    /// (the referenced backend walks all of a 264 MiB process's page tables per sample), status
    /// shows the real period and the overruns, and the log says so once.
    @Test func fallingBehindIsVisible() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 8, coldMiB: 256)
        defer { workload.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write attrs 100 2000 1000000 10 1000"))
        expectOK(try c.ask("write access_check referenced"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        #expect(try eventually { try statusFields(daemon)["aggregations"].flatMap(Int.init) ?? 0 >= 3 })
        let fields = try statusFields(daemon)
        let overruns = fields["overruns"].flatMap(Int.init) ?? 0
        let period = fields["sample_period_us"].flatMap(Int.init) ?? 0
        #expect(fields["sample_interval_us"] == "100")
        #expect(overruns > 0, "status: \(fields)")
        #expect(period > 200, "the real period is more than twice the 100 µs interval: \(fields)")
        #expect(eventually { daemon.log.contains("falling behind") }, "log: \(daemon.log)")
        #expect(daemon.log.components(separatedBy: "falling behind").count == 2, "said once")
        expectOK(try c.ask("write monitor_on off"))
    }

    /// Two contexts monitor two real processes at the same time, each on its own thread, and
    /// each tells its process's hot mapping from its cold one.
    @Test func twoContextsTwoProcesses() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (first, hot1, cold1) = try ChildProcess.workload(hotMiB: 8, coldMiB: 32)
        defer { first.kill() }
        let (second, hot2, cold2) = try ChildProcess.workload(hotMiB: 4, coldMiB: 64)
        defer { second.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write mk_contexts second"))
        // 100 regions minimum: ~5 MB regions, fine enough to isolate a 4 MiB hot mapping quickly.
        expectOK(try c.ask("write attrs 5000 100000 1000000 100 1000"))
        expectOK(try c.ask("write second/attrs 5000 100000 1000000 100 1000"))
        expectOK(try c.ask("write target_ids \(first.pid)"))
        expectOK(try c.ask("write second/target_ids \(second.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        let tid1 = try c.ask("read kdamond_pid").content
        let tid2 = try c.ask("read second/kdamond_pid").content
        #expect(tid1 != tid2 && tid1 != "none\n" && tid2 != "none\n")
        #expect(try eventually(40) {
            try statusFields(daemon)["aggregations"].flatMap(Int.init) ?? 0 >= 12
                && statusFields(daemon, context: "second")["aggregations"].flatMap(Int.init) ?? 0 >= 12
        })
        // Every snapshot: only the context's own target, and no access in its cold mapping.
        // Within 30 s: a region (mostly) inside the hot mapping that counts accesses (convergence speed
        // depends on how fast this machine samples).
        for (context, pid, hot, cold) in [("root", first.pid, hot1, cold1), ("second", second.pid, hot2, cold2)] {
            var hotSeen = false
            _ = try eventually(30) {
                let text = try c.ask(context == "root" ? "read regions" : "read second/regions").content
                for line in text.split(separator: "\n") {
                    let f = line.split(separator: " ")
                    #expect(Int32(f[0]) == pid, "\(context) reports only its own target")
                    let (start, end, count) = (UInt64(f[1], radix: 16)!, UInt64(f[2], radix: 16)!, Int(f[3])!)
                    if mostlyInside(start, end, hot) && count > 0 { hotSeen = true }
                    if cold.lowerBound <= start && end <= cold.upperBound { #expect(count == 0, "\(context): cold region \(line)") }
                }
                return hotSeen
            }
            #expect(hotSeen, "\(context) has a region inside its hot mapping that counts accesses")
        }
        expectOK(try c.ask("write monitor_on off"))
        #expect(try statusFields(daemon)["state"] == "off" && statusFields(daemon, context: "second")["state"] == "off")
    }

    /// `watch` streams one line per target per aggregation in the contract's format.
    @Test func watchStreams() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let control = try daemon.connect()
        expectOK(try control.ask("write attrs 5000 50000 1000000 10 1000"))
        expectOK(try control.ask("write target_ids \(target.pid)"))
        let watcher = try daemon.connect()
        expectOK(try watcher.ask("watch root"))
        expectError(try control.ask("watch nope"), "ENOENT")
        expectOK(try control.ask("write monitor_on on"))
        for _ in 0..<3 {
            let line = try #require(try watcher.readLine())
            let fields = line.split(separator: " ")
            #expect(fields[0] == "aggregation" && fields[1] == "root" && Int32(fields[2]) == target.pid)
            #expect(Int(fields[4]) == fields.count - 7, "nr_regions matches the region list: \(line)")
            #expect(fields[7...].allSatisfy { $0.split(separator: ":").count == 3 })
        }
        expectOK(try control.ask("write monitor_on off"))
    }

    /// The state file brings every writable field of every context back after a restart:
    /// contexts, attrs, operations, access checks, schemes, targets and init regions, each set
    /// to something other than its default so that a lost field shows.
    @Test func stateFileKeepsEveryField() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-state-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = ["journal_every = 0", "state_file = \(directory)/state"]
        let target = try sleeper()
        defer { target.kill() }
        let other = try sleeper()
        defer { other.kill() }
        let fields: [(file: String, written: String, readBack: String)] = [
            ("attrs", "2000 40000 4000000 6 60", "2000 40000 4000000 6 60\n"),
            ("operations", "fvaddr", "fvaddr\n"),
            ("access_check", "referenced", "referenced\n"),
            ("sampling", "sparse", "sparse\n"),
            ("schemes", "4096 8192 0 5 1 9 5 0 0 0 0 0 0 0 0 0 0 0", "4096 8192 0 5 1 9 5 0 0 0 0 0 0 0 0 0 0 0 0 0\n"),
            ("target_ids", "\(target.pid) \(other.pid)", "\(target.pid) \(other.pid)\n"),
            ("init_regions", "\(target.pid) 4096 8192 \(other.pid) 12288 16384", "\(target.pid) 4096 8192\n\(other.pid) 12288 16384\n"),
        ]
        let keepFields = [
            ("keep/attrs", "1000 20000 2000000 5 50", "1000 20000 2000000 5 50\n"),
            ("keep/operations", "fvaddr", "fvaddr\n"),
            ("keep/access_check", "referenced", "referenced\n"),
            ("keep/schemes", "0 4096 0 0 0 100 2 0 0 0 0 0 0 0 0 0 0 0", "0 4096 0 0 0 100 2 0 0 0 0 0 0 0 0 0 0 0 0 0\n"),
            ("keep/target_ids", "\(other.pid)", "\(other.pid)\n"),
        ]
        do {
            let daemon = try Daemon(settings: settings, directory: directory + "/one")
            defer { withExtendedLifetime(daemon) {} }
            let c = try daemon.connect()
            expectOK(try c.ask("write mk_contexts keep"))
            for (file, written, _) in fields + keepFields { expectOK(try c.ask("write \(file) \(written)")) }
            daemon.stop()
        }
        let daemon = try Daemon(settings: settings, directory: directory + "/two")
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        #expect(try c.ask("status").content.contains("context=keep "))
        for (file, _, readBack) in fields + keepFields { expectOK(try c.ask("read \(file)"), readBack) }
        expectOK(try c.ask("read keep/init_regions"), "")
    }

    /// `monitor_on on` starts every context or none: one context that cannot start (here paddr
    /// with a backend that cannot see physical pages) leaves the others off too.
    @Test func aRefusedOnStartsNoContext() throws {
        let daemon = try Daemon(settings: ["journal_every = 0"])
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write mk_contexts first"))
        expectOK(try c.ask("write mk_contexts second"))
        expectOK(try c.ask("write target_ids \(target.pid)"))
        expectOK(try c.ask("write first/target_ids \(target.pid)"))
        expectOK(try c.ask("write second/access_check referenced"))
        expectOK(try c.ask("write second/target_ids paddr"))
        let refused = try c.ask("write monitor_on on")
        expectError(refused, "ENOTSUP")
        #expect(refused.status.contains("second"), "the answer names the context that could not start: \(refused.status)")
        expectOK(try c.ask("read monitor_on"), "off\n")
        for context in ["root", "first", "second"] { expectOK(try c.ask("read \(context)/kdamond_pid"), "none\n") }
        #expect(!(try c.ask("status").content.contains("state=on")))
        // With the refusing context fixed, all start.
        expectOK(try c.ask("write second/target_ids \(target.pid)"))
        expectOK(try c.ask("write monitor_on on"))
        for context in ["root", "first", "second"] { #expect(try c.ask("read \(context)/kdamond_pid").content != "none\n") }
        expectOK(try c.ask("write monitor_on off"))
    }

    /// SIGTERM stops monitoring and the daemon exits cleanly, removing its socket.
    @Test func sigtermStopsCleanly() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(daemon.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: daemon.socketPath))
        #expect(daemon.log.contains("monitoring stopped: monitor_on off"))
    }
}
