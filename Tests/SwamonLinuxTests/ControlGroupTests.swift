import Foundation
import SwamonLinux
import Testing

/// The control-group tree, driven with a directory tree of its own (cgroup.procs files).
@Suite("control groups")
struct ControlGroupTests {
    /// `/system.slice/web.service` with a sub-group, a user's `web.service` deeper down, and
    /// `/other.slice/web.service/child.scope`.
    static func tree() throws -> (ControlGroups, String) {
        let root = NSTemporaryDirectory() + "swamon-cgroups-\(UUID().uuidString)"
        let groups: [(String, String)] = [
            ("/system.slice/web.service", "30\n10\n"),
            ("/system.slice/web.service/worker", "20\n"),
            ("/system.slice/db.service", ""),
            ("/user.slice/user-1000.slice/user@1000.service/app.slice/web.service", "40\n"),
            ("/user.slice/user-1000.slice/user@1000.service/app.slice/mine.service", "50\n"),
        ]
        for (path, procs) in groups {
            try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
            try procs.write(toFile: root + path + "/cgroup.procs", atomically: true, encoding: .utf8)
        }
        return (ControlGroups(root: root), root)
    }

    @Test func unitsAreFoundShallowestFirst() throws {
        let (groups, root) = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(groups.find(unit: "web.service") == "/system.slice/web.service")
        #expect(groups.find(unit: "web.service", within: ControlGroups.userSubtree(uid: 1000))
            == "/user.slice/user-1000.slice/user@1000.service/app.slice/web.service")
        #expect(groups.find(unit: "mine.service") == "/user.slice/user-1000.slice/user@1000.service/app.slice/mine.service")
        #expect(groups.find(unit: "db.service", within: ControlGroups.userSubtree(uid: 1000)) == nil)
        #expect(groups.find(unit: "absent.service") == nil)
    }

    /// A group's processes are its own and its sub-groups', sorted, at most `limit`; a group that
    /// does not exist has none to give (nil), an empty one gives [].
    @Test func processesOfAGroupAndBelow() throws {
        let (groups, root) = try Self.tree()
        defer { try? FileManager.default.removeItem(atPath: root) }
        #expect(groups.processes("/system.slice/web.service", limit: 10) == [10, 20, 30])
        #expect(groups.processes("/system.slice/web.service", limit: 2) == [10, 20])
        #expect(groups.processes("/system.slice/db.service", limit: 10) == [])
        #expect(groups.processes("/system.slice/gone.service", limit: 10) == nil)
        #expect(groups.exists("/system.slice") && !groups.exists("/system.slice/web.service/cgroup.procs"))
    }

    @Test func subtrees() {
        #expect(ControlGroups.userSubtree(uid: 1000) == "/user.slice/user-1000.slice/user@1000.service")
        #expect(ControlGroups.isWithin("/a/b", "/a/b") && ControlGroups.isWithin("/a/b/c", "/a/b"))
        #expect(!ControlGroups.isWithin("/a/bc", "/a/b") && !ControlGroups.isWithin("/a", "/a/b"))
    }

    /// The cgroup2 mount wins (a hybrid host has it at /sys/fs/cgroup/unified); without one,
    /// systemd's v1 name=systemd hierarchy; octal escapes decoded.
    @Test(arguments: [
        ("29 23 0:26 / /sys/fs/cgroup rw,nosuid - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup"),
        ("30 23 0:27 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,xattr,name=systemd\n31 23 0:28 / /sys/fs/cgroup/unified rw - cgroup2 cgroup2 rw\n", "/sys/fs/cgroup/unified"),
        ("30 23 0:27 / /sys/fs/cgroup/memory rw - cgroup cgroup rw,memory\n31 23 0:28 / /sys/fs/cgroup/systemd rw - cgroup cgroup rw,name=systemd\n", "/sys/fs/cgroup/systemd"),
        ("31 23 0:28 / /mnt/my\\040groups rw - cgroup2 cgroup2 rw\n", "/mnt/my groups"),
    ] as [(String, String)])
    func hierarchyFromMountinfo(text: String, mountPoint: String) {
        #expect(ControlGroups.mountPoint(inMountinfo: text) == mountPoint)
    }

    @Test func noHierarchy() {
        #expect(ControlGroups.mountPoint(inMountinfo: "22 1 8:1 / / rw - ext4 /dev/vda rw\n") == nil)
    }

    /// The unit of a process: the deepest `.service` or `.scope` of its cgroup v2 path (else of
    /// systemd's v1 line); a service's own sub-groups belong to it.
    @Test(arguments: [
        ("0::/system.slice/nginx.service\n", "nginx.service"),
        ("0::/system.slice/nginx.service/worker\n", "nginx.service"),
        ("0::/user.slice/user-1000.slice/user@1000.service/app.slice/foo.scope\n", "foo.scope"),
        ("0::/\n", ""),
        ("12:pids:/\n1:name=systemd:/system.slice/cron.service\n0::/\n", ""),
        ("12:pids:/\n1:name=systemd:/system.slice/cron.service\n", "cron.service"),
        ("", ""),
    ] as [(String, String)])
    func unitOfAProcess(text: String, unit: String) {
        #expect(ProcessLabels.unit(ofCgroupFile: text) == unit)
    }
}
