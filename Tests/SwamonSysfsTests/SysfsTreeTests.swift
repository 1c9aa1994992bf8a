import SwamonProtocol
import SwamonSysfs
import SystemPackage
import Testing

/// A swamond stand-in that records every request and answers from a script: `answers` by the
/// request's line, else `ok` with no content.
final class RecordingLink: SwamondLink {
    var requests: [String] = []
    var answers: [String: Result<String, SwamondLinkError>] = [:]

    func send(_ request: Request) throws(SwamondLinkError) -> String {
        requests.append(request.line)
        return try (answers[request.line] ?? .success("")).get()
    }

    /// Writes only, in order.
    var writes: [String] { requests.filter { $0.hasPrefix("write ") } }
}

@Suite struct SysfsTreeTests {
    let link = RecordingLink()
    var reports: [String] = []

    func tree(status: String = "context=root state=off\n") throws -> SysfsTree {
        link.answers["status"] = .success(status)
        let tree = SysfsTree(link: link)
        try tree.load()
        return tree
    }

    func result(_ body: () throws(Errno) -> Void) -> Errno? {
        do { try body() } catch { return error }
        return nil
    }

    /// One kdamond with one context, made as damo makes them; with `pid`, one target of it.
    func oneContext(pid: Int32? = nil) throws -> SysfsTree {
        let tree = try tree()
        try tree.write("admin/kdamonds/nr_kdamonds", "1\n")
        try tree.write("admin/kdamonds/0/contexts/nr_contexts", "1\n")
        if let pid {
            try tree.write("admin/kdamonds/0/contexts/0/targets/nr_targets", "1")
            try tree.write("admin/kdamonds/0/contexts/0/targets/0/pid_target", "\(pid)")
        }
        link.answers["read kdamond0/state"] = .success("off\n")
        return tree
    }

    @Test func emptyTreeAndNumberedDirectories() throws {
        let tree = try tree()
        #expect(try tree.node("") == .directory(["admin"]))
        #expect(try tree.read("admin/kdamonds/nr_kdamonds") == "0\n")
        try tree.write("admin/kdamonds/nr_kdamonds", "2")
        #expect(link.writes == ["write mk_contexts kdamond0", "write mk_contexts kdamond1"])
        #expect(try tree.node("admin/kdamonds") == .directory(["nr_kdamonds", "0", "1"]))
        #expect(try tree.node("admin/kdamonds/1") == .directory(["state", "pid", "contexts"]))
        #expect(result { () throws(Errno) in _ = try tree.node("admin/kdamonds/2") } == .noSuchFileOrDirectory)
        #expect(result { () throws(Errno) in _ = try tree.node("admin/kdamonds/01") } == .noSuchFileOrDirectory)
        #expect(result { () throws(Errno) in _ = try tree.node("admin/kdamonds/nr_kdamonds/x") } == .notDirectory)
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/nr_kdamonds", "-1") } == .invalidArgument)
        // Writing the count again removes every kdamond and makes fresh ones.
        link.requests = []
        try tree.write("admin/kdamonds/nr_kdamonds", "1")
        #expect(link.writes == ["write rm_contexts kdamond1", "write rm_contexts kdamond0", "write mk_contexts kdamond0"])
    }

