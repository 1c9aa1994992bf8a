public import SwamonProtocol

/// Monitoring intervals of a record, µs (damo: `intervals{sample_us, aggr_us, ops_update_us}`).
public struct RecordIntervals: Equatable, Sendable {
    public var sample: UInt64
    public var aggregation: UInt64
    public var update: UInt64

    public init(sample: UInt64, aggregation: UInt64, update: UInt64) {
        self.sample = sample
        self.aggregation = aggregation
        self.update = update
    }

    /// Most samples one aggregation can count (aggr / sample, at least 1).
    public var samplesPerAggregation: UInt64 { max(1, aggregation / max(1, sample)) }

    /// damo's percent of `samples`: `int(samples * 100.0 / (aggr / sample))`.
    public func percent(_ samples: UInt64) -> UInt64 {
        UInt64(Double(samples) * 100.0 / (Double(aggregation) / Double(max(1, sample))))
    }
}

/// One region of a snapshot: `[start, end)`, its nr_accesses in samples and its age in
/// aggregation intervals, as DAMON reports them.
public typealias RecordRegion = ResultsFormat.Region

extension ResultsFormat.Region {
    public var size: UInt64 { end >= start ? end - start : 0 }
}

/// The regions of one target at one aggregation; times in nanoseconds on one clock per record.
public struct RecordSnapshot: Equatable, Sendable {
    public var start: UInt64
    public var end: UInt64
    public var regions: [RecordRegion]

    public init(start: UInt64, end: UInt64, regions: [RecordRegion]) {
        self.start = start
        self.end = end
        self.regions = regions
    }

    public var totalBytes: UInt64 { regions.reduce(0) { $0 &+ $1.size } }
}

/// What damo calls a DamonRecord: one target's snapshots under one set of intervals.
public struct TargetRecord: Equatable, Sendable {
    public var targetID: Int64
    public var intervals: RecordIntervals
    public var snapshots: [RecordSnapshot]

    public init(targetID: Int64, intervals: RecordIntervals, snapshots: [RecordSnapshot] = []) {
        self.targetID = targetID
        self.intervals = intervals
        self.snapshots = snapshots
    }

    /// Whether the target is the physical address space (target id 42, as in `target_ids`).
    public var isPhysical: Bool { targetID == 42 }
    public var label: String { isPhysical ? "paddr" : "pid \(targetID)" }
}

/// Collects aggregations as they arrive (from `watch` or the journal) into one record per target
/// and intervals, in the order targets first appear.
public struct RecordBuilder: Sendable {
    public private(set) var records: [TargetRecord] = []

    public init() {}

    /// A snapshot ending at `end` (ns) starts where the target's previous one ended, as damo's
    /// trace parser has it (a slow sampler's aggregations last longer than aggr); the first one
    /// covers one aggregation interval.
    public mutating func add(target: Int64, intervals: RecordIntervals, end: UInt64, regions: [RecordRegion]) {
        let index = records.lastIndex { $0.targetID == target && $0.intervals == intervals }
        let start: UInt64
        if let index, let previous = records[index].snapshots.last?.end, previous < end {
            start = previous
        } else {
            let span = intervals.aggregation.multipliedReportingOverflow(by: 1000)
            start = span.overflow || span.partialValue > end ? 0 : end - span.partialValue
        }
        let snapshot = RecordSnapshot(start: start, end: end, regions: regions)
        if let index {
            records[index].snapshots.append(snapshot)
        } else {
            records.append(TargetRecord(targetID: target, intervals: intervals, snapshots: [snapshot]))
        }
    }

    public var snapshotCount: Int { records.reduce(0) { $0 + $1.snapshots.count } }
}
