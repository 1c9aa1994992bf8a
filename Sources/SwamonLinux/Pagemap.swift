import SystemPackage

/// Entries of `/proc/PID/pagemap`: one 64-bit word per virtual page.
public struct PagemapEntry: Equatable, Sendable {
    public var raw: UInt64

    public init(raw: UInt64) { self.raw = raw }

    /// Bit 63: the page is in memory.
    public var isPresent: Bool { raw & (1 << 63) != 0 }
    /// Bit 55: written since the last `clear_refs` 4 (needs CONFIG_MEM_SOFT_DIRTY).
    public var isSoftDirty: Bool { raw & (1 << 55) != 0 }
    /// Bits 0–54: the page frame number when present (0 without CAP_SYS_ADMIN).
    public var frame: UInt64? {
        guard isPresent else { return nil }
        let pfn = raw & ((1 << 55) - 1)
        return pfn == 0 ? nil : pfn
    }
}

extension WordFile {
    /// The pagemap entries of the pages holding `addresses` (one `pread` each; pages repeated
    /// among the addresses are read once).
    public func pagemapEntries(_ addresses: [UInt64], pageSize: UInt64) -> [PagemapEntry?] {
        var cache: [UInt64: PagemapEntry?] = [:]
        return addresses.map { address in
            let page = address / pageSize
            if let known = cache[page] { return known }
            let entry = word(at: page).map(PagemapEntry.init(raw:))
            cache[page] = entry
            return entry
        }
    }
}
