import Foundation
import SwamonProtocol

/// Working-set size over a record, as `damo report wss` computes it: per snapshot, the bytes of
/// regions with at least `accessThreshold` samples; percentiles of those sizes sorted.
public struct WorkingSetReport: Sendable {
    public struct Target: Sendable, Equatable {
        public var targetID: Int64
        /// One size per snapshot, in time order (snapshots skipped by `excluded` not included).
        public var sizes: [UInt64]
        public var percentiles: [(percentile: Int, bytes: UInt64)]
        public var mean: Double

        public static func == (lhs: Target, rhs: Target) -> Bool {
            lhs.targetID == rhs.targetID && lhs.sizes == rhs.sizes && lhs.mean == rhs.mean
                && lhs.percentiles.map(\.percentile) == rhs.percentiles.map(\.percentile) && lhs.percentiles.map(\.bytes) == rhs.percentiles.map(\.bytes)
        }
    }

    public var targets: [Target]

    /// damo's defaults: percentiles 0, 25, 50, 75, 100; threshold 1 sample. damo also skips the
    /// first 20 snapshots (`--exclude_samples`); swamonctl skips none unless asked, since its
    /// regions are already adapted when a recording starts on a running context.
    public init(_ records: [TargetRecord], percentiles: [Int] = [0, 25, 50, 75, 100], accessThreshold: UInt64 = 1, excluded: Int = 0) {
        targets = records.map { record in
            let sizes = record.snapshots.dropFirst(excluded).map { snapshot in
                snapshot.regions.reduce(UInt64(0)) { $0 &+ ($1.nrAccesses >= accessThreshold ? $1.size : 0) }
            }
            let sorted = sizes.sorted()
            return Target(
                targetID: record.targetID, sizes: sizes,
                percentiles: sorted.isEmpty ? [] : percentiles.map { ($0, Self.percentile(sorted, $0)) },
                mean: sizes.isEmpty ? 0 : Double(sizes.reduce(0, &+)) / Double(sizes.count))
        }
    }

    /// damo's rule: the value at index `int(p / 100 * n)`, the last one for p = 100.
    static func percentile(_ sorted: [UInt64], _ percentile: Int) -> UInt64 {
        let index = Int(Double(percentile) / 100.0 * Double(sorted.count))
        return sorted[min(max(index, 0), sorted.count - 1)]
    }

    /// damo's text: per target a header, the mean, and a line per percentile with a bar of
    /// `barWidth` columns scaled to the largest printed value.
    public func text(barWidth: Int = 59) -> String {
        var lines: [String] = []
        for target in targets {
            lines.append("# target_id\t\(target.targetID)")
            lines.append("# <percentile> <wss>")
            guard !target.percentiles.isEmpty else {
                lines.append("# no snapshot")
                continue
            }
            lines.append("# avr:\t\(DamoText.size(target.mean))")
            let largest = target.percentiles.map(\.bytes).max() ?? 0
            for (percentile, bytes) in target.percentiles {
                var line = DamoText.right(String(percentile), 3) + " " + DamoText.right(DamoText.size(bytes), 15)
                if barWidth > 0 {
                    let columns = largest == 0 ? 0 : Int(Double(bytes) / (Double(largest) / Double(barWidth)))
                    line += " |" + String(repeating: "*", count: columns) + String(repeating: " ", count: barWidth - columns) + "|"
                }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: [[String: Any]] {
        targets.map { target in
            [
                "target_id": target.targetID, "mean_bytes": target.mean, "snapshots": target.sizes.count,
                "percentiles": target.percentiles.map { ["percentile": $0.percentile, "bytes": $0.bytes] },
            ]
        }
    }
}
