import SwamonProtocol
import SwamonReports

/// The record the report tests share, worked out by hand: sample 5 ms, aggr 100 ms (20 samples
/// per aggregation), pid 1234, four snapshots of 100 ms each.
enum Scripted {
    static let intervals = RecordIntervals(sample: 5000, aggregation: 100_000, update: 1_000_000)

    static func region(_ start: UInt64, _ end: UInt64, _ nrAccesses: UInt64, _ age: UInt64) -> RecordRegion {
        RecordRegion(start: start, end: end, nrAccesses: nrAccesses, age: age)
    }

    static let low = 0x1000 as UInt64, middle = 0x3000 as UInt64, high = 0x7000 as UInt64
    static let stack = 0x7f00_0000_0000 as UInt64

    /// Working set per snapshot: 12 KiB, 8 KiB, 20 KiB, 8 KiB. The last snapshot's ages sit on the
    /// idle thresholds: 99 aggregations (9.9 s), 100 (10 s), 18000 (30 min), and 20000 with one
    /// sample (not idle).
    static let record = TargetRecord(
        targetID: 1234, intervals: intervals,
        snapshots: [
            RecordSnapshot(start: 0, end: 100_000_000, regions: [region(low, middle, 20, 0), region(middle, high, 0, 97), region(stack, stack + 0x1000, 10, 600)]),
            RecordSnapshot(start: 100_000_000, end: 200_000_000, regions: [region(low, middle, 10, 1), region(middle, high, 0, 98), region(stack, stack + 0x1000, 0, 17998)]),
            RecordSnapshot(start: 200_000_000, end: 300_000_000, regions: [region(low, middle, 0, 98), region(middle, high, 5, 0), region(stack, stack + 0x1000, 20, 17999)]),
            RecordSnapshot(
                start: 300_000_000, end: 400_000_000,
                regions: [region(low, middle, 0, 99), region(middle, high, 0, 100), region(stack, stack + 0x1000, 0, 18000), region(stack + 0x1000, stack + 0x3000, 1, 20000)]),
        ])
}
