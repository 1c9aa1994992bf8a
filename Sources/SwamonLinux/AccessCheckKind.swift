/// The access-check backends, as the `access_check` file names them.
public enum AccessCheckKind: String, Sendable, CaseIterable {
    /// Idle page tracking: the sampled page's PFN bit in `/sys/kernel/mm/page_idle/bitmap`.
    case pageIdle = "page_idle"
    /// `clear_refs` 4, then the soft-dirty bit (55) of the sampled page in pagemap: writes only.
    case softDirty = "soft_dirty"
    /// `clear_refs` 1, then `Referenced:` of the VMA holding the sample in smaps: per VMA.
    case referenced
}

/// The `operations` file's values.
public enum OperationsKind: String, Sendable, CaseIterable {
    case vaddr
    case fvaddr
    case paddr
}