    @Test func contextDefaultsAreTheKernels() throws {
        let tree = try oneContext()
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/contexts/nr_contexts", "2") } == .invalidArgument)
        let c = "admin/kdamonds/0/contexts/0/"
        #expect(try tree.read(c + "operations") == "vaddr\n")
        #expect(try tree.read(c + "avail_operations") == "vaddr\nfvaddr\npaddr\n")
        #expect(try tree.read(c + "monitoring_attrs/intervals/sample_us") == "5000\n")
        #expect(try tree.read(c + "monitoring_attrs/intervals/aggr_us") == "100000\n")
        #expect(try tree.read(c + "monitoring_attrs/intervals/update_us") == "60000000\n")
        #expect(try tree.read(c + "monitoring_attrs/nr_regions/min") == "10\n")
        #expect(try tree.read(c + "monitoring_attrs/nr_regions/max") == "1000\n")
        #expect(result { () throws(Errno) in try tree.write(c + "operations", "vaddr ") } == .invalidArgument)
        try tree.write(c + "operations", "paddr\n")
        #expect(try tree.read(c + "operations") == "paddr\n")
        #expect(result { () throws(Errno) in try tree.write(c + "avail_operations", "vaddr") } == .permissionDenied)

        #expect(result { () throws(Errno) in try tree.write(c + "targets/nr_targets", "65537") } == .noMemory)
        try tree.write(c + "targets/nr_targets", "65536")
        try tree.write(c + "targets/nr_targets", "2")
        #expect(try tree.read(c + "targets/1/pid_target") == "0\n")
        // pid_target answers EINVAL for every parse error, out of range included.
        #expect(result { () throws(Errno) in try tree.write(c + "targets/0/pid_target", "2147483648") } == .invalidArgument)
        try tree.write(c + "targets/0/regions/nr_regions", "1")
        #expect(try tree.node(c + "targets/0/regions/0") == .directory(["start", "end"]))

        try tree.write(c + "schemes/nr_schemes", "1")
        let s = c + "schemes/0/"
        #expect(try tree.node(s) == .directory(["action", "access_pattern", "quotas", "watermarks", "stats", "tried_regions"]))
        #expect(try tree.read(s + "action") == "stat\n")
        #expect(try tree.read(s + "access_pattern/sz/max") == "0\n")
        #expect(try tree.read(s + "watermarks/metric") == "none\n")
        #expect(try tree.read(s + "tried_regions/total_bytes") == "0\n")
        #expect(result { () throws(Errno) in try tree.write(s + "action", "lru_prio") } == .invalidArgument)
        #expect(result { () throws(Errno) in try tree.write(s + "quotas/weights/sz_permil", "4294967296") } == .outOfRange)
        #expect(result { () throws(Errno) in try tree.write(s + "stats/nr_tried", "1") } == .permissionDenied)
        if case .file(let file) = try tree.node(s + "stats/nr_tried") { #expect(file.mode == 0o400) } else { Issue.record("not a file") }
        if case .file(let file) = try tree.node(s + "action") { #expect(file.mode == 0o600) } else { Issue.record("not a file") }
        // Features swamond lacks are absent, as on a kernel without them.
        for absent in ["apply_interval_us", "target_nid", "filters", "quotas/goals", "quotas/effective_bytes"] {
            #expect(result { () throws(Errno) in _ = try tree.node(s + absent) } == .noSuchFileOrDirectory, "\(absent)")
        }
    }

    @Test func onWritesTheStagedInputsThenStarts() throws {
        let tree = try oneContext(pid: 1234)
        let c = "admin/kdamonds/0/contexts/0/"
        try tree.write(c + "targets/0/regions/nr_regions", "1")
        try tree.write(c + "targets/0/regions/0/start", "4096")
        try tree.write(c + "targets/0/regions/0/end", "0x2000")
        try tree.write(c + "schemes/nr_schemes", "1")
        try tree.write(c + "schemes/0/action", "pageout\n")
        try tree.write(c + "schemes/0/access_pattern/sz/max", "18446744073709551615")
        try tree.write(c + "schemes/0/access_pattern/age/min", "20")
        // The kernel keeps age in an unsigned int: 2^32 + 5 becomes 5.
        try tree.write(c + "schemes/0/access_pattern/age/max", "4294967301")
        try tree.write(c + "schemes/0/quotas/bytes", "1048576")
        try tree.write(c + "schemes/0/watermarks/metric", "free_mem_rate")
        link.requests = []
        try tree.write("admin/kdamonds/0/state", "on\n")
        #expect(link.requests == [
            "read kdamond0/state",
            "write kdamond0/operations vaddr",
            "write kdamond0/attrs 5000 100000 60000000 10 1000",
            "write kdamond0/target_ids 1234",
            "write kdamond0/init_regions 1234 4096 8192",
            "write kdamond0/schemes 0 18446744073709551615 0 0 20 5 2 0 1048576 0 0 0 0 1 0 0 0 0",
            "write kdamond0/state on",
        ])
    }

    @Test func onIsRefusedAsTheKernelRefusesIt() throws {
        let tree = try oneContext()
        link.answers["read kdamond0/state"] = .success("on\n")
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", "on") } == .resourceBusy)
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/nr_kdamonds", "0") } == .resourceBusy)
        #expect(link.writes.count == 1, "only the mk_contexts of oneContext: \(link.writes)")
        link.answers["read kdamond0/state"] = .success("off\n")
        link.answers["write kdamond0/state on"] = .failure(.refused(ControlError(.EINVAL, "context kdamond0: no targets")))
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", "on") } == .invalidArgument)
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", "onn") } == .invalidArgument)
        // Quota goals and effective quotas are commands of features that are absent.
        for command in ["commit_schemes_quota_goals", "update_schemes_effective_quotas"] {
            #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", command) } == .invalidArgument)
        }
        // Commands that reach into a running kdamond need one.
        for command in ["commit", "update_schemes_stats", "update_schemes_tried_regions", "clear_schemes_tried_regions"] {
            #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", command) } == .invalidArgument)
        }
        try tree.write("admin/kdamonds/0/contexts/nr_contexts", "0")
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", "on") } == .invalidArgument)
    }

