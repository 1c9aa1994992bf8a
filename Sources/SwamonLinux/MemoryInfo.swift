import SystemPackage

/// `/proc/meminfo`, for DAMOS watermarks.
public enum MemoryInfo {
    /// Free memory in per mille of all memory (DAMON's `DAMOS_WMARK_FREE_MEM_RATE`:
    /// `NR_FREE_PAGES * 1000 / totalram_pages`, i.e. MemFree over MemTotal); nil if unreadable.
    /// Read at every watermark check.
    public static func freeRate() -> UInt64? {
        guard let file = try? FileDescriptor.open("/proc/meminfo", .readOnly, options: [.closeOnExec]) else { return nil }
        defer { try? file.close() }
        guard let bytes = try? file.readAll(capacity: 8192) else { return nil }
        return freeRate(String(decoding: bytes, as: UTF8.self))
    }

    static func freeRate(_ text: String) -> UInt64? {
        var total: UInt64?
        var free: UInt64?
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 2 else { continue }
            if fields[0] == "MemTotal:" { total = UInt64(fields[1]) }
            if fields[0] == "MemFree:" { free = UInt64(fields[1]) }
        }
        guard let total, let free, total > 0 else { return nil }
        return free * 1000 / total
    }
}
