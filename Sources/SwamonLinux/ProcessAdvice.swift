import CSwamonLinux
import Glibc
public import SwamonCore
public import SystemPackage

/// DAMOS actions on another process: `process_madvise(2)` on its pidfd, one region per call.
public enum ProcessAdvice {
    /// The `madvise` advice for an action; nil for `stat` (nothing to do) and for `hugepage` and
    /// `nohugepage`, which `process_madvise` does not take for another process.
    public static func advice(for action: Scheme.Action) -> Int32? {
        switch action {
        case .willneed: 3  // MADV_WILLNEED
        case .cold: 20  // MADV_COLD (5.4)
        case .pageout: 21  // MADV_PAGEOUT (5.4)
        case .collapse: 25  // MADV_COLLAPSE (6.1)
        case .hugepage, .nohugepage, .stat: nil
        }
    }

    /// Applies `action` to `range` of the process behind `pidfd`. The bytes the kernel reports
    /// advised count as applied (a partial success counts only those). Errors about the range or
    /// the process (a hole in the range, the process gone) apply nothing; errors about the
    /// advice itself or the right to give it refuse the scheme.
    public static func apply(_ action: Scheme.Action, to range: AddressRange, pidfd: FileDescriptor) -> SchemeOutcome {
        guard let advice = advice(for: action) else { return .applied(0) }
        let pageSize = Syscalls.pageSize
        let start = alignUp(range.start, pageSize)
        let end = alignUp(range.end, pageSize)
        guard end > start else { return .applied(0) }
        var result: Int
        repeat {
            result = swamon_process_madvise(pidfd.rawValue, start, end - start, advice)
        } while result == -1 && (errno == EINTR || errno == EAGAIN)
        if result >= 0 { return .applied(UInt64(result)) }
        let error = Errno(rawValue: errno)
        switch error {
        case .permissionDenied, .notPermitted:
            return .refused(.init(errno: error.rawValue, reason: "process_madvise(\(action.name)) is not permitted: swamond needs CAP_SYS_NICE and ptrace access to the target (\(error))"))
        case .noFunction:
            return .refused(.init(errno: error.rawValue, reason: "this kernel has no process_madvise (Linux 5.10+)"))
        default:
            return .applied(0)
        }
    }

    /// Whether this kernel takes `action`'s advice through process_madvise: an empty range on
    /// our own pidfd is checked for the advice and nothing else. Runs when monitoring starts.
    public static func unsupported(_ action: Scheme.Action) -> SchemeRun.Refusal? {
        guard let advice = advice(for: action) else { return nil }
        guard let own = try? Syscalls.pidfdOpen(getpid()) else { return nil }
        defer { try? own.close() }
        let result = swamon_process_madvise(own.rawValue, 0, 0, advice)
        guard result < 0 else { return nil }
        let error = Errno(rawValue: errno)
        switch error {
        case .noFunction:
            return .init(errno: error.rawValue, reason: "this kernel has no process_madvise (Linux 5.10+)")
        case .invalidArgument:
            return .init(errno: error.rawValue, reason: "this kernel does not take \(action.name) through process_madvise (\(action == .collapse ? "MADV_COLLAPSE needs Linux 6.1" : "too old"))")
        default:
            return nil
        }
    }
}
