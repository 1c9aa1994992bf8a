import Foundation
import SwamonProtocol

/// One snapshot as a table (`damo report access`): address range, size, access rate and age.
public struct AccessReport: Sendable {
    public enum Order: String, CaseIterable, Sendable {
        case address, access, age, size
    }

    public var record: TargetRecord
    public var snapshot: RecordSnapshot
    /// The snapshot's end relative to the record's first snapshot start, ns.
    public var offset: UInt64

    /// The last snapshot of `record`; nil when it has none.
    public init?(_ record: TargetRecord) {
        guard let last = record.snapshots.last, let first = record.snapshots.first else { return nil }
        self.record = record
        snapshot = last
        offset = last.end >= first.start ? last.end - first.start : 0
    }

    /// Regions in `order`: by address ascending; hottest, oldest or largest first otherwise
    /// (ties by address).
    public func regions(_ order: Order) -> [RecordRegion] {
        let regions = snapshot.regions
        switch order {
        case .address: return regions.sorted { $0.start < $1.start }
        case .access: return regions.sorted { ($0.nrAccesses, $1.start) > ($1.nrAccesses, $0.start) }
        case .age: return regions.sorted { ($0.age, $1.start) > ($1.age, $0.start) }
        case .size: return regions.sorted { ($0.size, $1.start) > ($1.size, $0.start) }
        }
    }

    public func text(order: Order = .address) -> String {
        let intervals = record.intervals
        let total = snapshot.totalBytes
        let accessed = snapshot.regions.reduce(UInt64(0)) { $0 &+ ($1.nrAccesses > 0 ? $1.size : 0) }
        var lines = [
            "# \(record.label): \(snapshot.regions.count) regions, \(humanBytes(total)) at \(Self.seconds(offset)) "
                + "(sample \(Quantities.duration(microseconds: intervals.sample)), aggr \(Quantities.duration(microseconds: intervals.aggregation)))",
            "  #  \(DamoText.left("start-end", 27)) \(DamoText.right("size", 10)) \(DamoText.right("access", 7))  age",
        ]
        for (index, region) in regions(order).enumerated() {
            let range = "\(ResultsFormat.hex(region.start))-\(ResultsFormat.hex(region.end))"
            let age = Quantities.duration(microseconds: region.age &* intervals.aggregation)
            lines.append(
                "\(DamoText.right(String(index), 3))  \(DamoText.left(range, 27)) \(DamoText.right(humanBytes(region.size), 10)) "
                    + "\(DamoText.right("\(intervals.percent(region.nrAccesses)) %", 7))  \(age)")
        }
        lines.append("# accessed \(humanBytes(accessed)) of \(humanBytes(total)) (\(Self.share(accessed, of: total)))")
        return lines.joined(separator: "\n") + "\n"
    }

    public func json(order: Order = .address) -> [String: Any] {
        let intervals = record.intervals
        return [
            "target_id": record.targetID, "time_ns": offset, "sample_us": intervals.sample, "aggr_us": intervals.aggregation,
            "regions": regions(order).map { region -> [String: Any] in
                [
                    "start": region.start, "end": region.end, "size": region.size, "nr_accesses": region.nrAccesses,
                    "access_percent": intervals.percent(region.nrAccesses), "age_aggr_intervals": region.age,
                    "age_us": region.age &* intervals.aggregation,
                ]
            },
        ]
    }

    /// `12.400 s`.
    static func seconds(_ nanoseconds: UInt64) -> String { String(format: "%.3f s", Double(nanoseconds) / 1e9) }

    /// `12.5 %` of a total (`0 %` of nothing).
    static func share(_ part: UInt64, of total: UInt64) -> String {
        total == 0 ? "0 %" : String(format: "%.1f %%", Double(part) * 100 / Double(total))
    }
}
