import Glibc
import SystemPackage

/// The control-group tree processes are filed in: where a systemd unit's processes are, and which
/// they are now. Paths are relative to the hierarchy's root (`/system.slice/nginx.service`), as
/// in `/proc/PID/cgroup`.
public struct ControlGroups: Sendable {
    /// Where the hierarchy is mounted: the cgroup2 mount (`/sys/fs/cgroup`, or
    /// `/sys/fs/cgroup/unified` on a hybrid host), else systemd's v1 `name=systemd` one.
    public let root: String

    public init(root: String) {
        self.root = root
    }

    /// This machine's, from `/proc/self/mountinfo`; nil when neither hierarchy is mounted.
    public static func system() -> ControlGroups? {
        guard let text = readWhole("/proc/self/mountinfo") else { return nil }
        return mountPoint(inMountinfo: text).map(ControlGroups.init)
    }

    /// The cgroup2 mount point of a mountinfo text, else the v1 one with the `name=systemd`
    /// option; octal escapes (`\040`) decoded (by `MountInfo`).
    public static func mountPoint(inMountinfo text: String) -> String? {
        var legacy: String?
        for mount in MountInfo.parse(text) {
            if mount.fileSystemType == "cgroup2" { return mount.mountPoint }
            if mount.fileSystemType == "cgroup", mount.superOptions.split(separator: ",").contains("name=systemd"), legacy == nil {
                legacy = mount.mountPoint
            }
        }
        return legacy
    }

    /// The subtree a user's own units live in: their systemd user manager's.
    public static func userSubtree(uid: UInt32) -> String { "/user.slice/user-\(uid).slice/user@\(uid).service" }

    /// Whether `path` is `subtree` or below it.
    public static func isWithin(_ path: String, _ subtree: String) -> Bool {
        path == subtree || path.hasPrefix(subtree + "/")
    }

    /// The group of unit `name`: the shallowest directory of that name in `within` (breadth first,
    /// at most 8 levels and 100 000 directories), nil when there is none.
    public func find(unit name: String, within: String = "") -> String? {
        var level = [within]
        var visited = 0
        for _ in 0..<8 {
            var next: [String] = []
            for path in level {
                for child in subdirectories(path) {
                    visited += 1
                    if visited > 100_000 { return nil }
                    let childPath = path + "/" + child
                    if child == name { return childPath }
                    next.append(childPath)
                }
            }
            if next.isEmpty { return nil }
            level = next
        }
        return nil
    }

    public func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(root + path, &info) == 0 && (info.st_mode & S_IFMT) == S_IFDIR
    }

    /// The processes of the group and every group below it (`cgroup.procs`), in ascending pid
    /// order, at most `limit`; nil when the group is gone.
    public func processes(_ path: String, limit: Int) -> [Int32]? {
        guard exists(path) else { return nil }
        var pids = Set<Int32>()
        var pending = [path]
        var visited = 0
        while let group = pending.popLast(), visited < 10_000 {
            visited += 1
            if let text = Self.readWhole(root + group + "/cgroup.procs") {
                for line in text.split(separator: "\n") {
                    if let pid = Int32(line), pid > 0 { pids.insert(pid) }
                }
            }
            pending += subdirectories(group).map { group + "/" + $0 }
        }
        return Array(pids.sorted().prefix(limit))
    }

    /// A whole pseudo-file (these report size 0, so it is read until the end).
    static func readWhole(_ path: String) -> String? {
        guard let file = try? FileDescriptor.open(path, .readOnly, options: [.closeOnExec]) else { return nil }
        defer { try? file.close() }
        return (try? file.readAll(capacity: 1 << 16)).map { String(decoding: $0, as: UTF8.self) }
    }

    func subdirectories(_ path: String) -> [String] {
        guard let directory = opendir(root + path) else { return [] }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            guard entry.pointee.d_type == UInt8(DT_DIR) else { continue }
            let name = withUnsafeBytes(of: entry.pointee.d_name) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
            if name != "." && name != ".." { names.append(name) }
        }
        return names.sorted()
    }
}
