import Foundation
import SwamonTestSupport
import Testing

/// A real process with a cold file mapping (read once, then never) and a hot anonymous one
/// (written continuously), for DAMOS on this kernel's `referenced` backend.
final class ColdFileHotAnon {
    let child: ChildProcess
    let file: String
    let directory: String
    /// Where the hot anonymous mapping starts (the script prints it).
    let hotStart: UInt64

    static let script = """
        import ctypes, mmap, os, sys, time
        path = sys.argv[1]
        size = 64 << 20
        with open(path, "wb") as f:
            f.write(os.urandom(1 << 20) * 64)
        fd = os.open(path, os.O_RDONLY)
        cold = mmap.mmap(fd, size, mmap.MAP_SHARED, mmap.PROT_READ)
        total = 0
        for offset in range(0, size, 4096):
            total += cold[offset]
        hot = mmap.mmap(-1, 16 << 20)
        address = ctypes.addressof(ctypes.c_char.from_buffer(hot))
        for offset in range(0, 16 << 20, 4096):
            hot[offset] = 1
        print(f"ready {os.getpid()} {address:x}", flush=True)
        while True:
            for offset in range(0, 16 << 20, 4096):
                hot[offset] = (hot[offset] + 1) % 256
            time.sleep(0.005)
        """

    init() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamon-damos-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        file = directory + "/cold.data"
        child = try ChildProcess("/usr/bin/python3", ["-c", Self.script, file])
        let line = child.readLine()
        let fields = line.split(separator: " ")
        precondition(fields.count == 3 && fields[0] == "ready", "workload said: \(line)")
        hotStart = UInt64(fields[2], radix: 16) ?? 0
    }

    var pid: Int32 { child.pid }

    /// Resident KiB of the mapping whose smaps header line satisfies `match`.
    func residentKiB(where match: (Substring) -> Bool) -> Int {
        // Not String(contentsOfFile:): it stops after the first 4 KiB of a /proc file.
        let smaps = FileHandle(forReadingAtPath: "/proc/\(pid)/smaps").map { String(decoding: $0.readDataToEndOfFile(), as: UTF8.self) } ?? ""
        var inside = false
        for line in smaps.split(separator: "\n") {
            if let first = line.first, first.isHexDigit, line.contains("-") && line.split(separator: " ").count >= 5 {
                inside = match(line)
            } else if inside && line.hasPrefix("Rss:") {
                return Int(line.split(separator: " ")[1]) ?? -1
            }
        }
        return -1
    }

    var coldKiB: Int { residentKiB { $0.hasSuffix(file) } }
    /// The 16 MiB anonymous mapping the script writes to.
    var hotKiB: Int {
        residentKiB { line in UInt64(line.split(separator: "-")[0], radix: 16) == hotStart }
    }

    deinit {
        child.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// `schemes_stats` of one scheme: nr_tried sz_tried nr_applied sz_applied qt_exceeds.
func schemeStats(_ daemon: Daemon, _ index: Int = 0, context: String = "root") throws -> [UInt64] {
    let lines = try daemon.ask("read \(context)/schemes_stats").content.split(separator: "\n")
    guard index < lines.count else { return [] }
    return lines[index].split(separator: " ").compactMap { UInt64($0) }
}

/// The free memory rate in per mille, as swamond computes it (MemFree / MemTotal).
func freeMemoryRate() -> UInt64 {
    let text = (try? String(contentsOfFile: "/proc/meminfo", encoding: .utf8)) ?? ""
    func value(_ key: String) -> UInt64 {
        let line = text.split(separator: "\n").first { $0.hasPrefix(key) } ?? ""
        return UInt64(line.split(separator: " ").dropFirst().first ?? "") ?? 0
    }
    return value("MemFree:") * 1000 / max(value("MemTotal:"), 1)
}

let everything = "0 18446744073709551615 0 4294967295 0 4294967295"
let fast = "write attrs 5000 100000 1000000 10 1000"

/// A daemon monitoring `pid` at 5 ms / 100 ms with `schemes`, started.
func monitoring(_ pid: Int32, schemes: String) throws -> Daemon {
    let daemon = try Daemon(settings: ["journal_every = 0"])
    expectOK(try daemon.ask(fast))
    expectOK(try daemon.ask("write target_ids \(pid)"))
    expectOK(try daemon.ask("write schemes \(schemes)"))
    expectOK(try daemon.ask("write monitor_on on"))
    return daemon
}

@Suite("DAMOS with real processes", .serialized)
struct DamosTests {
    /// The proactive-reclaim scheme: regions not accessed for 3 aggregations are paged out. The
    /// cold file mapping leaves memory, the hot anonymous one stays, the statistics say so.
    @Test func pageoutEvictsTheColdMappingAndKeepsTheHotOne() throws {
        let workload = try ColdFileHotAnon()
        #expect(workload.coldKiB == 65536, "the whole file was read in")
        let daemon = try monitoring(workload.pid, schemes: "4096 18446744073709551615 0 0 3 4294967295 2 0 0 0 0 0 0 0 0 0 0 0")
        defer { withExtendedLifetime(daemon) {} }
        #expect(eventually(60) { workload.coldKiB < 65536 / 16 }, "cold mapping still \(workload.coldKiB) KiB resident")
        #expect(workload.hotKiB >= 16384 - 64, "hot mapping \(workload.hotKiB) KiB")
        let stats = try schemeStats(daemon)
        #expect(stats.count == 5)
        #expect(stats[2] >= 1 && stats[3] >= 64 << 20 - (4 << 20), "applied \(stats)")
        #expect(stats[1] >= stats[3], "tried bytes include the applied ones")
        let status = try statusFields(daemon)
        #expect(status["schemes"] == "1" && status["schemes_active"] == "1" && status["paused"] == "no")
        #expect(daemon.log.contains("scheme 0 (pageout) applied to"))
        // The 5.16 read-back: inputs, then nr_tried and sz_tried.
        let schemes = try daemon.ask("read schemes").content.split(whereSeparator: \.isWhitespace).compactMap { UInt64($0) }
        #expect(schemes.count == 20)
    }

    /// stat counts what matches and changes nothing.
    @Test func statCountsWithoutTouching() throws {
        let workload = try ColdFileHotAnon()
        let daemon = try monitoring(workload.pid, schemes: "\(everything) 5 0 0 0 0 0 0 0 0 0 0 0")
        defer { withExtendedLifetime(daemon) {} }
        #expect(eventually(10) { ((try? schemeStats(daemon)) ?? []).first ?? 0 >= 20 })
        let stats = try schemeStats(daemon)
        #expect(stats[2] == 0 && stats[3] == 0, "stat applies nothing: \(stats)")
        #expect(workload.coldKiB == 65536)
    }

    /// A size quota of 1 MiB per 500 ms caps the bytes tried per window; windows that used it up
    /// are counted.
    @Test func aSizeQuotaCapsEachWindow() throws {
        let workload = try ColdFileHotAnon()
        let started = Date()
        let daemon = try monitoring(workload.pid, schemes: "\(everything) 5 0 1048576 500 0 1 1 0 0 0 0 0")
        defer { withExtendedLifetime(daemon) {} }
        Thread.sleep(forTimeInterval: 3)
        let stats = try schemeStats(daemon)
        let elapsed = Date().timeIntervalSince(started)
        let windows = UInt64(elapsed / 0.5) + 1
        #expect(stats[1] <= windows << 20, "tried \(stats[1]) bytes in at most \(windows) windows of 1 MiB")
        #expect(stats[1] >= 2 << 20, "several windows ran: \(stats)")
        #expect(stats[4] >= 2, "windows that used the quota up: \(stats)")
        #expect(workload.coldKiB == 65536)
    }

    /// Watermarks around the machine's free-memory rate: a high mark below it switches the scheme
    /// off and pauses monitoring; a commit with marks around it switches it on again.
    @Test func watermarksSwitchAndCommitResumes() throws {
        let workload = try ColdFileHotAnon()
        let daemon = try Daemon(settings: ["journal_every = 0"])
        defer { withExtendedLifetime(daemon) {} }
        let rate = freeMemoryRate()
        try #require(rate > 10 && rate < 990, "free memory rate \(rate)‰ leaves no room for marks on either side")
        expectOK(try daemon.ask(fast))
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        // Active only while free memory is at most rate - 10 ‰: it is not.
        expectOK(try daemon.ask("write schemes \(everything) 5 0 0 0 0 0 0 1 100000 \(rate - 10) \(rate - 20) 0"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually(10) { (try? statusFields(daemon))?["paused"] == "watermarks" })
        let pausedAt = try statusFields(daemon)["samples"]
        Thread.sleep(forTimeInterval: 0.5)
        #expect(try statusFields(daemon)["samples"] == pausedAt, "no sampling while paused")
        #expect(try statusFields(daemon)["schemes_active"] == "0")
        // Stays responsive: a commit moves the marks around the rate (active below mid).
        let low = rate - 10
        expectOK(try daemon.ask("write commit_schemes \(everything) 5 0 0 0 0 0 0 1 100000 1000 1000 \(low)"))
        #expect(eventually(10) { (try? statusFields(daemon))?["paused"] == "no" })
        #expect(eventually(10) { ((try? schemeStats(daemon)) ?? []).first ?? 0 > 0 })
        #expect(daemon.log.contains("monitoring paused: the watermarks deactivated every scheme"))
        #expect(daemon.log.contains("monitoring resumed"))
        // And `off` ends a paused context at once.
        expectOK(try daemon.ask("write commit_schemes \(everything) 5 0 0 0 0 0 0 1 100000 \(rate - 10) \(rate - 20) 0"))
        #expect(eventually(10) { (try? statusFields(daemon))?["paused"] == "watermarks" })
        let stopping = Date()
        expectOK(try daemon.ask("write monitor_on off"))
        #expect(Date().timeIntervalSince(stopping) < 2)
    }

    /// hugepage cannot be applied to another process: tried, never applied, said once.
    @Test func hugepageIsTriedNeverAppliedSaidOnce() throws {
        let target = try sleeper()
        defer { target.kill() }
        let daemon = try monitoring(target.pid, schemes: "\(everything) 3 0 0 0 0 0 0 0 0 0 0 0")
        defer { withExtendedLifetime(daemon) {} }
        #expect(eventually(10) { ((try? schemeStats(daemon)) ?? []).first ?? 0 >= 10 })
        let stats = try schemeStats(daemon)
        #expect(stats[2] == 0 && stats[3] == 0)
        let said = daemon.log.components(separatedBy: "is tried but never applied: process_madvise(2) does not take MADV_HUGEPAGE").count - 1
        #expect(said == 1)
        #expect(try statusFields(daemon)["schemes_active"] == "1", "tried is active")
    }

    /// A kernel that refuses the advice (here: swamond without CAP_SYS_NICE, which
    /// process_madvise needs for another process) makes that scheme inactive with the errno;
    /// monitoring and the other schemes go on.
    @Test func aRefusedAdviceDeactivatesTheSchemeOnly() throws {
        let workload = try ColdFileHotAnon()
        let daemon = try Daemon(launcher: ["/usr/bin/setpriv", "--bounding-set=-sys_nice", "--inh-caps=-sys_nice", "--"])
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask(fast))
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write schemes \(everything) 2 0 0 0 0 0 0 0 0 0 0 0 \(everything) 5 0 0 0 0 0 0 0 0 0 0 0"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually(20) { (try? statusFields(daemon))?["schemes_refused"] == "0:EPERM" })
        let status = try statusFields(daemon)
        #expect(status["schemes_active"] == "1" && status["state"] == "on")
        #expect(daemon.log.contains("scheme 0 (pageout) is inactive: process_madvise(pageout) is not permitted"))
        let tried = try schemeStats(daemon, 0)[0]
        #expect(eventually { ((try? schemeStats(daemon, 1)) ?? []).first ?? 0 > 10 }, "stat goes on")
        #expect(try schemeStats(daemon, 0)[0] == tried, "the refused scheme is not tried again")
        #expect(workload.coldKiB == 65536)
    }

    /// Online tuning keeps targets and regions: new attrs read back, the thread and the regions stay.
    @Test func commitAttrsKeepsRegionsAndThread() throws {
        let target = try sleeper()
        defer { target.kill() }
        let daemon = try Daemon(settings: ["journal_every = 0"])
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask(fast))
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually { !((try? daemon.ask("read regions").content) ?? "").isEmpty })
        let thread = try daemon.ask("read kdamond_pid").content
        expectError(try daemon.ask("write attrs 5000 200000 1000000 10 1000"), "EBUSY")
        expectError(try daemon.ask("write commit_attrs 5000 4000 1000000 10 1000"), "EINVAL")
        expectOK(try daemon.ask("write commit_attrs 5000 200000 1000000 10 1000"))
        expectOK(try daemon.ask("read attrs"), "5000 200000 1000000 10 1000\n")
        expectOK(try daemon.ask("read kdamond_pid"), thread)
        expectOK(try daemon.ask("read target_ids"), "\(target.pid)\n")
        #expect(!(try daemon.ask("read regions").content.isEmpty))
        expectError(try daemon.ask("read commit_attrs"), "EINVAL")
        expectError(try daemon.ask("write schemes_stats 1"), "EINVAL")
        // On a stopped context a commit is a plain write.
        expectOK(try daemon.ask("write monitor_on off"))
        expectOK(try daemon.ask("write commit_schemes \(everything) 5 0 0 0 0 0 0 0 0 0 0 0"))
        expectOK(try daemon.ask("read schemes"), "\(everything) 5 0 0 0 0 0 0 0 0 0 0 0 0 0\n")
    }

    /// paddr cannot act from user space: only stat is accepted at `on`.
    @Test func paddrRefusesActingSchemes() throws {
        let daemon = try Daemon(settings: ["journal_every = 0"])
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("write target_ids paddr"))
        expectOK(try daemon.ask("write schemes \(everything) 2 0 0 0 0 0 0 0 0 0 0 0"))
        let refused = try daemon.ask("write monitor_on on")
        expectError(refused, "ENOTSUP")
        #expect(refused.status.contains("paddr schemes can only count (stat)"))
        expectOK(try daemon.ask("read monitor_on"), "off\n")
    }
}

