import Glibc
import Synchronization
public import SystemPackage

/// A target process, held by pidfd from the moment its pid was accepted: a reused pid is never
/// sampled, because every `/proc/PID` file is opened only while the pidfd shows the process
/// alive, and an open `/proc` file stays bound to the process it was opened for.
///
/// Made when `target_ids` is written and used by that context's monitoring thread while it runs;
/// the open files are kept behind a lock, so the two never race.
public final class MonitoredProcess: Sendable {
    public let pid: pid_t
    public let pidfd: FileDescriptor
    private let files = Mutex<[String: FileDescriptor]>([:])

    /// When the process started (`/proc/PID/stat` field 22, clock ticks since boot): with the
    /// pid and the boot id it names this process for good.
    public let startTime: UInt64

    /// Takes a pidfd for `pid`; fails with `ESRCH` if there is no such process.
    public init(pid: pid_t) throws(Errno) {
        self.pid = pid
        pidfd = try Syscalls.pidfdOpen(pid)
        startTime = Self.startTime(of: pid) ?? 0
        if Syscalls.hasExited(pidfd) {
            try? pidfd.close()
            throw Errno.noSuchProcess
        }
    }

    /// Field 22 of `/proc/PID/stat` (counted after the command name, which may hold spaces).
    static func startTime(of pid: pid_t) -> UInt64? {
        guard let fd = try? FileDescriptor.open("/proc/\(pid)/stat", .readOnly, options: [.closeOnExec]) else { return nil }
        defer { try? fd.close() }
        guard let bytes = try? fd.readAll(capacity: 1024), let close = bytes.lastIndex(of: UInt8(ascii: ")")) else { return nil }
        let fields = bytes[(close + 1)...].split(separator: UInt8(ascii: " "))
        // After ")": state is field 3, so starttime (22) is the 20th.
        guard fields.count >= 20 else { return nil }
        return UInt64(String(decoding: fields[19], as: UTF8.self))
    }

    deinit {
        files.withLock { files in
            for fd in files.values { try? fd.close() }
        }
        try? pidfd.close()
    }

    public var hasExited: Bool { Syscalls.hasExited(pidfd) }

    /// Exited and reaped: not even a zombie is left (the kernel's vaddr target validity).
    public var isReaped: Bool { Syscalls.isReaped(pidfd) }

    /// The process's credentials now, or nil once it is gone. Read afresh at each call: a
    /// process can change them (setuid exec).
    public var credentials: ProcessCredentials? {
        var info = stat()
        guard let status = try? file("status", .readOnly)?.readAll(), stat("/proc/\(pid)", &info) == 0, !hasExited else {
            return nil
        }
        return ProcessCredentials(status: String(decoding: status, as: UTF8.self), procOwner: info.st_uid)
    }

    /// `/proc/PID/<name>`, opened once and kept; nil when the process has exited.
    public func file(_ name: String, _ mode: FileDescriptor.AccessMode) throws(Errno) -> FileDescriptor? {
        if let fd = files.withLock({ $0[name] }) { return fd }
        guard !hasExited else { return nil }
        let fd: FileDescriptor
        do {
            fd = try FileDescriptor.open("/proc/\(pid)/\(name)", mode, options: [.closeOnExec])
        } catch let error as Errno {
            if error == .noSuchProcess || error == .noSuchFileOrDirectory { return nil }
            throw error
        } catch {
            throw .ioError
        }
        // Opened by pid: only trust the file if the process the pidfd holds is still alive now.
        guard !hasExited else {
            try? fd.close()
            return nil
        }
        return files.withLock { files in
            if let existing = files[name] {
                try? fd.close()
                return existing
            }
            files[name] = fd
            return fd
        }
    }

    /// The content of `/proc/PID/<name>`, or nil once the process is gone.
    public func read(_ name: String) -> [UInt8]? {
        guard let fd = try? file(name, .readOnly), let bytes = try? fd.readAll(), !bytes.isEmpty || !hasExited
        else { return nil }
        return bytes
    }
}

/// This boot's id (`/proc/sys/kernel/random/boot_id`): start times are counted from boot, so
/// they name a process only together with it.
public enum Boot {
    public static let id: String = {
        guard let fd = try? FileDescriptor.open("/proc/sys/kernel/random/boot_id", .readOnly, options: [.closeOnExec]),
            let bytes = try? fd.readAll(capacity: 64)
        else { return "unknown" }
        try? fd.close()
        return String(decoding: bytes, as: UTF8.self).split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "unknown"
    }()
}
