/// What one aggregation observed for one target: the regions after the merge, before the reset
/// (the kernel's `damon_aggregated` tracepoint). Immutable; published by the monitoring thread.
public struct AggregationSnapshot: Equatable, Sendable {
    public struct Entry: Equatable, Sendable {
        public var range: AddressRange
        public var accessCount: UInt32
        public var age: UInt32

        public init(range: AddressRange, accessCount: UInt32, age: UInt32) {
            self.range = range
            self.accessCount = accessCount
            self.age = age
        }
    }

    public var targetID: Target.ID
    /// Monotonic nanoseconds when the aggregation happened.
    public var timestamp: UInt64
    /// Sampling intervals completed since monitoring started.
    public var samples: UInt64
    public var regions: [Entry]

    public init(targetID: Target.ID, timestamp: UInt64, samples: UInt64, regions: [Entry]) {
        self.targetID = targetID
        self.timestamp = timestamp
        self.samples = samples
        self.regions = regions
    }

    public var totalBytes: UInt64 { regions.reduce(0) { $0 + $1.range.size } }
    /// Bytes in regions seen accessed at least once in the aggregation (the working set).
    public var accessedBytes: UInt64 { regions.reduce(0) { $0 + ($1.accessCount > 0 ? $1.range.size : 0) } }
    public var maxAccessCount: UInt32 { regions.map(\.accessCount).max() ?? 0 }
}

extension MonitoringContext {
    /// One snapshot per target of the regions as they stand; meaningful inside `afterAggregation`.
    public func snapshots() -> [AggregationSnapshot] {
        let now = clock()
        return targets.map { target in
            AggregationSnapshot(
                targetID: target.id,
                timestamp: now,
                samples: passedSamples,
                regions: target.regions.map { .init(range: $0.range, accessCount: $0.accessCount, age: $0.age) }
            )
        }
    }
}
