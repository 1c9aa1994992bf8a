import Glibc
import SystemPackage

/// Finds out which access-check backends can work on this kernel, with this process's
/// privileges, and says exactly what is missing for those that cannot.
public enum AccessCheckProbe {
    public static let pageIdleBitmap = "/sys/kernel/mm/page_idle/bitmap"

    /// nil when `kind` can run here, else the reason (one sentence).
    public static func unavailability(of kind: AccessCheckKind) -> String? {
        switch kind {
        case .pageIdle:
            guard access(pageIdleBitmap, F_OK) == 0 else {
                return "this kernel lacks CONFIG_IDLE_PAGE_TRACKING: \(pageIdleBitmap) does not exist"
            }
            guard access(pageIdleBitmap, R_OK | W_OK) == 0 else {
                return "\(pageIdleBitmap) is not readable and writable by this process (needs root)"
            }
            guard pagemapShowsFrames() else {
                return "/proc/PID/pagemap shows no page frame numbers to this process (needs CAP_SYS_ADMIN)"
            }
            return nil
        case .softDirty:
            if let reason = clearRefsUnavailability() { return reason }
            guard kernelTracksSoftDirty() else {
                return "this kernel lacks CONFIG_MEM_SOFT_DIRTY: pagemap bit 55 stays clear after a write following clear_refs 4"
            }
            return nil
        case .referenced:
            if let reason = clearRefsUnavailability() { return reason }
            guard let smaps = try? FileDescriptor.open("/proc/self/smaps", .readOnly) else {
                return "/proc/self/smaps cannot be read: this kernel lacks CONFIG_PROC_PAGE_MONITOR"
            }
            try? smaps.close()
            return nil
        }
    }

    /// The first backend that works, in the `auto` order (page_idle, soft_dirty, referenced), or
    /// the reasons none does.
    public static func automatic() -> Result<AccessCheckKind, AutoFailure> {
        var reasons: [String] = []
        for kind in AccessCheckKind.allCases {
            guard let reason = unavailability(of: kind) else { return .success(kind) }
            reasons.append("\(kind.rawValue): \(reason)")
        }
        return .failure(AutoFailure(reasons: reasons))
    }

    public struct AutoFailure: Error, Sendable {
        public var reasons: [String]
    }

    static func clearRefsUnavailability() -> String? {
        access("/proc/self/clear_refs", W_OK) == 0 ? nil : "/proc/self/clear_refs is not writable by this process"
    }

    /// Whether pagemap gives this process frame numbers (zeroed without CAP_SYS_ADMIN).
    static func pagemapShowsFrames() -> Bool {
        withFreshPage { page in ownPagemapEntry(of: page)?.frame != nil }
    }

    /// Writes a fresh page, clears soft-dirty bits, writes it again: a kernel that tracks
    /// soft-dirty shows bit 55 set in pagemap afterwards. Clearing our own bits is harmless.
    static func kernelTracksSoftDirty() -> Bool {
        withFreshPage { page in
            guard let clearRefs = try? FileDescriptor.open("/proc/self/clear_refs", .writeOnly) else { return false }
            defer { try? clearRefs.close() }
            guard (try? clearRefs.writeText("4")) != nil else { return false }
            page[0] = 2
            return ownPagemapEntry(of: page)?.isSoftDirty ?? false
        }
    }

    /// Runs `body` with a private page of this process that has been written once (so it is
    /// present), and unmaps it afterwards; false when no page could be mapped.
    static func withFreshPage(_ body: (UnsafeMutablePointer<UInt8>) -> Bool) -> Bool {
        let pageSize = Int(Syscalls.pageSize)
        guard let page = mmap(nil, pageSize, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            page != MAP_FAILED
        else { return false }
        defer { munmap(page, pageSize) }
        let bytes = page.assumingMemoryBound(to: UInt8.self)
        bytes[0] = 1
        return body(bytes)
    }

    /// This process's pagemap entry for the page at `page`.
    static func ownPagemapEntry(of page: UnsafeMutablePointer<UInt8>) -> PagemapEntry? {
        guard let pagemap = try? FileDescriptor.open("/proc/self/pagemap", .readOnly) else { return nil }
        defer { try? pagemap.close() }
        return pagemap.pagemapEntries([UInt64(UInt(bitPattern: page))], pageSize: Syscalls.pageSize)[0]
    }
}
