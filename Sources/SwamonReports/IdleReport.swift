import Foundation
import SwamonProtocol

/// The cold-memory curve of one snapshot: bytes of regions not accessed (nr_accesses 0) for at
/// least each threshold (age × aggregation interval) — what `swamon_target_idle_bytes` exports.
public struct IdleReport: Sendable {
    /// 10 s, 1 min, 5 min, 30 min, in µs (the metrics contract's `idle_for_seconds`).
    public static let thresholds: [UInt64] = [10_000_000, 60_000_000, 300_000_000, 1_800_000_000]

    public struct Target: Sendable, Equatable {
        public var targetID: Int64
        public var label: String
        public var totalBytes: UInt64
        public var idleBytes: [UInt64]
    }

    public var thresholds: [UInt64]
    public var targets: [Target]

    /// The last snapshot of each record.
    public init(_ records: [TargetRecord], thresholds: [UInt64] = IdleReport.thresholds) {
        self.thresholds = thresholds
        targets = records.compactMap { record in
            guard let snapshot = record.snapshots.last else { return nil }
            let idle = thresholds.map { threshold in
                snapshot.regions.reduce(UInt64(0)) { sum, region in
                    let (idleFor, overflow) = region.age.multipliedReportingOverflow(by: record.intervals.aggregation)
                    return sum &+ (region.nrAccesses == 0 && (overflow || idleFor >= threshold) ? region.size : 0)
                }
            }
            return Target(targetID: record.targetID, label: record.label, totalBytes: snapshot.totalBytes, idleBytes: idle)
        }
    }

    public func text() -> String {
        var lines: [String] = []
        for target in targets {
            lines.append("# \(target.label): \(humanBytes(target.totalBytes)) monitored")
            lines.append("\(DamoText.left("idle for at least", 18))  \(DamoText.right("bytes", 10))  share")
            for (threshold, bytes) in zip(thresholds, target.idleBytes) {
                lines.append(
                    "\(DamoText.left(Quantities.duration(microseconds: threshold), 18))  \(DamoText.right(humanBytes(bytes), 10))  "
                        + AccessReport.share(bytes, of: target.totalBytes))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: [[String: Any]] {
        targets.map { target in
            [
                "target_id": target.targetID, "total_bytes": target.totalBytes,
                "idle": zip(thresholds, target.idleBytes).map { ["idle_for_seconds": $0 / 1_000_000, "bytes": $1] },
            ]
        }
    }
}
