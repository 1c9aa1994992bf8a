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

    /// Takes a pidfd for `pid`; fails with `ESRCH` if there is no such process.
    public init(pid: pid_t) throws(Errno) {
        self.pid = pid
        pidfd = try Syscalls.pidfdOpen(pid)
    }

    deinit {
        files.withLock { files in
            for fd in files.values { try? fd.close() }
        }
        try? pidfd.close()
    }

    public var hasExited: Bool { Syscalls.hasExited(pidfd) }

    /// The process's real uid, or nil once it is gone.
    public var realUID: uid_t? {
        guard let status = try? file("status", .readOnly)?.readAll() else { return nil }
        for line in String(decoding: status, as: UTF8.self).split(separator: "\n") where line.hasPrefix("Uid:") {
            return line.split(whereSeparator: { $0 == " " || $0 == "\t" }).dropFirst().first.flatMap { uid_t($0) }
        }
        return nil
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
