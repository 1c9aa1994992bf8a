/// A process's credentials as `/proc/PID/status` and the owner of `/proc/PID` show them, and the
/// kernel's rule for who may look at it (`__ptrace_may_access` with `PTRACE_MODE_READ_FSCREDS`,
/// what reading `/proc/PID/maps` or `process_madvise(2)` require).
public struct ProcessCredentials: Equatable, Sendable {
    /// Real, effective, saved and filesystem uid (the `Uid:` line).
    public var uids: [UInt32]
    /// Real, effective, saved and filesystem gid (the `Gid:` line).
    public var gids: [UInt32]
    /// Whether the process is dumpable (`SUID_DUMP_USER`): the kernel makes `/proc/PID` owned by
    /// root instead of the process's effective uid when it is not (`task_dump_owner`).
    public var dumpable: Bool

    public init(uids: [UInt32], gids: [UInt32], dumpable: Bool) {
        self.uids = uids
        self.gids = gids
        self.dumpable = dumpable
    }

    /// Parses `status` (the text of `/proc/PID/status`); `procOwner` is the uid owning
    /// `/proc/PID`. Nil when the uid or gid line is missing or short.
    public init?(status: String, procOwner: UInt32) {
        func ids(_ key: String) -> [UInt32]? {
            for line in status.split(separator: "\n") where line.hasPrefix(key) {
                let values = line.dropFirst(key.count).split(whereSeparator: { $0 == " " || $0 == "\t" }).compactMap { UInt32($0) }
                return values.count == 4 ? values : nil
            }
            return nil
        }
        guard let uids = ids("Uid:"), let gids = ids("Gid:") else { return nil }
        self.init(uids: uids, gids: gids, dumpable: procOwner == uids[1])
    }

    /// Whether a caller with filesystem uid `uid` and gid `gid` and no `CAP_SYS_PTRACE` may
    /// inspect the process: the target's real, effective and saved uids must all be `uid`, its
    /// real, effective and saved gids all `gid`, and it must be dumpable (a setuid program a
    /// user started is not theirs to look at).
    public func mayBeInspected(byUID uid: UInt32, gid: UInt32) -> Bool {
        uids.prefix(3).allSatisfy { $0 == uid } && gids.prefix(3).allSatisfy { $0 == gid } && dumpable
    }
}
