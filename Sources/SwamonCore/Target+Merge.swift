extension Region {
    /// Absorbs the adjacent region `right` into this one (DAMON: `damon_merge_two_regions`):
    /// access count and age become the size-weighted averages (integer division), the moving
    /// sum restarts from the new count.
    public mutating func absorb(_ right: Region) {
        let leftSize = size
        let rightSize = right.size
        accessCount = UInt32(
            clamping: weightedAverage(UInt64(accessCount), leftSize, UInt64(right.accessCount), rightSize))
        accessRateBP = accessCount &* 10_000
        age = UInt32(clamping: weightedAverage(UInt64(age), leftSize, UInt64(right.age), rightSize))
        end = right.end
    }
}

/// `(a * wa + b * wb) / (wa + wb)` without the overflow the kernel's `unsigned long` arithmetic
/// would hit for multi-terabyte regions (the kernel wraps; the result is equal wherever it does
/// not). `wa + wb` cannot overflow: the two regions are adjacent inside the 64-bit space.
@usableFromInline
func weightedAverage(_ a: UInt64, _ wa: UInt64, _ b: UInt64, _ wb: UInt64) -> UInt64 {
    let weight = wa + wb
    if weight == 0 { return 0 }
    let pa = a.multipliedFullWidth(by: wa)
    let pb = b.multipliedFullWidth(by: wb)
    let low = pa.low.addingReportingOverflow(pb.low)
    let high = pa.high + pb.high + (low.overflow ? 1 : 0)
    if high >= weight { return UInt64.max }
    return weight.dividingFullWidth((high, low.partialValue)).quotient
}

/// `a * b / c` computed in 128 bits, saturating at `UInt64.max` (and `UInt64.max` for c == 0):
/// the kernel's `unsigned long` arithmetic would wrap where user-given intervals are large.
@usableFromInline
func multipliedDivided(_ a: UInt64, by b: UInt64, over c: UInt64) -> UInt64 {
    guard c > 0 else { return UInt64.max }
    let product = a.multipliedFullWidth(by: b)
    if product.high >= c { return UInt64.max }
    return c.dividingFullWidth(product).quotient
}

extension Target {
    /// One merge pass over this target's regions (DAMON: `damon_merge_regions_of`).
    ///
    /// Runs at every aggregation, before the snapshot. Walking left to right, each region's age
    /// first advances (or resets to 0 when its access count moved by more than `threshold`
    /// since the last aggregation, or crossed between zero and non-zero — current mainline);
    /// then it is merged into its left neighbour when they touch, their access counts differ by
    /// at most `threshold` and the merged size stays within `sizeLimit`. A merged region keeps
    /// its averaged count for the next comparison, as in the kernel.
    public mutating func mergeRegions(threshold: UInt32, sizeLimit: UInt64) {
        var merged: [Region] = []
        merged.reserveCapacity(regions.count)
        for var region in regions {
            if absoluteDifference(region.accessCount, region.lastAccessCount) > threshold {
                region.age = 0
            } else if (region.accessCount == 0) != (region.lastAccessCount == 0) {
                region.age = 0
            } else {
                region.age &+= 1
            }
            if let previous = merged.last,
                previous.end == region.start,
                absoluteDifference(previous.accessCount, region.accessCount) <= threshold,
                previous.size + region.size <= sizeLimit
            {
                merged[merged.count - 1].absorb(region)
            } else {
                merged.append(region)
            }
        }
        regions = merged
    }
}

@inlinable
func absoluteDifference(_ a: UInt32, _ b: UInt32) -> UInt32 { a > b ? a - b : b - a }
