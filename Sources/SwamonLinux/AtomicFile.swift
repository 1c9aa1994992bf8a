import Glibc

/// Replacing a file whole: written to a temporary file beside it, then renamed over it, so a
/// reader sees the old content or the new, never half of it.
public enum AtomicFile {
    /// Writes `bytes` to `PATH.tmp.PID` (mode `mode`, never following a link there), optionally
    /// syncs it, and renames it over `path`. Returns nil on success, else what failed in words
    /// (the temporary file is removed).
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644, sync: Bool) -> String? {
        let temporary = "\(path).tmp.\(getpid())"
        unlink(temporary)
        let fd = open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, mode)
        guard fd >= 0 else { return "cannot create \(temporary): \(String(cString: strerror(errno)))" }
        func fail(_ what: String, _ code: Int32) -> String {
            unlink(temporary)
            return "\(what): \(String(cString: strerror(code)))"
        }
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else {
                let code = errno
                close(fd)
                return fail("cannot write \(temporary)", code)
            }
            offset += count
        }
        let synced = !sync || fsync(fd) == 0
        let syncError = errno
        close(fd)
        guard synced else { return fail("cannot write \(temporary)", syncError) }
        guard rename(temporary, path) == 0 else { return fail("cannot replace \(path)", errno) }
        return nil
    }
}
