import Foundation
import SwamonCore
import SwamonProtocol

/// The cold-memory curve of one snapshot: bytes idle (`Idleness`) for at least each threshold —
/// what `swamon_target_idle_bytes` exports.
public struct IdleReport: Sendable {
    public struct Target: Sendable, Equatable {
        public var targetID: Int64
        public var label: String
        public var totalBytes: UInt64
        public var idleBytes: [UInt64]
    }

    /// In seconds.
    public var thresholds: [UInt64]
    public var targets: [Target]

    /// The last snapshot of each record; `thresholds` in seconds.
    public init(_ records: [TargetRecord], thresholds: [UInt64] = Idleness.thresholdSeconds) {
        self.thresholds = thresholds
        targets = records.compactMap { record in
            guard let snapshot = record.snapshots.last else { return nil }
            let idle = thresholds.map { seconds in
                snapshot.regions.reduce(UInt64(0)) { sum, region in
                    let idle = Idleness.isIdle(
                        nrAccesses: region.nrAccesses, age: region.age, aggregationInterval: record.intervals.aggregation, seconds: seconds)
                    return sum &+ (idle ? region.size : 0)
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
                    "\(DamoText.left(Quantities.duration(microseconds: threshold &* 1_000_000), 18))  \(DamoText.right(humanBytes(bytes), 10))  "
                        + AccessReport.share(bytes, of: target.totalBytes))
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    public var json: [[String: Any]] {
        targets.map { target in
            [
                "target_id": target.targetID, "total_bytes": target.totalBytes,
                "idle": zip(thresholds, target.idleBytes).map { ["idle_for_seconds": $0, "bytes": $1] },
            ]
        }
    }
}
