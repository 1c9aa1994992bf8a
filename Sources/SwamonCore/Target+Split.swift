extension Target {
    /// Splits the region at `index` so that it keeps its first `leftSize` bytes and a new region
    /// holding the rest is inserted right after it (DAMON: `damon_split_region_at`). The new
    /// region copies the access count, moving sum, age and last access count (current mainline).
    public mutating func splitRegion(at index: Int, leftSize: UInt64) {
        var right = regions[index]
        right.start = regions[index].start + leftSize
        regions[index].end = right.start
        regions.insert(right, at: index + 1)
    }

    /// Splits every region into up to `subregionCount` pieces at random 10 %–90 % points
    /// (DAMON: `damon_split_regions_of`).
    ///
    /// For each piece after the first, a left size of `rand(1..<10) * size / 10` rounded down to
    /// `minRegionSize` is drawn; a draw of 0 or of the whole size is skipped, not retried. A
    /// three-way split re-splits the left piece, so the right piece of the first cut is never cut
    /// again in the same pass. Regions no larger than two minimum sizes are left whole.
    public mutating func splitRegions<R: RandomNumberGenerator>(
        into subregionCount: Int,
        minRegionSize: UInt64,
        using random: inout R
    ) {
        var result: [Region] = []
        result.reserveCapacity(regions.count * subregionCount)
        for region in regions {
            // Pieces cut off the right are emitted after the final left piece, in address order.
            var left = region
            var rightPieces: [Region] = []
            var size = region.size
            var cut = 0
            while cut < subregionCount - 1 && size > 2 * minRegionSize {
                cut += 1
                let tenths = 1 + randomBelow(9, using: &random)
                let leftSize = alignDown(splitPoint(tenths: tenths, of: size), minRegionSize)
                if leftSize == 0 || leftSize >= size { continue }
                var right = left
                right.start = left.start + leftSize
                left.end = right.start
                rightPieces.append(right)
                size = leftSize
            }
            result.append(left)
            result.append(contentsOf: rightPieces.reversed())
        }
        regions = result
    }
}

/// `tenths * size / 10` computed without overflowing for sizes near 2^64.
@inlinable
func splitPoint(tenths: UInt64, of size: UInt64) -> UInt64 {
    let product = tenths.multipliedFullWidth(by: size)
    return UInt64(10).dividingFullWidth(product).quotient
}
