/// The kernel's pseudo moving sum (DAMON: `damon_moving_sum`): drop one window-average of the
/// previous window's sum, add the new value.
@inlinable
public func movingSum(_ sum: UInt32, previousWindowSum: UInt32, window: UInt32, newValue: UInt32) -> UInt32 {
    sum &- previousWindowSum / max(window, 1) &+ newValue
}

extension Region {
    /// Records one sample's result (DAMON: `damon_update_region_access_rate`). Runs once per
    /// region per sampling interval, in check-accesses; `window` is the samples per aggregation
    /// (`Attributes.maxAccessCount`).
    @inlinable
    public mutating func recordSample(accessed: Bool, window: UInt32) {
        accessRateBP = movingSum(
            accessRateBP,
            previousWindowSum: lastAccessCount &* 10_000,
            window: window,
            newValue: accessed ? 10_000 : 0
        )
        if accessed { accessCount &+= 1 }
    }

    /// Re-expresses the results under new attributes (DAMON: `damon_update_monitoring_result`,
    /// 6.3+): counts go through basis points of the old and new samples-per-aggregation, age
    /// scales with the aggregation interval. `aggregating` says the count being carried is
    /// `lastAccessCount` (the change lands at an aggregation boundary).
    public mutating func rescale(from old: Attributes, to new: Attributes, aggregating: Bool) {
        func convert(_ count: UInt32) -> UInt32 {
            let bp = UInt64(count) * 10_000 / UInt64(max(old.maxAccessCount, 1))
            return UInt32(clamping: multipliedDivided(bp, by: UInt64(new.maxAccessCount), over: 10_000))
        }
        if aggregating {
            lastAccessCount = convert(lastAccessCount)
            accessRateBP = lastAccessCount &* 10_000
        } else {
            accessCount = convert(accessCount)
            accessRateBP = accessCount &* 10_000
        }
        age = UInt32(clamping: multipliedDivided(UInt64(age), by: old.aggregationInterval, over: max(new.aggregationInterval, 1)))
    }
}

extension Target {
    /// Closes an aggregation for this target (DAMON: `kdamond_reset_aggregated`): remembers each
    /// region's count as `lastAccessCount` and zeroes it. Runs after the snapshot was published.
    public mutating func resetAggregated() {
        for index in regions.indices {
            regions[index].lastAccessCount = regions[index].accessCount
            regions[index].accessCount = 0
        }
    }
}
