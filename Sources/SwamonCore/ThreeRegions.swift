/// The three regions that cover a process's mappings, leaving out the two largest gaps between
/// them (DAMON: `__damon_va_three_regions`). The two largest gaps are normally heap↔mmap area
/// and mmap area↔stack; excluding them trades a little noise for far fewer regions.
///
/// `mappings` must be sorted by address and disjoint (as `/proc/PID/maps`, without
/// `[vsyscall]`). Among equal gaps the earliest wins. Returns nil when there are fewer than two
/// non-empty gaps (the kernel's `-EINVAL`). Edges are rounded up to `minRegionSize`.
public func threeRegions(of mappings: [AddressRange], minRegionSize: UInt64) -> [AddressRange]? {
    guard let firstMapping = mappings.first, let lastMapping = mappings.last else { return nil }
    var largest = AddressRange(0, 0)
    var second = AddressRange(0, 0)
    for (previous, mapping) in zip(mappings, mappings.dropFirst()) {
        let gap = AddressRange(previous.end, mapping.start)
        if gap.size > largest.size {
            second = largest
            largest = gap
        } else if gap.size > second.size {
            second = gap
        }
    }
    if largest.size == 0 || second.size == 0 { return nil }
    let (low, high) = largest.start < second.start ? (largest, second) : (second, largest)
    return [
        AddressRange(alignUp(firstMapping.start, minRegionSize), alignUp(low.start, minRegionSize)),
        AddressRange(alignUp(low.end, minRegionSize), alignUp(high.start, minRegionSize)),
        AddressRange(alignUp(high.end, minRegionSize), alignUp(lastMapping.end, minRegionSize)),
    ]
}

extension Target {
    /// Builds the initial regions from the three regions (DAMON: `__damon_va_init_regions`): each
    /// of the three is split evenly into pieces of about `total / minRegions` bytes; one smaller
    /// than that stays whole. Replaces any existing regions.
    public mutating func initializeRegions(from ranges: [AddressRange], minRegions: UInt64, minRegionSize: UInt64) {
        let total = ranges.reduce(0) { $0 + $1.size }
        let pieceSize = max(minRegions > 0 ? total / minRegions : total, minRegionSize)
        regions = []
        for range in ranges {
            regions.append(Region(range: range))
            // A range smaller than one piece stays whole: the kernel ignores that -EINVAL too.
            try? evenlySplitRegion(at: regions.count - 1, into: range.size / pieceSize, minRegionSize: minRegionSize)
        }
    }
}
