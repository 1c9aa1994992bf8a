import SwamonCore
import SwamonLinux
import SwamonProtocol

/// `unit:NAME` or `cgroup:/PATH` in `target_ids`: every process of a control group (and the
/// groups below it) as one target set, followed while monitoring runs — at each operations
/// update, processes that joined are added and those that exited dropped; when the group is gone
/// or empty the context stops by itself.
struct GroupTarget: Sendable {
    /// As written; what `target_ids` reads back.
    let word: String
    /// The unit's name for `unit:`, else the group path's last component.
    let unitName: String
    /// Relative to the hierarchy's root: `/system.slice/nginx.service`.
    let path: String
    let groups: ControlGroups
    /// A non-root writer's uid and gid: only processes it could inspect (the ptrace rule) are
    /// taken in. nil for root.
    let owner: (uid: UInt32, gid: UInt32)?
    /// The members when it was written (or monitoring started).
    var processes: [MonitoredProcess]

    /// The members' pids now, at most `limit`; nil when the group is gone.
    func memberPIDs(limit: Int) -> [Int32]? {
        groups.processes(path, limit: limit)
    }

    /// A member held by pidfd, if it still runs and the writer may inspect it.
    func admit(_ pid: Int32) -> MonitoredProcess? {
        guard let process = try? MonitoredProcess(pid: pid) else { return nil }
        if let owner {
            guard let credentials = process.credentials, credentials.mayBeInspected(byUID: owner.uid, gid: owner.gid) else { return nil }
        }
        return process
    }

    /// Every member now, held; nil when the group is gone.
    func members(limit: Int) -> [MonitoredProcess]? {
        memberPIDs(limit: limit).map { $0.compactMap(admit) }
    }
}

extension Registry {
    /// Resolves `unit:`/`cgroup:` for `peer`: root may name any unit or group; anyone else only
    /// those below their own systemd user manager (`user@UID.service`), and of their processes
    /// only those the kernel would let them inspect.
    func makeGroupTarget(_ input: TargetIDsFormat.Input, for peer: Peer) throws(ControlError) -> TargetSet {
        guard let groups = controlGroups else {
            throw ControlError(.ENOTSUP, "no control-group hierarchy is mounted here (neither cgroup2 nor systemd's v1 one)")
        }
        let own = peer.isRoot ? nil : ControlGroups.userSubtree(uid: peer.uid)
        let path: String
        let unitName: String
        switch input {
        case .unit(let name):
            guard let found = groups.find(unit: name, within: own ?? "") else {
                throw ControlError(
                    .EINVAL, own.map { "no unit \(name) among uid \(peer.uid)'s own units (below \($0))" } ?? "no unit \(name) in the control-group tree")
            }
            path = found
            unitName = name
        case .cgroup(let given):
            if let own, !ControlGroups.isWithin(given, own) {
                throw ControlError(.EACCES, "uid \(peer.uid) may only name control groups below \(own)")
            }
            guard groups.exists(given) else { throw ControlError(.EINVAL, "no control group \(given)") }
            path = given
            unitName = String(given.split(separator: "/").last ?? "")
        case .paddr, .pids:
            throw ControlError(.EINVAL, "not a unit or control group")
        }
        var target = GroupTarget(
            word: input.word ?? "", unitName: unitName, path: path, groups: groups, owner: peer.isRoot ? nil : (peer.uid, peer.gid),
            processes: [])
        guard let pids = target.memberPIDs(limit: configuration.maxTargets + 1) else {
            throw ControlError(.EINVAL, "control group \(path) disappeared")
        }
        guard pids.count <= configuration.maxTargets else {
            throw ControlError(
                .E2BIG, "\(target.word) has more than \(configuration.maxTargets) processes; a context monitors at most \(configuration.maxTargets) (max_targets)")
        }
        target.processes = pids.compactMap(target.admit)
        return .group(target)
    }
}
