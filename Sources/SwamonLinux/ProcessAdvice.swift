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
    /// advised count as applied (a partial success counts only those). A range that crosses
    /// unmapped gaps (the kernel answers ENOMEM after advising the mapped parts, and reports no
    /// bytes) is given again as its mapped pieces, from `mappings`, so that the count is right.
    /// Errors about the process (gone) apply nothing; errors about the advice itself or the
    /// right to give it refuse the scheme.
    public static func apply(
        _ action: Scheme.Action, to range: AddressRange, pidfd: FileDescriptor, mappings: () -> [AddressRange]?
    ) -> SchemeOutcome {
        guard let advice = advice(for: action) else { return .applied(0) }
        let pageSize = Syscalls.pageSize
        let whole = AddressRange(alignUp(range.start, pageSize), alignUp(range.end, pageSize))
        guard whole.end > whole.start else { return .applied(0) }
        var result = call(pidfd, [whole], advice)
        if case .failure(.noMemory) = result, let mappings = mappings() {
            let pieces = mappings.compactMap { mapping -> AddressRange? in
                let start = max(mapping.start, whole.start)
                let end = min(mapping.end, whole.end)
                return start < end ? AddressRange(start, end) : nil
            }
            var total: UInt64 = 0
            for chunk in stride(from: 0, to: pieces.count, by: 1024) {
                switch call(pidfd, Array(pieces[chunk..<min(chunk + 1024, pieces.count)]), advice) {
                case .success(let bytes): total += bytes
                case .failure(let error): result = .failure(error)
                }
            }
            if total > 0 || pieces.isEmpty { result = .success(total) }
        }
        switch result {
        case .success(let bytes): return .applied(bytes)
        case .failure(let error):
            switch error {
            case .permissionDenied, .notPermitted:
                return .refused(.init(errno: error.rawValue, reason: "process_madvise(\(action.name)) is not permitted: swamond needs CAP_SYS_NICE and ptrace access to the target (\(error))"))
            case .noFunction:
                return .refused(noProcessMadvise)
            default:
                return .applied(0)
            }
        }
    }

    static let noProcessMadvise = SchemeRun.Refusal(errno: Errno.noFunction.rawValue, reason: "this kernel has no process_madvise (Linux 5.10+)")

    static func call(_ pidfd: FileDescriptor, _ ranges: [AddressRange], _ advice: Int32) -> Result<UInt64, Errno> {
        let starts = ranges.map(\.start)
        let lengths = ranges.map(\.size)
        while true {
            let result = swamon_process_madvise(pidfd.rawValue, starts, lengths, UInt(ranges.count), advice)
            if result >= 0 { return .success(UInt64(result)) }
            if errno == EINTR || errno == EAGAIN { continue }
            return .failure(Errno(rawValue: errno))
        }
    }

    /// Marks refused every scheme whose advice this kernel does not take (`unsupported`); runs
    /// when monitoring starts and after each commit of schemes.
    public static func refuseUnsupported(_ runs: inout [SchemeRun]) {
        for index in runs.indices {
            if let refusal = unsupported(runs[index].scheme.action) { runs[index].refuse(refusal) }
        }
    }

    /// Whether this kernel takes `action`'s advice through process_madvise: an empty range on
    /// our own pidfd is checked for the advice and nothing else. Runs when monitoring starts.
    public static func unsupported(_ action: Scheme.Action) -> SchemeRun.Refusal? {
        guard let advice = advice(for: action) else { return nil }
        guard let own = try? Syscalls.pidfdOpen(getpid()) else { return nil }
        defer { try? own.close() }
        guard case .failure(let error) = call(own, [AddressRange(0, 0)], advice) else { return nil }
        switch error {
        case .noFunction:
            return noProcessMadvise
        case .invalidArgument:
            return .init(errno: error.rawValue, reason: "this kernel does not take \(action.name) through process_madvise (\(action == .collapse ? "MADV_COLLAPSE needs Linux 6.1" : "too old"))")
        default:
            return nil
        }
    }
}
