/// One monitoring context (DAMON: `struct damon_ctx`): attributes, targets and their regions,
/// the operations and the sample-counting timers.
///
/// Owned by exactly one thread while monitoring runs (the kdamond); not `Sendable`. Clock,
/// randomness and the minimum region size are injected so that tests run the kernel's cases
/// with a minimum region size of 1 and thousands of iterations without sleeping.
public final class MonitoringContext {
    public private(set) var attributes: Attributes
    public var targets: [Target]
    public let operations: any Operations
    public var callbacks: Callbacks
    /// DAMON_MIN_REGION: the page size in production, 1 in the ported KUnit cases.
    public let minRegionSize: UInt64
    /// Monotonic nanoseconds, stamped on each aggregation snapshot.
    public let clock: () -> UInt64
    var random: any RandomNumberGenerator
    /// How sampled pages are chosen: the kernel's `.random` unless the owner says otherwise before
    /// monitoring starts.
    public var sampling: SamplingStrategy = .random

    /// Sampling intervals completed since monitoring started (DAMON: `passed_sample_intervals`).
    public internal(set) var passedSamples: UInt64 = 0
    /// Sample count at which the next aggregation happens (DAMON: `next_aggregation_sis`).
    public internal(set) var nextAggregationSample: UInt64 = 0
    /// Sample count at which the next operations update happens (DAMON: `next_ops_update_sis`).
    public internal(set) var nextUpdateSample: UInt64 = 0
    /// Aggregations completed since monitoring started.
    public internal(set) var aggregations: UInt64 = 0
    /// Largest access count returned by the last access check; the merge threshold is a tenth.
    public internal(set) var maxAccessCount: UInt32 = 0
    /// Region count seen by the previous split; equal counts twice in a row allow a three-way
    /// split. Per context (the kernel keeps one static for all contexts — a known wart).
    var lastRegionCount = 0
    /// Region size limit for merges, recomputed at start and after every operations update.
    public internal(set) var regionSizeLimit: UInt64 = 1
    /// Set to stop the loop at the top of the next iteration (DAMON: `kdamond_stop`).
    public var stopRequested = false
    /// The error a callback threw to stop monitoring, if any.
    public internal(set) var stopReason: (any Error)?
    /// The schemes applied at each aggregation, with their runtime state and statistics.
    public var schemes: [SchemeRun] = []
    /// While non-nil, every region a scheme tries is appended (set before an aggregation's
    /// scheme pass by whoever wants the tried regions, taken and set back to nil after it).
    public var triedRegions: [TriedRegion]?
    /// The free memory rate in per mille, read at each watermark check; nil when unknown (then
    /// watermarks do not deactivate anything). Injected: `/proc/meminfo` in the daemon.
    public var freeMemoryRate: () -> UInt64? = { nil }
    /// True while every scheme is deactivated by its watermarks and monitoring waits
    /// (DAMON: `kdamond_wait_activation`).
    public internal(set) var pausedByWatermarks = false

    public init(
        attributes: Attributes = .kernelDefault,
        targets: [Target] = [],
        operations: any Operations,
        callbacks: Callbacks = Callbacks(),
        minRegionSize: UInt64,
        random: any RandomNumberGenerator,
        clock: @escaping () -> UInt64
    ) {
        precondition(minRegionSize > 0, "the minimum region size must be at least 1")
        self.attributes = attributes
        self.targets = targets
        self.operations = operations
        self.callbacks = callbacks
        self.minRegionSize = minRegionSize
        self.random = random
        self.clock = clock
        scheduleTimers()
    }

    /// Validates and applies new attributes (DAMON: `damon_set_attrs`). Existing regions are
    /// rescaled to the new intervals and the timers restart from the current sample count.
    /// On error nothing changes.
    public func setAttributes(_ new: Attributes) throws(AttributesError) {
        try new.validate()
        let aggregating = passedSamples >= nextAggregationSample && passedSamples > 0
        for t in targets.indices {
            for r in targets[t].regions.indices {
                targets[t].regions[r].rescale(from: attributes, to: new, aggregating: aggregating)
            }
        }
        attributes = new
        scheduleTimers()
    }

    private func scheduleTimers() {
        let sample = max(attributes.sampleInterval, 1)
        nextAggregationSample = passedSamples + attributes.aggregationInterval / sample
        nextUpdateSample = passedSamples + attributes.updateInterval / sample
    }

    /// Total number of regions over all targets.
    public var regionCount: Int { targets.reduce(0) { $0 + $1.regions.count } }

    /// Lends the targets and the generator to `body` as plain locals, written back afterwards:
    /// the per-region loops of the operations then run without the per-access exclusivity checks
    /// and unspecialized generic calls that reaching into the class each time would cost.
    public func withTargetsAndRandom<Result>(
        _ body: (inout [Target], inout any RandomNumberGenerator) throws -> Result
    ) rethrows -> Result {
        var lentTargets = targets
        var lentRandom = random
        targets = []
        defer {
            targets = lentTargets
            random = lentRandom
        }
        return try body(&lentTargets, &lentRandom)
    }

    /// The merge size limit (DAMON: `damon_region_sz_limit`): total monitored bytes divided by
    /// the minimum number of regions, at least one minimum region.
    public func computeRegionSizeLimit() -> UInt64 {
        // Saturating: targets may overlap (the same process twice), so the sum can pass 2^64.
        var total = targets.reduce(UInt64(0)) { sum, target in
            let (next, overflow) = sum.addingReportingOverflow(target.totalBytes)
            return overflow ? UInt64.max : next
        }
        if attributes.minRegions > 0 { total /= attributes.minRegions }
        return max(total, minRegionSize)
    }
}
