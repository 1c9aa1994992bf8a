/// One monitoring region (DAMON: `struct damon_region`).
///
/// `accessCount` grows by one for every sample in which the region's sampled page was found
/// accessed and is zeroed at every aggregation, after the snapshot was taken; `lastAccessCount`
/// keeps the value it had then. `age` counts aggregations over which the access count stayed
/// within the merge threshold.
public struct Region: Equatable, Sendable {
    public var range: AddressRange
    /// The address sampled in the current sampling interval (DAMON: `sampling_addr`).
    public var samplingAddress: UInt64 = 0
    /// With the sparse sampling strategy: further samples that keep `samplingAddress`, and the
    /// range it was drawn for (a region whose range changed draws anew).
    public var samplingDwell: UInt32 = 0
    public var samplingRange = AddressRange(0, 0)
    /// DAMON: `nr_accesses`.
    public var accessCount: UInt32 = 0
    /// Pseudo moving sum of accesses in basis points of one aggregation (DAMON: `nr_accesses_bp`).
    public var accessRateBP: UInt32 = 0
    /// DAMON: `age`.
    public var age: UInt32 = 0
    /// `accessCount` at the last aggregation (DAMON: `last_nr_accesses`).
    public var lastAccessCount: UInt32 = 0

    public init(_ start: UInt64, _ end: UInt64) {
        range = AddressRange(start, end)
    }

    public init(range: AddressRange, accessCount: UInt32 = 0, age: UInt32 = 0) {
        self.range = range
        self.accessCount = accessCount
        self.age = age
    }

    public var start: UInt64 {
        get { range.start }
        set { range.start = newValue }
    }
    public var end: UInt64 {
        get { range.end }
        set { range.end = newValue }
    }
    public var size: UInt64 { range.size }
}
