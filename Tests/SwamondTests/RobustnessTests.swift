import Foundation
import Glibc
import Synchronization
import Testing
import SwamonTestSupport

/// Bad input of every kind gets an error or a closed connection — never a crash, a hang, or a
/// stall of another client or of monitoring.
@Suite("robustness", .serialized)
struct RobustnessTests {
    /// debugfs_huge_count_read_write.sh, socket edition: a line over 1 MiB is answered with
    /// E2BIG once, the rest of it is discarded, and the connection stays usable.
    @Test func hugeLines() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        try c.send("write attrs " + String(repeating: "9", count: 2 << 20) + "\nread attrs\n")
        expectError(try c.response(), "E2BIG")
        expectOK(try c.response(), "5000 100000 60000000 10 1000\n")
        try c.send(String(repeating: "x", count: 3 << 19))
        try c.send(String(repeating: "y", count: 3 << 19) + "\nversion\n")
        expectError(try c.response(), "E2BIG")
        expectOK(try c.response(), "swamond 0.1.0 protocol 1\n")
        expectOK(try c.ask("read attrs"), "5000 100000 60000000 10 1000\n")
    }

    @Test func garbageAndBinary() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        var random = SystemRandomNumberGenerator()
        for _ in 0..<50 {
            var bytes = (0..<Int.random(in: 1...300, using: &random)).map { _ in UInt8.random(in: 0...255, using: &random) }
            bytes.removeAll { $0 == 0x0A }
            try c.send(bytes + [0x0A])
            let response = try c.response()
            #expect(response.status.hasPrefix("error "), "\(response.status)")
        }
        for line in ["write", "write  ", "read //", "write /attrs 1", "watch a b", "write attrs \u{0}1 2 3 4 5"] {
            #expect(try c.ask(line).status.hasPrefix("error "), "\(line)")
        }
        // A NUL ends the number, as it ends the kernel's C string.
        expectOK(try c.ask("write target_ids 1\u{0}2"))
        expectOK(try c.ask("read target_ids"), "1\n")
        expectOK(try c.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        #expect(daemon.isRunning)
    }

    /// Thousands of connections opened and dropped, half lines abandoned mid-request: no
    /// descriptor leaks, and the daemon still answers.
    @Test func connectionChurn() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("version"))
        let baseline = daemon.openDescriptors
        for round in 0..<2000 {
            let c = try daemon.connect()
            if round % 2 == 0 { try c.send("read att") }
        }
        let stalled = try daemon.connect()
        defer { withExtendedLifetime(stalled) {} }
        try stalled.send("write attrs 1 2")  // never finished
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        #expect(eventually { daemon.openDescriptors <= baseline + 2 }, "fds \(daemon.openDescriptors) vs \(baseline)")
    }

    /// Many requests in one write come back answered in order.
    @Test func pipelining() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        var batch = ""
        for i in 0..<300 { batch += "write attrs \(i + 1) \(i + 100) 1000000 10 1000\nread attrs\n" }
        try c.send(batch)
        for i in 0..<300 {
            expectOK(try c.response())
            expectOK(try c.response(), "\(i + 1) \(i + 100) 1000000 10 1000\n")
        }
    }

    /// A watcher that never reads cannot slow monitoring or other clients; what it cannot take
    /// is dropped and counted in status.
    @Test func slowWatcherNeverStalls() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 4, coldMiB: 16)
        defer { workload.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write attrs 1000 2000 1000000 500 1000"))
        expectOK(try c.ask("write target_ids \(workload.pid)"))
        let lazy = try daemon.connect()
        defer { withExtendedLifetime(lazy) {} }
        try lazy.send("watch\n")
        expectOK(try c.ask("write monitor_on on"))
        // Until the lazy watcher's buffers are full and lines get dropped (bounded at 20 s),
        // monitoring must keep aggregating and status must keep answering promptly.
        var previous = 0
        var slowest = 0.0
        var drops = 0
        let deadline = Date().addingTimeInterval(20)
        while drops == 0 && Date() < deadline {
            usleep(300_000)
            let started = Date()
            let status = try daemon.ask("status").content
            slowest = max(slowest, Date().timeIntervalSince(started))
            let aggregations = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
            #expect(aggregations > previous, "monitoring keeps going: \(aggregations)")
            previous = aggregations
            let field = status.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix("watch_drops=") }
            drops = field.flatMap { Int($0.dropFirst("watch_drops=".count)) } ?? 0
        }
        #expect(slowest < 0.5, "status answered within \(slowest) s")
        #expect(drops > 0, "lines the watcher could not take are dropped and counted")
        expectOK(try c.ask("write monitor_on off"))
    }
}

final class ReadCounts: Sendable {
    let reads = Atomic<Int>(0)
    let bad = Atomic<Int>(0)
    let done = DispatchSemaphore(value: 0)
}

/// The kernel's debugfs selftests that exercise lifetimes, ported to the socket.
@Suite("debugfs selftests", .serialized)
struct DebugfsSelftestTests {
    /// debugfs_target_ids_pid_leak: 1000 short-lived processes each become the target and
    /// exit. The daemon holds a pidfd per current target only, so neither descriptors nor
    /// memory grow.
    @Test func targetIDsPidLeak() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("version"))
        let descriptors = daemon.openDescriptors
        let resident = daemon.residentKiB
        for _ in 0..<1000 {
            let pid = try spawnProcess("/bin/true")
            _ = try c.ask("write target_ids \(pid)")  // EINVAL once it has exited: fine
            reapProcess(pid)
        }
        expectOK(try c.ask("write target_ids"))
        #expect(daemon.openDescriptors <= descriptors + 2, "fds \(daemon.openDescriptors) vs \(descriptors)")
        #expect(daemon.residentKiB - resident < 8192, "RSS grew from \(resident) to \(daemon.residentKiB) KiB")
    }

    /// debugfs_target_ids_read_before_terminate_race: targets start monitoring and exit at once
    /// while another client keeps reading target_ids; every read is consistent and the daemon
    /// survives.
    @Test func readBeforeTerminateRace() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let writer = try daemon.connect()
        expectOK(try writer.ask("write attrs 1000 2000 1000000 10 1000"))
        let stop = Date().addingTimeInterval(3)
        let counts = ReadCounts()
        let path = daemon.socketPath
        let reader = Thread {
            defer { counts.done.signal() }
            guard let client = try? RawClient(path: path) else { return }
            while Date() < stop {
                guard let response = try? client.ask("read target_ids") else { return }
                let ids = response.content.split(whereSeparator: \.isWhitespace)
                counts.reads.add(1, ordering: .relaxed)
                if response.status != "ok" || ids.count > 1 || ids.contains(where: { Int32($0) == nil }) {
                    counts.bad.add(1, ordering: .relaxed)
                }
            }
        }
        reader.start()
        var started = 0
        while Date() < stop {
            let child = try ChildProcess("/bin/sleep", ["0.001"])
            defer { child.kill() }
            if try writer.ask("write target_ids \(child.pid)").status == "ok",
                try writer.ask("write monitor_on on").status == "ok"
            {
                started += 1
            }
            child.kill()
            _ = eventually(2) { (try? daemon.ask("read monitor_on").content) == "off\n" }
        }
        counts.done.wait()
        #expect(started >= 5, "monitoring started and ended \(started) times")
        #expect(counts.reads.load(ordering: .relaxed) > 100)
        #expect(counts.bad.load(ordering: .relaxed) == 0)
        #expect(daemon.isRunning)
        expectOK(try daemon.ask("read monitor_on"), "off\n")
    }
}