    @Test func triedRegionsAreNumberedAcrossSchemes() throws {
        let tree = try oneContext()
        let c = "admin/kdamonds/0/contexts/0/"
        try tree.write(c + "schemes/nr_schemes", "2")
        link.answers["read kdamond0/state"] = .success("on\n")
        link.answers["read kdamond0/schemes_tried_regions"] = .success("0 77 1000 2000 5 3\n1 77 1000 2000 5 3\n0 77 3000 4000 0 7\n")
        try tree.write("admin/kdamonds/0/state", "update_schemes_tried_regions")
        #expect(try tree.node(c + "schemes/0/tried_regions") == .directory(["total_bytes", "0", "2"]))
        #expect(try tree.node(c + "schemes/1/tried_regions") == .directory(["total_bytes", "1"]))
        #expect(try tree.read(c + "schemes/0/tried_regions/total_bytes") == "8192\n")
        #expect(try tree.read(c + "schemes/0/tried_regions/2/start") == "12288\n")
        #expect(try tree.read(c + "schemes/0/tried_regions/2/end") == "16384\n")
        #expect(try tree.read(c + "schemes/0/tried_regions/2/nr_accesses") == "0\n")
        #expect(try tree.read(c + "schemes/0/tried_regions/2/age") == "7\n")
        #expect(try tree.read(c + "schemes/1/tried_regions/1/nr_accesses") == "5\n")
        #expect(try tree.read(c + "schemes/0/tried_regions/2/sz_filter_passed") == "4096\n")
        try tree.write("admin/kdamonds/0/state", "update_schemes_tried_bytes")
        #expect(try tree.node(c + "schemes/0/tried_regions") == .directory(["total_bytes"]))
        #expect(try tree.read(c + "schemes/1/tried_regions/total_bytes") == "4096\n")
        try tree.write("admin/kdamonds/0/state", "clear_schemes_tried_regions")
        #expect(try tree.read(c + "schemes/1/tried_regions/total_bytes") == "0\n")

        link.answers["read kdamond0/schemes_stats"] = .success("3 12288 2 8192 1\n0 0 0 0 0\n")
        link.requests = []
        try tree.write("admin/kdamonds/0/state", "update_schemes_stats")
        #expect(try tree.read(c + "schemes/0/stats/sz_applied") == "8192\n")
        #expect(try tree.read(c + "schemes/0/stats/qt_exceeds") == "1\n")
        // As the kernel's kdamond, one aggregation later: the tried-regions read is the wait.
        #expect(link.requests == ["read kdamond0/state", "read kdamond0/schemes_tried_regions", "read kdamond0/schemes_stats"])
        // Refused tried regions (a reader who may not inspect every target): no wait, same counts.
        link.answers["read kdamond0/schemes_tried_regions"] = .failure(SwamondLinkError.refused(ControlError(.EACCES, "no")))
        link.answers["read kdamond0/schemes_stats"] = .success("4 16384 2 8192 2\n0 0 0 0 0\n")
        try tree.write("admin/kdamonds/0/state", "update_schemes_stats")
        #expect(try tree.read(c + "schemes/0/stats/qt_exceeds") == "2\n")
    }

    @Test func commitKeepsTheTargets() throws {
        let tree = try oneContext(pid: 1234)
        let c = "admin/kdamonds/0/contexts/0/"
        try tree.write(c + "monitoring_attrs/intervals/sample_us", "10000")
        link.answers["read kdamond0/state"] = .success("on\n")
        link.answers["read kdamond0/target_ids"] = .success("999\n")
        link.requests = []
        #expect(result { () throws(Errno) in try tree.write("admin/kdamonds/0/state", "commit") } == .invalidArgument)
        #expect(link.writes.isEmpty)
        link.answers["read kdamond0/target_ids"] = .success("1234\n")
        try tree.write("admin/kdamonds/0/state", "commit")
        #expect(link.writes == ["write kdamond0/commit_attrs 10000 100000 60000000 10 1000", "write kdamond0/commit_schemes"])
    }

    @Test func loadShowsWhatAnEarlierTreeStarted() throws {
        link.answers["read kdamond0/operations"] = .success("vaddr\n")
        link.answers["read kdamond0/attrs"] = .success("10000 200000 1000000 10 1000\n")
        link.answers["read kdamond0/target_ids"] = .success("1234\n")
        link.answers["read kdamond0/init_regions"] = .failure(.refused(ControlError(.EBUSY, "running")))
        link.answers["read kdamond0/schemes"] = .success("4096 8192 0 0 20 4294967295 2 0 0 0 0 0 0 0 0 0 0 0 7 9\n")
        link.answers["read kdamond0/kdamond_pid"] = .success("4321\n")
        // kdamond1 is missing, so kdamond2 is not a kdamond of the tree.
        let tree = try tree(status: "context=root state=off\ncontext=kdamond0 state=on\ncontext=kdamond2 state=off\n")
        #expect(try tree.read("admin/kdamonds/nr_kdamonds") == "1\n")
        let c = "admin/kdamonds/0/contexts/0/"
        #expect(try tree.read(c + "monitoring_attrs/intervals/aggr_us") == "200000\n")
        #expect(try tree.read(c + "targets/0/pid_target") == "1234\n")
        #expect(try tree.read(c + "targets/0/regions/nr_regions") == "0\n")
        #expect(try tree.read(c + "schemes/0/action") == "pageout\n")
        #expect(try tree.read(c + "schemes/0/access_pattern/age/max") == "4294967295\n")
        #expect(try tree.read("admin/kdamonds/0/pid") == "4321\n")
        link.answers["read kdamond0/kdamond_pid"] = .success("none\n")
        #expect(try tree.read("admin/kdamonds/0/pid") == "-1\n")
    }
}
