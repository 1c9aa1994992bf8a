/// What names a monitored process for people and fleets: its command name and its systemd unit.
public struct ProcessLabels: Equatable, Sendable {
    /// `/proc/PID/comm` without its newline.
    public var comm: String
    /// The deepest systemd unit in its control-group path (`nginx.service`, `session-3.scope`),
    /// empty when none.
    public var unit: String

    public init(comm: String, unit: String) {
        self.comm = comm
        self.unit = unit
    }

    /// Read through the process's own `/proc` directory; empty labels once it is gone.
    public static func read(_ process: MonitoredProcess) -> ProcessLabels {
        let comm = process.read("comm").map { String(decoding: $0, as: UTF8.self) } ?? ""
        let cgroup = process.read("cgroup").map { String(decoding: $0, as: UTF8.self) } ?? ""
        return ProcessLabels(comm: comm.split(separator: "\n").first.map(String.init) ?? "", unit: unit(ofCgroupFile: cgroup))
    }

    /// The unit of a `/proc/PID/cgroup` text: its cgroup v2 line (`0::PATH`), else the
    /// `name=systemd` v1 line; the deepest path component that is a unit name (`.service`,
    /// `.scope`; a service's own sub-groups belong to it).
    public static func unit(ofCgroupFile text: String) -> String {
        let lines = text.split(separator: "\n")
        let path = lines.first { $0.hasPrefix("0::") }.map { $0.dropFirst(3) }
            ?? lines.first { $0.contains(":name=systemd:") }.map { $0.split(separator: ":", maxSplits: 2).last ?? "" }
            ?? ""
        return path.split(separator: "/").last { $0.hasSuffix(".service") || $0.hasSuffix(".scope") }.map(String.init) ?? ""
    }
}
