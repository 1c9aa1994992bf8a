import Foundation
import SwamonClient
import SwamonLinux
import SwamonTestSupport
import Testing

/// A scratch control group in this machine's cgroup2 (or systemd v1) hierarchy, named like a
/// unit, removed when the test is done (after its processes were killed).
final class ScratchGroup {
    let groups: ControlGroups
    let path: String
    var members: [ChildProcess] = []
    /// The directories this made, deepest last.
    var made: [String] = []

    var name: String { String(path.split(separator: "/").last ?? "") }

    init(under parent: String = "") throws {
        guard let groups = ControlGroups.system() else { throw TestFailure("no control-group hierarchy is mounted") }
        self.groups = groups
        path = "\(parent)/swamon-test-\(UUID().uuidString.prefix(8).lowercased()).service"
        var partial = ""
        for component in path.split(separator: "/") {
            partial += "/\(component)"
            guard !FileManager.default.fileExists(atPath: groups.root + partial) else { continue }
            try FileManager.default.createDirectory(atPath: groups.root + partial, withIntermediateDirectories: false)
            made.append(partial)
        }
    }

    /// Starts `arguments` (as `identity`, setpriv arguments, when given) and moves it into the group.
    @discardableResult
    func start(_ arguments: [String] = ["/bin/sleep", "600"], as identity: [String] = []) throws -> ChildProcess {
        let command = identity.isEmpty ? arguments : ["/usr/bin/setpriv"] + identity + arguments
        let child = try ChildProcess(command[0], Array(command.dropFirst()))
        try "\(child.pid)\n".write(toFile: groups.root + path + "/cgroup.procs", atomically: false, encoding: .utf8)
        members.append(child)
        return child
    }

    deinit {
        members.forEach { $0.kill() }
        // A control group is removed with rmdir once its processes are gone (the kernel may
        // take a moment after the last one is reaped).
        for directory in made.reversed() {
            for _ in 0..<50 where rmdir(groups.root + directory) != 0 { usleep(20_000) }
        }
    }
}

@Suite("unit targets", .serialized)
struct UnitTargetTests {
    static func targets(_ daemon: Daemon) throws -> Set<String> {
        Set((try statusFields(daemon)["targets"] ?? "").split(separator: ",").map(String.init))
    }

    /// `unit:NAME`: every process of the unit, followed at each update (1 s here): one that
    /// joins is monitored, one that exits dropped; the context stops by itself once it is empty.
    @Test func aUnitIsFollowed() throws {
        let group = try ScratchGroup()
        let daemon = try Daemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        defer { withExtendedLifetime(daemon) {} }
        let first = try group.start()
        expectOK(try daemon.ask("write attrs 5000 100000 1000000 10 1000"))
        expectOK(try daemon.ask("write target_ids unit:\(group.name)"))
        expectOK(try daemon.ask("read target_ids"), "unit:\(group.name)\n")
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try statusFields(daemon)["unit"] == group.name)
        #expect(try Self.targets(daemon) == [String(first.pid)])

        let second = try group.start()
        #expect(try eventually(10) { try Self.targets(daemon) == [String(first.pid), String(second.pid)] }, "a process that joined is monitored")
        #expect(eventually(5) { ((try? String(contentsOfFile: daemon.logPath, encoding: .utf8)) ?? "").contains("now monitoring pid \(second.pid)") })
        #expect(try eventually(10) { Set(try daemon.ask("read regions").content.split(separator: "\n").map { String($0.split(separator: " ")[0]) }).count == 2 })
        let port = try metricsPort(daemon)
        #expect(try eventually(10) {
            let samples = MetricSample.parse(try httpRequest(port: port, path: "/metrics").body)
            return samples.value("swamon_unit_processes", ["context": "root", "unit": group.name]) == 2
                && samples.value("swamon_target_info", ["target": String(second.pid), "unit": group.name]) == 1
        }, "metrics sum the unit's processes")

        first.kill()
        #expect(try eventually(10) { try Self.targets(daemon) == [String(second.pid)] }, "a process that exited is dropped")
        #expect(try statusFields(daemon)["state"] == "on")
        second.kill()
        #expect(try eventually(10) { try statusFields(daemon)["state"] == "off" })
        #expect(try statusFields(daemon)["last_stop"] == "unit:\(group.name)_has_no_processes_left")
    }

    @Test func controlGroupPathsAndRefusals() throws {
        let group = try ScratchGroup()
        let daemon = try Daemon(settings: ["journal_every = 0", "max_targets = 2"])
        defer { withExtendedLifetime(daemon) {} }
        expectOK(try daemon.ask("write target_ids cgroup:\(group.path)"))
        expectOK(try daemon.ask("read target_ids"), "cgroup:\(group.path)\n")
        expectError(try daemon.ask("write init_regions \(1) 4096 8192"), "EINVAL")
        expectError(try daemon.ask("write monitor_on on"), "EINVAL")
        #expect(try daemon.ask("write monitor_on on").status.contains("has no processes to monitor"))
        expectError(try daemon.ask("write target_ids unit:swamon-no-such-unit.service"), "EINVAL")
        expectError(try daemon.ask("write target_ids cgroup:/swamon-no-such/group"), "EINVAL")
        expectError(try daemon.ask("write target_ids unit:bad name.service"), "EINVAL")
        for _ in 0..<3 { try group.start() }
        let tooMany = try daemon.ask("write target_ids unit:\(group.name)")
        expectError(tooMany, "E2BIG")
        expectOK(try daemon.ask("read target_ids"), "cgroup:\(group.path)\n")
    }

    /// A non-root member of the control group names only units of its own user manager, and of
    /// their processes only those it could inspect.
    @Test func membersNameOnlyTheirOwnUnits() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let system = try ScratchGroup()
        try system.start()
        let refused = try swamonctl(daemon, as: AuthorizationTests.member, ["write", "target_ids", "unit:\(system.name)"])
        #expect(refused.status == 1 && refused.err.contains("EINVAL") && refused.err.contains("own units"), "\(refused)")
        let path = try swamonctl(daemon, as: AuthorizationTests.member, ["write", "target_ids", "cgroup:\(system.path)"])
        #expect(path.status == 1 && path.err.contains("EACCES"), "\(path)")

        let own = try ScratchGroup(under: "/user.slice/user-65534.slice/user@65534.service/app.slice")
        let mine = try own.start(as: AuthorizationTests.member)
        let roots = try own.start()
        #expect(eventually { (try? String(contentsOfFile: "/proc/\(mine.pid)/status", encoding: .utf8))?.contains("Uid:\t65534") == true })
        let accepted = try swamonctl(daemon, as: AuthorizationTests.member, ["targets", "--unit", own.name])
        #expect(accepted.status == 0, "\(accepted)")
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try Self.targets(daemon) == [String(mine.pid)], "root's process in the user's unit is not the member's to monitor (\(roots.pid))")
        expectOK(try daemon.ask("write monitor_on off"))
    }
}
