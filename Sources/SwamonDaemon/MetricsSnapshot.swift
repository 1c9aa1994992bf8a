import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

/// What the metrics report, copied from the registry's published state in one short lock (never
/// from a running context): per context its counters, per target of a running context its last
/// aggregation summed up. A target that is no longer monitored is not in it.
public struct MetricsSnapshot: Sendable {
    public struct Context: Sendable {
        public var name: String
        public var running: Bool
        public var samples: UInt64
        public var aggregations: UInt64
        public var overruns: UInt64
        public var samplePeriodSeconds: Double
        /// By scheme index: bytes tried, bytes applied, quota windows exceeded (since the daemon started).
        public var schemes: [(index: Int, tried: UInt64, applied: UInt64, quotaExceeds: UInt64)]
    }

    public struct Target: Sendable {
        public var context: String
        /// The pid, or `paddr`.
        public var target: String
        public var comm: String
        public var unit: String
        public var regions: Int
        public var bytes: UInt64
        public var accessedBytes: UInt64
        /// Bytes idle for at least each of `Idleness.thresholdSeconds`.
        public var idleBytes: [UInt64]
    }

    public var contexts: [Context]
    public var targets: [Target]

    /// The targets of one systemd unit in one context, summed (a unit's processes).
    public struct Unit: Sendable {
        public var context: String
        public var unit: String
        public var processes: Int
        public var bytes: UInt64
        public var accessedBytes: UInt64
        public var idleBytes: [UInt64]
    }

    /// Per context and unit, in the order they first appear; targets without a unit are left out.
    public var units: [Unit] {
        var units: [Unit] = []
        for target in targets where !target.unit.isEmpty {
            if let index = units.firstIndex(where: { $0.context == target.context && $0.unit == target.unit }) {
                units[index].processes += 1
                units[index].bytes &+= target.bytes
                units[index].accessedBytes &+= target.accessedBytes
                units[index].idleBytes = zip(units[index].idleBytes, target.idleBytes).map { $0 &+ $1 }
            } else {
                units.append(
                    Unit(context: target.context, unit: target.unit, processes: 1, bytes: target.bytes, accessedBytes: target.accessedBytes,
                        idleBytes: target.idleBytes))
            }
        }
        return units
    }

    /// Bytes of `snapshot`'s regions idle for at least `seconds` (`Idleness`); `aggregationInterval` in µs.
    static func idleBytes(_ snapshot: AggregationSnapshot, aggregationInterval: UInt64, seconds: UInt64) -> UInt64 {
        snapshot.regions.reduce(0) { sum, entry in
            let idle = Idleness.isIdle(nrAccesses: UInt64(entry.accessCount), age: UInt64(entry.age), aggregationInterval: aggregationInterval, seconds: seconds)
            return sum &+ (idle ? entry.range.size : 0)
        }
    }
}

extension Registry {
    public func metricsSnapshot() -> MetricsSnapshot {
        typealias Copy = (name: String, running: Bool, totals: MetricTotals, period: UInt64, aggregation: UInt64, snapshots: [AggregationSnapshot], labels: [Target.ID: ProcessLabels])
        let copies: [Copy] = contexts.withLock { contexts in
            contexts.map { context in
                (
                    context.name, context.isRunning, context.totals, context.samplePeriod, context.attributes.aggregationInterval,
                    context.isRunning ? context.snapshots : [], context.targetLabels
                )
            }
        }
        var result = MetricsSnapshot(contexts: [], targets: [])
        for copy in copies {
            result.contexts.append(
                MetricsSnapshot.Context(
                    name: copy.name, running: copy.running, samples: copy.totals.samples, aggregations: copy.totals.aggregations,
                    overruns: copy.totals.overruns, samplePeriodSeconds: Double(copy.period) / 1e9,
                    schemes: copy.totals.schemes.sorted { $0.key < $1.key }.map { ($0.key, $0.value.tried, $0.value.applied, $0.value.quotaExceeds) }))
            for snapshot in copy.snapshots {
                let labels = copy.labels[snapshot.targetID] ?? ProcessLabels(comm: "", unit: "")
                result.targets.append(
                    MetricsSnapshot.Target(
                        context: copy.name,
                        target: snapshot.targetID == TargetIDsFormat.paddrTargetID ? "paddr" : String(snapshot.targetID),
                        comm: labels.comm, unit: labels.unit, regions: snapshot.regions.count, bytes: snapshot.totalBytes,
                        accessedBytes: snapshot.accessedBytes,
                        idleBytes: Idleness.thresholdSeconds.map {
                            MetricsSnapshot.idleBytes(snapshot, aggregationInterval: copy.aggregation, seconds: $0)
                        }))
            }
        }
        return result
    }
}
