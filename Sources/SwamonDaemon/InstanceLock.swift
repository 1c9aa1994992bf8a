import Glibc

/// An exclusive `flock(2)` on a lock file (`<socket>.lock`, `<state file>.lock`) held for the
/// daemon's whole life, so that a second swamond on the same socket or state file refuses to
/// start instead of taking them over. The file holds the owner's pid for the message; it is
/// never removed (removing a lock file others may have open would let two holders exist).
public final class InstanceLock: Sendable {
    public let path: String
    private let descriptor: CInt

    /// Takes the lock or says who holds it; nil (after `warn`) on a kernel built without file
    /// locking (`CONFIG_FILE_LOCKING`, absent from tiny kernels), where only the live-socket
    /// check guards against a second daemon. Runs at startup.
    public static func take(_ path: String, guarding what: String, warn: (String) -> Void) throws(StartupError) -> InstanceLock? {
        do {
            return try InstanceLock(path, guarding: what)
        } catch let error as LockingUnsupported {
            warn("cannot lock \(path): \(error.reason); a second swamond on \(what) would not be stopped by the lock")
            return nil
        } catch let error as StartupError {
            throw error
        } catch {
            throw StartupError("cannot lock \(path): \(error)")
        }
    }

    struct LockingUnsupported: Error {
        let reason: String
    }

    private init(_ path: String, guarding what: String) throws(any Error) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o644)
        guard fd >= 0 else { throw StartupError("cannot open the lock file \(path): \(errorText(errno))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            if code == ENOSYS || code == EOPNOTSUPP {
                close(fd)
                throw LockingUnsupported(reason: "this kernel has no file locking (\(errorText(code)))")
            }
            var buffer = [UInt8](repeating: 0, count: 32)
            let count = pread(fd, &buffer, buffer.count, 0)
            close(fd)
            guard code == EWOULDBLOCK else { throw StartupError("cannot lock \(path): \(errorText(code))") }
            let holder = count > 0 ? String(decoding: buffer[..<count], as: UTF8.self).split(whereSeparator: \.isWhitespace).first.map(String.init) ?? "" : ""
            throw StartupError(
                "another swamond\(holder.isEmpty ? "" : " (pid \(holder))") is using \(what) (it holds \(path)); stop it first or choose another")
        }
        let text = Array("\(getpid())\n".utf8)
        ftruncate(fd, 0)
        _ = pwrite(fd, text, text.count, 0)
        self.path = path
        descriptor = fd
    }

    deinit { close(descriptor) }
}
