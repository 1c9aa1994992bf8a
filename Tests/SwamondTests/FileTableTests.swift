import Foundation
import Testing
import SwamonTestSupport

/// Every row of the contract's file table and every errno, against the real daemon over its
/// socket (docs/protocol.md; the kernel's debugfs selftests where they apply).
@Suite("protocol files", .serialized)
struct FileTableTests {
    /// debugfs_attrs.sh plus the contract's rules.
    @Test func attrs() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        expectOK(try c.ask("write attrs 1 2 3 4 5"))
        expectError(try c.ask("write attrs 1 2 3 4"), "EINVAL")
        expectError(try c.ask("write attrs 1 2 3 5 4"), "EINVAL")
        expectError(try c.ask("write attrs 1 2 3 2 4"), "EINVAL")
        expectError(try c.ask("write attrs 0 2 3 4 5"), "EINVAL")
        expectError(try c.ask("write attrs 5 2 3 4 5"), "EINVAL")
        expectError(try c.ask("write attrs 1 2 3 4 99999999999999999999999"), "EINVAL")
        expectOK(try c.ask("read attrs"), "1 2 3 4 5\n")
        expectOK(try c.ask("write attrs 5000 100000 1000000 10 1000 trailing words"))
        expectOK(try c.ask("read attrs"), "5000 100000 1000000 10 1000\n")
    }

    /// debugfs_target_ids.sh with real pids, plus unknown pids and paddr.
    @Test func targetIDs() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (a, b) = (try sleeper(), try sleeper())
        defer { a.kill(); b.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("read target_ids"), "\n")
        expectOK(try c.ask("write target_ids \(a.pid) \(b.pid)"))
        expectOK(try c.ask("read target_ids"), "\(a.pid) \(b.pid)\n")
        expectOK(try c.ask("write target_ids \(a.pid) \(b.pid) abc \(a.pid)"))
        expectOK(try c.ask("read target_ids"), "\(a.pid) \(b.pid)\n")
        expectOK(try c.ask("write target_ids abc \(a.pid)"))
        expectOK(try c.ask("read target_ids"), "\n")
        expectOK(try c.ask("write target_ids \(a.pid)"))
        expectError(try c.ask("write target_ids \(b.pid) 999999999"), "EINVAL")
        expectError(try c.ask("write target_ids -1"), "EINVAL")
        expectOK(try c.ask("read target_ids"), "\(a.pid)\n")
        expectOK(try c.ask("write target_ids"))
        expectOK(try c.ask("read target_ids"), "\n")
        expectOK(try c.ask("write target_ids paddr"))
        expectOK(try c.ask("read target_ids"), "42\n")
        expectOK(try c.ask("read operations"), "paddr\n")
        expectOK(try c.ask("write target_ids \(a.pid)"))
        expectOK(try c.ask("read operations"), "vaddr\n")
    }

    /// init_regions: the dbgfs KUnit inputs through the socket, then the error rules.
    @Test func initRegions() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let (a, b) = (try sleeper(), try sleeper())
        defer { a.kill(); b.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("write target_ids \(a.pid) \(b.pid)"))
        expectOK(try c.ask("write init_regions \(b.pid) 10 20 \(a.pid) 39 59 \(a.pid) 70 134   \(b.pid) 20 25"))
        expectOK(try c.ask("read init_regions"), "\(a.pid) 39 59\n\(a.pid) 70 134\n\(b.pid) 10 20\n\(b.pid) 20 25\n")
        expectError(try c.ask("write init_regions \(a.pid) 10 20 \(a.pid) 14 26"), "EINVAL")
        expectOK(try c.ask("read init_regions"), "")
        expectError(try c.ask("write init_regions 4 10 20"), "EINVAL")
        expectError(try c.ask("write init_regions \(a.pid) 20 10"), "EINVAL")
        expectOK(try c.ask("write init_regions \(a.pid) 10 20"))
        expectOK(try c.ask("write target_ids \(b.pid)"))
        expectOK(try c.ask("read init_regions"), "", )
    }

    /// debugfs_schemes.sh and the 5.16 rules; read-back carries the two statistics.
    @Test func schemes() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("write schemes 1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1"))
        expectOK(try c.ask("read schemes"), "1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1 0 0\n")
        expectError(try c.ask(#"write schemes 1 2\n3 4 5 6 3 0 0 0 1 2 3 1 100 3 2 1"#), "EINVAL")
        expectError(try c.ask("write schemes 2 1 2 1 10 1 3 10 1 1 1 1 1 1 1 1 2 3"), "EINVAL")
        expectError(try c.ask("write schemes 1 2 3 4 5 6 9 0 0 0 1 2 3 1 100 3 2 1"), "EINVAL")
        expectOK(try c.ask("read schemes"), "1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1 0 0\n")
        expectOK(try c.ask("write schemes"))
        expectOK(try c.ask("read schemes"), "")
    }

    /// mk_contexts / rm_contexts: debugfs_duplicate_context_creation.sh and
    /// debugfs_rm_non_contexts.sh, plus names and the root.
    @Test func contexts() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("write mk_contexts foo"))
        expectError(try c.ask("write mk_contexts foo"), "EEXIST")
        expectOK(try c.ask("read foo/attrs"), "5000 100000 60000000 10 1000\n")
        expectOK(try c.ask("write foo/attrs 1000 20000 1000000 5 100"))
        expectOK(try c.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        for bad in ["", "Foo", "9x", "root", "a/b"] { expectError(try c.ask("write mk_contexts \(bad)"), "EINVAL") }
        expectError(try c.ask("read mk_contexts"), "EINVAL")
        expectError(try c.ask("read rm_contexts"), "EINVAL")
        for name in ["monitor_on", "mk_contexts", "rm_contexts", "attrs", "target_ids", "init_regions", "schemes",
            "kdamond_pid", "regions", "operations", "access_check", "root"]
        {
            expectError(try c.ask("write rm_contexts \(name)"), "EINVAL")
        }
        expectError(try c.ask("write rm_contexts bar"), "ENOENT")
        expectOK(try c.ask("write rm_contexts foo"))
        expectError(try c.ask("read foo/attrs"), "ENOENT")
        #expect(daemon.isRunning)
    }

    /// Choosing a backend this kernel cannot run is refused with the reason and changes nothing.
    @Test(
        .enabled(
            if: !FileManager.default.fileExists(atPath: "/sys/kernel/mm/page_idle/bitmap"),
            "needs a kernel without idle page tracking (tier 3 runs the one with it)"))
    func anUnavailableBackendIsRefused() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectOK(try c.ask("write access_check referenced"))
        let refused = try c.ask("write access_check page_idle")
        expectError(refused, "ENOTSUP")
        #expect(refused.status.contains("CONFIG_IDLE_PAGE_TRACKING"))
        expectOK(try c.ask("read access_check"), "referenced\n")
    }

    /// Paths, verbs and read-only files.
    @Test func pathsAndVerbs() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let c = try daemon.connect()
        expectError(try c.ask("read nonexistent"), "ENOENT")
        expectError(try c.ask("read nope/attrs"), "ENOENT")
        expectError(try c.ask("read foo/monitor_on"), "ENOENT")
        expectOK(try c.ask("read root/attrs"), "5000 100000 60000000 10 1000\n")
        expectError(try c.ask("write kdamond_pid 5"), "EINVAL")
        expectError(try c.ask("write regions 1"), "EINVAL")
        expectOK(try c.ask("read kdamond_pid"), "none\n")
        expectOK(try c.ask("read regions"), "")
        expectOK(try c.ask("read operations"), "vaddr\n")
        expectOK(try c.ask("write operations fvaddr"))
        expectError(try c.ask("write operations kvm"), "EINVAL")
        expectOK(try c.ask("read access_check"), "auto\n")
        expectOK(try c.ask("write access_check referenced"))
        expectOK(try c.ask("read access_check"), "referenced\n")
        expectError(try c.ask("write access_check magic"), "EINVAL")
        expectOK(try c.ask("read sampling"), "auto\n")
        expectOK(try c.ask("write sampling sparse"))
        expectOK(try c.ask("read sampling"), "sparse\n")
        let badSampling = try c.ask("write sampling kernel")
        expectError(badSampling, "EINVAL")
        #expect(badSampling.status.contains("sampling must be auto, random or sparse"))
        expectOK(try c.ask("read sampling"), "sparse\n")
        expectOK(try c.ask("write sampling random"))
        // paddr sees physical pages through idle page tracking only.
        expectOK(try c.ask("write target_ids paddr"))
        let physical = try c.ask("write monitor_on on")
        expectError(physical, "ENOTSUP")
        #expect(physical.status.contains("paddr monitoring needs the page_idle access check"))
        expectOK(try c.ask("read monitor_on"), "off\n")
        expectOK(try c.ask("write target_ids"))
        expectError(try c.ask("frobnicate"), "EINVAL")
        expectError(try c.ask("read"), "EINVAL")
        expectOK(try c.ask("version"), "swamond 0.1.0 protocol 1\n")
        #expect(try c.ask("help").content.contains("monitor_on"))
        expectOK(try c.ask("read attrs\r"), "5000 100000 60000000 10 1000\n")
        expectOK(try c.ask("quit"))
        #expect(try c.readLine() == nil, "quit closes the connection")
    }

    /// monitor_on: on/off/EPERM/EBUSY/EINVAL, debugfs_empty_targets.sh, writes while running,
    /// kdamond_pid naming a thread of the daemon.
    @Test func monitorOn() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        let c = try daemon.connect()
        expectOK(try c.ask("read monitor_on"), "off\n")
        expectOK(try c.ask("write target_ids"))
        expectError(try c.ask("write monitor_on on"), "EINVAL")
        expectError(try c.ask("write monitor_on off"), "EPERM")
        expectError(try c.ask("write monitor_on maybe"), "EINVAL")
        expectOK(try c.ask("write target_ids \(target.pid)"))
        expectOK(try c.ask("write init_regions \(target.pid) 4096 8192"))
        expectOK(try c.ask("write monitor_on on"))
        expectOK(try c.ask("read monitor_on"), "on\n")
        expectError(try c.ask("write monitor_on on"), "EBUSY")
        let tid = try c.ask("read kdamond_pid").content.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(FileManager.default.fileExists(atPath: "/proc/\(daemon.pid)/task/\(tid)"), "kdamond_pid \(tid) is a daemon thread")
        for write in ["attrs 5000 100000 1000000 10 1000", "target_ids \(target.pid)", "init_regions \(target.pid) 1 2",
            "schemes", "operations vaddr", "access_check auto", "sampling sparse"]
        {
            expectError(try c.ask("write \(write)"), "EBUSY")
        }
        expectError(try c.ask("read init_regions"), "EBUSY")
        expectError(try c.ask("write mk_contexts foo"), "EBUSY")
        expectError(try c.ask("write rm_contexts foo"), "EBUSY")
        expectOK(try c.ask("read access_check"), "referenced\n")
        // auto takes the kernel's random rule with any backend but page_idle.
        expectOK(try c.ask("read sampling"), "random\n")
        #expect(try c.ask("status").content.contains("access_check=referenced sampling=random "))
        #expect(try eventually { try c.ask("read regions").content.contains("\(target.pid) ") })
        expectOK(try c.ask("write monitor_on off"))
        expectOK(try c.ask("read monitor_on"), "off\n")
        expectOK(try c.ask("read kdamond_pid"), "none\n")
        expectOK(try c.ask("read target_ids"), "\n", )
        expectError(try c.ask("write monitor_on off"), "EPERM")
    }
}
