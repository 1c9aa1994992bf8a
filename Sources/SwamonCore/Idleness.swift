/// Idle memory as swamon reports it (the metrics' `swamon_target_idle_bytes`, `swamonctl report
/// idle`): a region not accessed in the last aggregation (nr_accesses 0) whose age × aggregation
/// interval reaches the threshold. Age counts aggregations since the region's access count last
/// moved, so a region at 0 for that long has been idle that long.
public enum Idleness {
    /// The thresholds reported, in seconds: 10 s, 1 min, 5 min, 30 min (`idle_for_seconds`).
    public static let thresholdSeconds: [UInt64] = [10, 60, 300, 1800]

    /// `aggregationInterval` in µs; at least `seconds` counts (100 aggregations of 100 ms are 10 s).
    public static func isIdle(nrAccesses: UInt64, age: UInt64, aggregationInterval: UInt64, seconds: UInt64) -> Bool {
        guard nrAccesses == 0 else { return false }
        let (idle, idleOverflow) = age.multipliedReportingOverflow(by: aggregationInterval)
        let (threshold, thresholdOverflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        return idleOverflow || (!thresholdOverflow && idle >= threshold)
    }
}