/// Nobody can have an action applied to a process they could not act on themselves.
@Suite("DAMOS authorisation", .serialized)
struct DamosAuthorizationTests {
    static let member = AuthorizationTests.member

    func swamonctl(_ daemon: Daemon, _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try SwamondTests.swamonctl(daemon, as: Self.member, arguments)
    }

    @Test func actingSchemesOnlyOnOwnProcesses() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let own = try memberSleeper()
        defer { own.kill() }
        let rootOwned = try sleeper()
        defer { rootOwned.kill() }
        let pageout = "\(everything) 2 0 0 0 0 0 0 0 0 0 0 0"
        let stat = "\(everything) 5 0 0 0 0 0 0 0 0 0 0 0"

        // Root's targets first: the member may count, not act.
        expectOK(try daemon.ask("write target_ids \(rootOwned.pid)"))
        let refused = try swamonctl(daemon, ["write", "schemes", pageout])
        #expect(refused.status == 1 && refused.err.contains("EACCES"), "\(refused.err)")
        expectOK(try daemon.ask("read schemes"), "")
        #expect(try swamonctl(daemon, ["write", "schemes", stat]).status == 0)
        // Schemes first, then targets: a member's own targets with its pageout scheme.
        #expect(try swamonctl(daemon, ["write", "target_ids", "\(own.pid)"]).status == 0)
        #expect(try swamonctl(daemon, ["write", "schemes", pageout]).status == 0)
        // …but not root's process under a member's scheme write, nor through commit.
        expectOK(try daemon.ask("write target_ids \(own.pid) \(rootOwned.pid)"))
        #expect(try swamonctl(daemon, ["write", "schemes", pageout]).err.contains("EACCES"))
        #expect(try swamonctl(daemon, ["write", "commit_schemes", pageout]).err.contains("EACCES"))
        let friendly = try swamonctl(daemon, ["schemes", "add", "pageout", "--min-age", "1s"])
        #expect(friendly.status == 1 && friendly.err.contains("EACCES"), "\(friendly.err)")
        // Physical memory: never.
        expectOK(try daemon.ask("write schemes"))
        expectOK(try daemon.ask("write target_ids paddr"))
        #expect(try swamonctl(daemon, ["write", "schemes", pageout]).err.contains("EACCES"))
        #expect(try swamonctl(daemon, ["write", "schemes", stat]).status == 0)
    }
}
