import Foundation
import Glibc
import Testing
import SwamonTestSupport

/// Each case reproduces an attack or a fault that once killed, bloated or stalled the daemon,
/// or let a client see or touch what the kernel would not let it.
@Suite("hardening", .serialized)
struct HardeningTests {
    static let member = ["--reuid=65534", "--regid=65534", "--groups=100"]

    func memberSwamonctl(_ daemon: Daemon, _ arguments: [String], identity: [String] = member) throws -> (status: Int32, out: String, err: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["SWAMON_SOCKET"] = daemon.socketPath
        return try runCommand("/usr/bin/setpriv", identity + [productPath("swamonctl")] + arguments, environment: environment)
    }

    // MARK: Numbers that trapped

    @Test func hugeIntervalsAreRefusedNamingFieldAndLimit() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let refused = try daemon.ask("write attrs 18446744073709552 18446744073709552 60000000 10 1000")
        expectError(refused, "EINVAL")
        #expect(refused.status.contains("sample_us (18446744073709552) must be at most 1000000000000 us"), "\(refused.status)")
        expectError(try daemon.ask("write attrs 5000 100000 1000000000001 10 1000"), "EINVAL")
        expectOK(try daemon.ask("write attrs 1000000000000 1000000000000 1000000000000 10 1000"), "")
        let regions = try daemon.ask("write attrs 5000 100000 1000000 10 1048577")
        #expect(regions.status.contains("max_nr_regions (1048577) must be at most 1048576"), "\(regions.status)")
        // The largest accepted interval runs without trapping, also with the watchdog's arithmetic.
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        expectOK(try daemon.ask("write monitor_on off"))
        #expect(daemon.isRunning)
    }

    @Test func watchdogArithmeticWithTheLongestInterval() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-wd-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(
            directory: directory, environment: ["WATCHDOG_USEC": "2000000", "NOTIFY_SOCKET": "\(directory)/notify"])
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write attrs 1000000000000 1000000000000 1000000000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        usleep(2_500_000)  // more than one supervisor tick (1 s with this watchdog)
        #expect(daemon.isRunning)
        expectOK(try daemon.ask("write monitor_on off"))
    }

    @Test func duplicateTargetsAndAWholeAddressSpaceOfInitRegions() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let pid = target.pid
        expectOK(try daemon.ask("write target_ids \(pid) \(pid) \(pid)"))
        expectOK(try daemon.ask("read target_ids"), "\(pid)\n")
        expectOK(try daemon.ask("write operations fvaddr"))
        expectOK(try daemon.ask("write init_regions \(pid) 0 18446744073709551615"))
        expectOK(try daemon.ask("write attrs 5000 20000 1000000 10 1000"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually { Int((try? statusFields(daemon))?["aggregations"] ?? "") ?? 0 >= 2 })
        expectOK(try daemon.ask("write monitor_on off"))
        #expect(daemon.isRunning)
    }

    @Test func tooManyTargetsAndContexts() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "max_targets = 2", "max_contexts = 2"])
        defer { withExtendedLifetime(daemon) {} }
        let targets = try (0..<3).map { _ in try sleeper() }
        defer { for target in targets { target.kill() } }
        let pids = targets.map { "\($0.pid)" }
        expectOK(try daemon.ask("write target_ids \(pids[0]) \(pids[1]) \(pids[0])"))
        let refused = try daemon.ask("write target_ids \(pids.joined(separator: " "))")
        expectError(refused, "E2BIG")
        #expect(refused.status.contains("at most 2 processes (max_targets)"))
        expectOK(try daemon.ask("read target_ids"), "\(pids[0]) \(pids[1])\n")
        expectOK(try daemon.ask("write mk_contexts one"))
        expectError(try daemon.ask("write mk_contexts two"), "ENOSPC")
    }

    // MARK: Signals

    @Test func signalsDoNotKillSilently() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-sig-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(settings: ["journal_every = 0", "control_group = users"], directory: directory)
        defer { withExtendedLifetime(daemon) {} }
        for signalNumber in [SIGHUP, SIGUSR1, SIGUSR2, SIGPIPE, SIGALRM] {
            kill(daemon.pid, signalNumber)
        }
        #expect(eventually { daemon.log.contains("SIGHUP: configuration reloaded") && daemon.log.contains("signal 10: idle") })
        #expect(daemon.isRunning)
        expectOK(try daemon.ask("version"), "swamond 0.1.0 protocol 1\n")
        // SIGHUP applies a new control group to new connections.
        try "journal_every = 0\ncontrol_group = nogroup\n".write(toFile: "\(directory)/swamond.conf", atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        #expect(eventually { daemon.log.contains("control_group users -> nogroup") })
        // A broken file is refused and the running configuration stays.
        try "journal_every = many\n".write(toFile: "\(directory)/swamond.conf", atomically: true, encoding: .utf8)
        kill(daemon.pid, SIGHUP)
        #expect(eventually { daemon.log.contains("SIGHUP: configuration not reloaded") })
        #expect(daemon.isRunning)
    }

    // MARK: Bounded resources

    /// A client that pipelines requests and never reads the replies: swamond stops reading from
    /// it instead of buffering replies without bound, and serves others meanwhile.
    @Test func repliesNobodyReadsAreNotBufferedWithoutBound() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let before = daemon.residentKiB
        let flooder = try daemon.connect()
        let chunk = Array(String(repeating: "help\n", count: 10_000).utf8)
        var flags = fcntl(flooder.fd, F_GETFL)
        flags |= O_NONBLOCK
        _ = fcntl(flooder.fd, F_SETFL, flags)
        var sent = 0
        let deadline = Date().addingTimeInterval(5)
        while Date() < deadline && sent < 400 * chunk.count {
            let n = chunk.withUnsafeBytes { write(flooder.fd, $0.baseAddress, $0.count) }
            if n > 0 { sent += n } else { usleep(10_000) }
        }
        // 80 k help requests would be ~60 MB of replies; the sockets' buffers hold a few MB at most.
        #expect(sent < 100 * chunk.count, "the daemon stopped reading: \(sent) bytes taken")
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        let during = daemon.residentKiB
        #expect(during - before < 64 * 1024, "RSS grew from \(before) to \(during) KiB")
    }

    @Test func unfinishedLinesShareOneBudget() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "max_buffered_input = 1048576"])
        defer { withExtendedLifetime(daemon) {} }
        let first = try daemon.connect()
        try first.send(String(repeating: "x", count: 700_000))
        let second = try daemon.connect()
        try second.send(String(repeating: "y", count: 700_000))
        let dropped = try second.response()
        #expect(dropped.status.hasPrefix("error E2BIG unfinished request line dropped"), "\(dropped.status)")
        try second.send("\nversion\n")
        expectOK(try second.response(), "swamond 0.1.0 protocol 1\n")
        try first.send("\n")
        expectError(try first.response(), "EINVAL")
    }

    @Test func connectionLimitsAndTimeouts() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "max_connections = 3", "request_timeout = 1", "idle_timeout = 2"])
        defer { withExtendedLifetime(daemon) {} }
        let held = try (0..<3).map { _ in try daemon.connect() }
        for connection in held { expectOK(try connection.ask("version")) }
        let fourth = try daemon.connect()
        let refused = try fourth.response()
        #expect(refused.status.hasPrefix("error EAGAIN swamond serves at most 3 connections"), "\(refused.status)")
        // An unfinished line is closed after request_timeout, an idle connection after idle_timeout.
        try held[0].send("read att")
        let timedOut = try held[0].response()
        #expect(timedOut.status.contains("not finished within 1 s"), "\(timedOut.status)")
        #expect(try held[1].readLine() == nil, "idle connection closed")
        expectOK(try daemon.connect().ask("version"))
    }

    @Test func perUIDLimit() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "max_connections_per_uid = 1", "socket_mode = 0666"])
        defer { withExtendedLifetime(daemon) {} }
        var environment = ProcessInfo.processInfo.environment
        environment["SWAMON_SOCKET"] = daemon.socketPath
        let holder = try ChildProcess("/usr/bin/setpriv", Self.member + [productPath("swamonctl"), "watch"], environment: environment)
        defer { holder.kill() }
        #expect(eventually { ((try? daemon.ask("status").content) ?? "").contains("watchers=1") })
        let second = try memberSwamonctl(daemon, ["status"])
        #expect(second.status == 1 && second.err.contains("uid 65534 has 1 connections open"), "\(second.err)")
        expectOK(try daemon.ask("version"), "swamond 0.1.0 protocol 1\n")
    }

    /// Out of descriptors, accept fails: swamond backs off (no busy loop), says so, and recovers.
    @Test func runningOutOfDescriptors() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let open = daemon.openDescriptors
        let limit = open + 8
        #expect(try runCommand("/usr/bin/prlimit", ["--pid", "\(daemon.pid)", "--nofile=\(limit):\(limit)"]).status == 0)
        let cpuBefore = cpuSeconds(daemon.pid)
        var clients: [Int32] = []
        for _ in 0..<20 {
            let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
            _ = withUnixAddress(daemon.socketPath) { connect(fd, $0, $1) }
            clients.append(fd)
        }
        sleep(3)
        let cpu = cpuSeconds(daemon.pid) - cpuBefore
        #expect(cpu < 1.0, "accept must not spin: \(cpu) s of CPU in 3 s")
        #expect(eventually { daemon.log.contains("cannot accept control connections") })
        #expect(daemon.log.components(separatedBy: "cannot accept control connections").count == 2, "said once")
        for fd in clients { close(fd) }
        #expect(eventually(10) { (try? daemon.ask("version"))?.status == "ok" }, "recovered")
    }

    func cpuSeconds(_ pid: Int32) -> Double {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8), let close = text.lastIndex(of: ")") else {
            return 0
        }
        let fields = text[text.index(after: close)...].split(separator: " ")
        return ((Double(fields[11]) ?? 0) + (Double(fields[12]) ?? 0)) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    @Test func descriptorExhaustionIsReportedAsSuch() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let connection = try daemon.connect()
        expectOK(try connection.ask("version"))
        // New descriptors take the lowest free number: a limit at it makes every open fail.
        let open = Set(((try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(daemon.pid)/fd")) ?? []).compactMap { Int($0) })
        let lowestFree = (0...).first { !open.contains($0) }!
        #expect(try runCommand("/usr/bin/prlimit", ["--pid", "\(daemon.pid)", "--nofile=\(lowestFree):\(lowestFree)"]).status == 0)
        let refused = try connection.ask("write target_ids \(target.pid)")
        expectError(refused, "EMFILE")
        #expect(refused.status.contains("out of file descriptors"), "\(refused.status)")
        expectOK(try connection.ask("read target_ids"), "\n")
    }

    /// State-file writes happen off the event loop: one client's burst of writes does not hold
    /// up another client.
    @Test func aBurstOfWritesDoesNotStallOthers() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-burst-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let daemon = try Daemon(
            settings: ["journal_every = 0", "max_contexts = 256", "state_file = \(directory)/lib/state"], directory: directory)
        defer { withExtendedLifetime(daemon) {} }
        for index in 0..<200 { expectOK(try daemon.ask("write mk_contexts c\(index)")) }
        let burst = try daemon.connect()
        try burst.send((0..<300).map { "write c\($0 % 200)/attrs 5000 100000 \(1_000_000 + $0) 10 1000\n" }.joined())
        let started = Date()
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        #expect(Date().timeIntervalSince(started) < 2, "another client is answered while the burst is saved")
        for _ in 0..<300 { expectOK(try burst.response()) }
        let state = try String(contentsOfFile: "\(directory)/lib/state", encoding: .utf8)
        #expect(state.contains("write c99/attrs 5000 100000 1000299 10 1000"), "the last write is saved")
    }

    // MARK: Authorisation by the kernel's ptrace rule

    @Test func aSetuidProgramTheMemberStartedIsNotTheirs() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let directory = daemon.directory + "/bin"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let setuidSleep = directory + "/sleep"
        try FileManager.default.copyItem(atPath: "/bin/sleep", toPath: setuidSleep)
        chown(setuidSleep, 0, 0)
        chmod(setuidSleep, 0o4755)
        let program = try ChildProcess("/usr/bin/setpriv", Self.member + [setuidSleep, "600"])
        defer { program.kill() }
        #expect(eventually {
            (try? String(contentsOfFile: "/proc/\(program.pid)/status", encoding: .utf8))?.contains("Uid:\t65534\t0\t0") == true
        })
        let refused = try memberSwamonctl(daemon, ["targets", "\(program.pid)"])
        #expect(refused.status == 1 && refused.err.contains("EACCES") && refused.err.contains("as for ptrace"), "\(refused.err)")
        expectOK(try daemon.ask("read target_ids"), "\n")
    }

    @Test func readOnlyPeersSeeOnlyWhatTheyCouldInspect() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let rootOwned = try sleeper()
        defer { rootOwned.kill() }
        let own = try ChildProcess("/usr/bin/setpriv", Self.member + ["/bin/sleep", "600"])
        defer { own.kill() }
        #expect(eventually {
            (try? String(contentsOfFile: "/proc/\(own.pid)/status", encoding: .utf8))?.contains("Uid:\t65534") == true
        })
        expectOK(try daemon.ask("write attrs 5000 20000 1000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(rootOwned.pid) \(own.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually { (try? daemon.ask("read regions").content.contains("\(own.pid) ")) == true })
        let seen = try memberSwamonctl(daemon, ["read", "regions"], identity: ["--reuid=65534", "--regid=65534", "--clear-groups"])
        #expect(seen.status == 0)
        #expect(seen.out.contains("\(own.pid) ") && !seen.out.contains("\(rootOwned.pid) "), "\(seen.out)")
        var environment = ProcessInfo.processInfo.environment
        environment["SWAMON_SOCKET"] = daemon.socketPath
        let watcher = try ChildProcess(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", productPath("swamonctl"), "watch", "--raw"],
            environment: environment)
        defer { watcher.kill() }
        for _ in 0..<6 {
            let line = watcher.readLine()
            #expect(line.hasPrefix("aggregation root \(own.pid) "), "\(line)")
        }
    }

    // MARK: One instance per state file; restart resumes

    @Test func oneDaemonPerStateFile() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-lock-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = "\(directory)/lib/state"
        let first = try Daemon(settings: ["journal_every = 0", "state_file = \(state)"], directory: directory + "/one")
        defer { withExtendedLifetime(first) {} }
        try FileManager.default.createDirectory(atPath: directory + "/two", withIntermediateDirectories: true)
        chmod(directory + "/two", 0o755)
        let second = try runCommand(productPath("swamond"), ["--socket", directory + "/two/s.sock", "--set", "state_file=\(state)"])
        #expect(second.status == 78 && second.err.contains("another swamond (pid \(first.pid)) is using the state file \(state)"), "\(second.err)")
    }

    @Test func aKilledDaemonResumesMonitoringTheSameProcesses() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-resume-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let settings = ["journal_every = 0", "state_file = \(directory)/lib/state"]
        let staying = try sleeper()
        defer { staying.kill() }
        let leaving = try sleeper()
        do {
            let daemon = try Daemon(settings: settings, directory: directory + "/one")
            defer { withExtendedLifetime(daemon) {} }
            expectOK(try daemon.ask("write mk_contexts other"))
            expectOK(try daemon.ask("write attrs 5000 20000 1000000 10 1000"))
            expectOK(try daemon.ask("write target_ids \(staying.pid) \(leaving.pid)"))
            expectOK(try daemon.ask("write other/target_ids \(staying.pid)"))
            expectOK(try daemon.ask("write monitor_on on"))
            kill(daemon.pid, SIGKILL)
            daemon.process.process.waitUntilExit()
        }
        leaving.kill()
        let daemon = try Daemon(settings: settings, directory: directory + "/two")
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("read monitor_on"), "on\n")
        expectOK(try daemon.ask("read target_ids"), "\(staying.pid)\n")
        expectOK(try daemon.ask("read other/target_ids"), "\(staying.pid)\n")
        #expect(eventually { daemon.log.contains("root: after the restart, monitoring again pid \(staying.pid); gone: pid \(leaving.pid)") }, "\(daemon.log)")
        #expect(daemon.log.contains("monitoring resumed after a restart"))
        // A clean stop (SIGTERM, as systemctl restart does) also leaves monitoring to resume.
        #expect(daemon.stop() == 0)
        let again = try Daemon(settings: settings, directory: directory + "/three")
        defer { withExtendedLifetime(again) {} }
        expectOK(try again.ask("read monitor_on"), "on\n")
        // After `off` nothing resumes.
        expectOK(try again.ask("write monitor_on off"))
        #expect(again.stop() == 0)
        let last = try Daemon(settings: settings, directory: directory + "/four")
        defer { withExtendedLifetime(last) {} }
        expectOK(try last.ask("read monitor_on"), "off\n")
    }

    @Test func aReusedPidIsNotAdoptedAfterRestart() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-reuse-\(UUID().uuidString)").path
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try FileManager.default.createDirectory(atPath: directory + "/lib", withIntermediateDirectories: true)
        let target = try sleeper()
        defer { target.kill() }
        // A state file naming this pid with another start time: a different process.
        try "write attrs 5000 20000 1000000 10 1000\nresume target_ids root \(bootID()) \(target.pid)@1\nresume monitor_on on\n"
            .write(toFile: directory + "/lib/state", atomically: true, encoding: .utf8)
        let daemon = try Daemon(settings: ["journal_every = 0", "state_file = \(directory)/lib/state"], directory: directory + "/run")
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("read target_ids"), "\n")
        expectOK(try daemon.ask("read monitor_on"), "off\n")
        #expect(eventually { daemon.log.contains("gone: pid \(target.pid)") && daemon.log.contains("cannot resume") })
    }

    func bootID() -> String {
        ((try? String(contentsOfFile: "/proc/sys/kernel/random/boot_id", encoding: .utf8)) ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
