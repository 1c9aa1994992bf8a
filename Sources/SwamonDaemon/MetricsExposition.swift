import Prometheus
import SwamonCore

/// Prometheus's text exposition of a `MetricsSnapshot`, through swift-prometheus: a registry
/// made afresh for each rendering, so the series of a target that is gone are simply absent.
public enum MetricsExposition {
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ snapshot: MetricsSnapshot, version: String) -> [UInt8] {
        let registry = PrometheusCollectorRegistry()
        func gauge(_ name: String, _ unit: String, _ help: String, _ labels: [(String, String)], _ value: Double) {
            registry.makeGauge(descriptor: MetricNameDescriptor(namespace: "swamon", metricName: name, unitName: unit, helpText: help), labels: labels)
                .set(value)
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)], _ value: UInt64) {
            registry.makeCounter(descriptor: MetricNameDescriptor(namespace: "swamon", metricName: name, unitName: "total", helpText: help), labels: labels)
                .increment(by: Int64(clamping: value))
        }
        gauge("build", "info", "The daemon's version (always 1).", [("version", version)], 1)
        for context in snapshot.contexts {
            let labels = [("context", context.name)]
            gauge("context", "running", "1 while the context monitors.", labels, context.running ? 1 : 0)
            counter("samples", "Samples taken since the daemon started.", labels, context.samples)
            counter("aggregations", "Aggregations since the daemon started.", labels, context.aggregations)
            counter("overruns", "Samples whose work outlasted the sampling interval, since the daemon started.", labels, context.overruns)
            gauge("sample_period", "seconds", "Measured time per sample over the last aggregation.", labels, context.samplePeriodSeconds)
            for scheme in context.schemes {
                let labels = [("context", context.name), ("scheme", String(scheme.index))]
                counter("scheme_tried_bytes", "DAMOS: bytes of regions the scheme was tried on.", labels, scheme.tried)
                counter("scheme_applied_bytes", "DAMOS: bytes the scheme's action was applied to.", labels, scheme.applied)
                counter("scheme_quota_exceeds", "DAMOS: quota windows the scheme used up.", labels, scheme.quotaExceeds)
            }
        }
        /// bytes, accessed bytes and the idle curve of a target (`target`) or a unit (`unit`).
        func sizes(_ subject: String, _ labels: [(String, String)], bytes: UInt64, accessed: UInt64, idle: [UInt64]) {
            gauge(subject, "bytes", "Bytes covered by the regions of a monitored \(subject).", labels, Double(bytes))
            gauge("\(subject)_accessed", "bytes", "Bytes of a \(subject) in regions accessed in the last aggregation (the working set).", labels, Double(accessed))
            for (seconds, bytes) in zip(Idleness.thresholdSeconds, idle) {
                gauge("\(subject)_idle", "bytes", "Bytes of a \(subject) in regions not accessed for at least idle_for_seconds.",
                    labels + [("idle_for_seconds", String(seconds))], Double(bytes))
            }
        }
        for target in snapshot.targets {
            let labels = [("context", target.context), ("target", target.target)]
            gauge("target", "info", "Process name and systemd unit of a monitored target (always 1).",
                labels + [("comm", target.comm), ("unit", target.unit)], 1)
            gauge("regions", "", "Regions in the target's last aggregation.", labels, Double(target.regions))
            sizes("target", labels, bytes: target.bytes, accessed: target.accessedBytes, idle: target.idleBytes)
        }
        for unit in snapshot.units {
            let labels = [("context", unit.context), ("unit", unit.unit)]
            gauge("unit", "processes", "Monitored processes of a systemd unit.", labels, Double(unit.processes))
            sizes("unit", labels, bytes: unit.bytes, accessed: unit.accessedBytes, idle: unit.idleBytes)
        }
        return registry.emitToBuffer()
    }
}
