import CSwamonLinux
import Glibc
public import SystemPackage

/// Every raw system call swamon makes outside swift-system, in one place: EINTR is retried and
/// failures come back as `Errno`.
public enum Syscalls {
    /// `pidfd_open(2)`: a file descriptor that refers to this process for as long as it is open,
    /// so a reused pid can never be mistaken for it.
    public static func pidfdOpen(_ pid: pid_t) throws(Errno) -> FileDescriptor {
        let fd = retrying { Int(swamon_pidfd_open(pid)) }
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: CInt(fd))
    }

    /// Whether a pidfd polls readable: its process has exited.
    public static func hasExited(_ pidfd: FileDescriptor) -> Bool {
        var entry = pollfd(fd: pidfd.rawValue, events: Int16(POLLIN), revents: 0)
        let ready = retrying { Int(poll(&entry, 1, 0)) }
        return ready > 0
    }

    /// Whether the process is gone for good: reaped by its parent, not merely exited. A zombie
    /// still has its task, which is what the kernel's vaddr `target_valid` asks for.
    public static func isReaped(_ pidfd: FileDescriptor) -> Bool {
        retrying { Int(swamon_pidfd_send_signal(pidfd.rawValue, 0)) } < 0 && errno == ESRCH
    }

    /// Makes this process the reaper of its orphaned descendants (`PR_SET_CHILD_SUBREAPER`).
    public static func becomeChildSubreaper() { _ = swamon_become_child_subreaper() }

    /// Asks for `signal` when the parent process ends (`PR_SET_PDEATHSIG`), so a helper never
    /// outlives whoever started it; exits at once if `parent` (read at startup) is already gone.
    public static func endWithParent(signal: Int32, parent: pid_t) {
        _ = swamon_end_with_parent(signal)
        if getppid() != parent { Glibc.exit(1) }
    }

    /// The calling thread's kernel id (what `kdamond_pid` shows).
    public static func threadID() -> pid_t { swamon_gettid() }

    /// Sleeps `microseconds`, or until `wakeup` becomes readable; returns true if woken.
    public static func sleep(microseconds: UInt64, wakeup: FileDescriptor) -> Bool {
        swamon_wait_readable(wakeup.rawValue, microseconds &* 1000) > 0
    }

    /// An `eventfd(2)` used to interrupt `sleep(microseconds:wakeup:)`.
    public static func eventFD() throws(Errno) -> FileDescriptor {
        let fd = swamon_eventfd()
        guard fd >= 0 else { throw Errno(rawValue: errno) }
        return FileDescriptor(rawValue: fd)
    }

    public static func signal(_ eventFD: FileDescriptor) {
        var one: UInt64 = 1
        _ = retrying { Int(write(eventFD.rawValue, &one, 8)) }
    }

    /// Monotonic nanoseconds (`CLOCK_MONOTONIC`), the journal's and `watch`'s time base.
    public static func monotonicNanoseconds() -> UInt64 {
        var now = timespec()
        clock_gettime(CLOCK_MONOTONIC, &now)
        return UInt64(now.tv_sec) * 1_000_000_000 + UInt64(now.tv_nsec)
    }

    /// Gives freed heap memory back to the system (`malloc_trim(0)`).
    public static func trimHeap() { swamon_malloc_trim() }

    /// Caps how many malloc arenas the threads share (`mallopt(M_ARENA_MAX)`); call before
    /// threads start.
    public static func limitHeapArenas(to arenas: Int32) { _ = swamon_malloc_arena_max(arenas) }

    /// The system's page size, DAMON's minimum region size.
    public static var pageSize: UInt64 { UInt64(sysconf(Int32(_SC_PAGESIZE))) }

    @discardableResult
    static func retrying(_ call: () -> Int) -> Int {
        while true {
            let result = call()
            if result == -1 && errno == EINTR { continue }
            return result
        }
    }
}

extension FileDescriptor {
    /// The whole content of a `/proc` or `/sys` file, read from offset 0.
    public func readAll(capacity: Int = 16_384) throws(Errno) -> [UInt8] {
        var result: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: capacity)
        var offset: Int64 = 0
        while true {
            let count: Int
            do {
                count = try buffer.withUnsafeMutableBytes { try read(fromAbsoluteOffset: offset, into: $0) }
            } catch let error as Errno {
                throw error
            } catch {
                throw Errno.ioError
            }
            if count == 0 { return result }
            result.append(contentsOf: buffer[..<count])
            offset += Int64(count)
        }
    }

    /// Writes `text` in one `write(2)`, as `echo` does to a `/proc` control file.
    public func writeText(_ text: String) throws(Errno) {
        do {
            _ = try writeAll(Array(text.utf8))
        } catch let error as Errno {
            throw error
        } catch {
            throw Errno.ioError
        }
    }
}
