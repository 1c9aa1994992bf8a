extension Target {
    /// Fits the regions to `ranges`, which must be sorted and disjoint (DAMON: `damon_set_regions`,
    /// the update step of `vaddr` since 6.1).
    ///
    /// Regions that intersect no range are dropped. For each range, the first and last
    /// intersecting regions are stretched to the range's edges (start rounded down, end rounded
    /// up to `minRegionSize`) and the holes between them are filled with new regions; a range
    /// that no region touches becomes one new region. Runs at every operations update.
    public mutating func setRegions(_ ranges: [AddressRange], minRegionSize: UInt64) {
        regions.removeAll { region in !ranges.contains { region.range.intersects($0) } }

        var cursor = 0
        for range in ranges {
            var first: Int?
            var last = 0
            while cursor < regions.count {
                if regions[cursor].range.intersects(range) {
                    if first == nil { first = cursor }
                    last = cursor
                }
                if regions[cursor].start >= range.end { break }
                cursor += 1
            }
            guard let first else {
                let fresh = Region(alignDown(range.start, minRegionSize), alignUp(range.end, minRegionSize))
                regions.insert(fresh, at: cursor)
                cursor += 1
                continue
            }
            regions[first].start = alignDown(range.start, minRegionSize)
            regions[last].end = alignUp(range.end, minRegionSize)
            cursor += fillHoles(from: first, through: last)
        }
    }

    /// Inserts a new region into every gap between the regions at `first...last`
    /// (DAMON: `damon_fill_regions_holes`); returns how many were inserted.
    private mutating func fillHoles(from first: Int, through last: Int) -> Int {
        var index = first
        var end = last
        while index < end {
            let next = index + 1
            if regions[index].end != regions[next].start {
                regions.insert(Region(regions[index].end, regions[next].start), at: next)
                end += 1
                index += 1
            }
            index += 1
        }
        return end - last
    }
}
