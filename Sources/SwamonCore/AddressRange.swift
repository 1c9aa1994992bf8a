/// A half-open address range `[start, end)` (DAMON: `struct damon_addr_range`).
public struct AddressRange: Hashable, Sendable, CustomStringConvertible {
    public var start: UInt64
    public var end: UInt64

    public init(_ start: UInt64, _ end: UInt64) {
        self.start = start
        self.end = end
    }

    /// Size in bytes (DAMON: `damon_sz_region`).
    public var size: UInt64 { end - start }

    /// True when both ranges share at least one address (DAMON: `damon_intersect`).
    public func intersects(_ other: AddressRange) -> Bool {
        !(end <= other.start || other.end <= start)
    }

    public func contains(_ address: UInt64) -> Bool { start <= address && address < end }

    public var description: String { "\(start)-\(end)" }
}

/// Rounds `value` down to a multiple of `unit` (the kernel's `ALIGN_DOWN`).
@inlinable
public func alignDown(_ value: UInt64, _ unit: UInt64) -> UInt64 {
    unit & (unit &- 1) == 0 ? value & ~(unit &- 1) : value - value % unit
}

/// Rounds `value` up to a multiple of `unit` (the kernel's `ALIGN`).
@inlinable
public func alignUp(_ value: UInt64, _ unit: UInt64) -> UInt64 {
    let rest = value % unit
    return rest == 0 ? value : value + (unit - rest)
}
