public import Logging
import SwamonCore
import SwamonProtocol

/// Writes aggregation results and lifecycle events as structured log records: `SWAMON_*`
/// metadata plus a human message. With the journal handler the metadata become journal fields;
/// on stderr they print after the message.
public struct ResultsLog: Sendable {
    public let logger: Logger

    /// Longest `SWAMON_REGIONS` value; longer lists continue in `SWAMON_REGIONS_1`, `_2`, ….
    static let fieldLimit = 4000

    public init(logger: Logger) {
        self.logger = logger
    }

    /// Runs on the monitoring thread after each aggregation; writes one record every `every`
    /// aggregations (`journal_every`; 0 = none).
    /// `samplePeriod` (ns) is the measured time per sample over the last aggregation; `overruns`
    /// counts samples whose work outlasted the sampling interval since monitoring started;
    /// `attributes` are the context's at this aggregation (what a record built from the journal
    /// needs to turn counts into rates and ages into time); `unit` the target's systemd unit
    /// (empty when none).
    func aggregation(
        context: String, aggregation: UInt64, every: UInt64, _ snapshot: AggregationSnapshot, attributes: Attributes?,
        unit: String, samplePeriod: UInt64, overruns: UInt64
    ) {
        guard every > 0, aggregation % every == 0 else { return }
        var metadata: Logger.Metadata = [
            "MESSAGE_ID": "\(MessageID.aggregation)",
            "SWAMON_CONTEXT": "\(context)",
            "SWAMON_TARGET": "\(snapshot.targetID)",
            "SWAMON_NR_REGIONS": "\(snapshot.regions.count)",
            "SWAMON_TOTAL_BYTES": "\(snapshot.totalBytes)",
            "SWAMON_ACCESSED_BYTES": "\(snapshot.accessedBytes)",
            "SWAMON_MAX_NR_ACCESSES": "\(snapshot.maxAccessCount)",
            "SWAMON_SAMPLES": "\(snapshot.samples)",
            "SWAMON_AGGREGATION": "\(aggregation)",
            "SWAMON_SAMPLE_PERIOD_US": "\(samplePeriod / 1000)",
            "SWAMON_OVERRUNS": "\(overruns)",
        ]
        if !unit.isEmpty { metadata["SWAMON_UNIT"] = "\(unit)" }
        if let attributes {
            metadata["SWAMON_SAMPLE_US"] = "\(attributes.sampleInterval)"
            metadata["SWAMON_AGGR_US"] = "\(attributes.aggregationInterval)"
            metadata["SWAMON_UPDATE_US"] = "\(attributes.updateInterval)"
        }
        for (index, chunk) in Self.regionChunks(snapshot).enumerated() {
            metadata[index == 0 ? "SWAMON_REGIONS" : "SWAMON_REGIONS_\(index)"] = "\(chunk)"
        }
        logger.info(
            "\(context) \(snapshot.targetID == TargetIDsFormat.paddrTargetID ? "paddr" : "pid \(snapshot.targetID)"): \(snapshot.regions.count) regions, \(humanBytes(snapshot.accessedBytes)) of \(humanBytes(snapshot.totalBytes)) accessed",
            metadata: metadata)
    }

    /// The compact region list split so that no field exceeds the limit.
    static func regionChunks(_ snapshot: AggregationSnapshot) -> [String] {
        var chunks: [String] = []
        var current = ""
        for entry in snapshot.regions {
            let item = ResultsFormat.compact(entry)
            if !current.isEmpty && current.utf8.count + 1 + item.utf8.count > fieldLimit {
                chunks.append(current)
                current = ""
            }
            current += current.isEmpty ? item : " " + item
        }
        if !current.isEmpty { chunks.append(current) }
        return chunks
    }

    /// A lifecycle event (started, stopped, target exited, backend chosen).
    func event(_ id: String, _ message: String, context: String, level: Logger.Level = .notice, _ extra: Logger.Metadata = [:]) {
        var metadata = extra
        metadata["MESSAGE_ID"] = "\(id)"
        metadata["SWAMON_CONTEXT"] = "\(context)"
        logger.log(level: level, "\(message)", metadata: metadata)
    }
}

/// Fixed journal message ids (`journalctl MESSAGE_ID=…`), one per kind of record.
public enum MessageID {
    public static let aggregation = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a013"
    public static let started = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a014"
    public static let stopped = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a015"
    public static let targetExited = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a016"
    public static let backendChosen = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a017"
    public static let fallingBehind = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a018"
    public static let resumed = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a019"
    /// A scheme applied its action to some bytes in one aggregation.
    public static let schemeApplied = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a01a"
    /// A scheme cannot act (refused, or an action that is never applied) or its watermarks
    /// paused or resumed monitoring.
    public static let schemeState = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a01b"
    /// Processes that joined a unit or control-group target were taken in.
    public static let targetJoined = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a01c"
}
