import Glibc
import SwamonProtocol

/// Who is on the other end of a control connection (`SO_PEERCRED`), and what they may do.
public struct Peer: Sendable, Equatable {
    public var pid: Int32
    public var uid: UInt32
    public var gid: UInt32
    /// Root, or a member of the control group: may write.
    public var mayWrite: Bool

    public var isRoot: Bool { uid == 0 }

    /// The daemon itself (replaying the state file).
    public static let daemon = Peer(pid: getpid(), uid: 0, gid: 0, mayWrite: true)

    /// Decides from the socket's credentials (`SO_PEERCRED`) and groups (`SO_PEERGROUPS`, taken
    /// from the socket, never from the pid, which may already belong to someone else) whether
    /// the peer may write.
    public static func authorize(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32], controlGroup: UInt32?) -> Peer {
        var mayWrite = uid == 0
        if !mayWrite, let group = controlGroup {
            mayWrite = gid == group || groups.contains(group)
        }
        return Peer(pid: pid, uid: uid, gid: gid, mayWrite: mayWrite)
    }

    /// Refuses a write from a peer outside root and the control group.
    func requireWrite() throws(ControlError) {
        guard mayWrite else {
            throw ControlError(.EACCES, "uid \(uid) may only read: writes need root or membership of the control group")
        }
    }
}

/// The gid of a group name, or nil if there is no such group.
func groupID(named name: String) -> UInt32? {
    var group = group()
    var result: UnsafeMutablePointer<group>?
    var buffer = [CChar](repeating: 0, count: 16_384)
    guard getgrnam_r(name, &group, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
    return group.gr_gid
}
