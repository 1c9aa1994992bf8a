/// The result of checking one sampled page.
public struct PageAccess: Equatable, Sendable {
    public var accessed: Bool
    /// Size of the page that was checked (4 KiB, or 2 MiB for a PMD-mapped huge page); later
    /// regions whose samples fall in the same page reuse the result.
    public var pageSize: UInt64

    public init(accessed: Bool, pageSize: UInt64) {
        self.accessed = accessed
        self.pageSize = pageSize
    }
}

/// What `VirtualAddressOperations` needs from a kind of address space: its mappings and a way to
/// arm and test the Accessed state of single pages (the kernel's `damon_va_mkold` and
/// `damon_va_young`). Linux backends and the simulation implement it. Calls come from the
/// monitoring thread only, one target at a time, addresses in region order.
public protocol AddressSpace: AnyObject {
    /// The target's mappings sorted by address, or nil when it has no address space any more.
    func mappings(of target: Target.ID) -> [AddressRange]?
    /// Clears the accessed state of the pages holding `addresses`; runs at the start of a sample.
    func prepareAccessChecks(target: Target.ID, addresses: [UInt64])
    /// Reports, one sampling interval later, whether each of those pages was accessed since; nil
    /// when the target has no address space any more (every region then counts as not accessed).
    func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]?
    /// Whether the target still exists.
    func isValid(target: Target.ID) -> Bool
    /// Forgets everything held for the context; runs when monitoring ends.
    func release()
    /// Applies a scheme's action to `range` of the target; runs at aggregations.
    func applyScheme(_ action: Scheme.Action, to range: AddressRange, target: Target.ID) -> SchemeOutcome
}

extension AddressSpace {
    public func release() {}
    /// An address space that cannot act applies nothing (as for `stat`).
    public func applyScheme(_ action: Scheme.Action, to range: AddressRange, target: Target.ID) -> SchemeOutcome {
        .applied(0)
    }
}
