import SwamonProtocol

/// Records rebuilt from swamond's aggregation journal entries (`SWAMON_*` fields): what
/// `swamonctl record --from-journal` writes.
public enum JournalRecords {
    /// The fields an aggregation entry needs (docs/journal.md); `SWAMON_REGIONS` continues in
    /// `SWAMON_REGIONS_1`, `_2`, ….
    public static let fields = ["SWAMON_CONTEXT", "SWAMON_TARGET", "SWAMON_REGIONS", "SWAMON_SAMPLE_US", "SWAMON_AGGR_US", "SWAMON_UPDATE_US"]
    public static let continued = ["SWAMON_REGIONS"]

    public struct Result: Sendable {
        public var records: [TargetRecord]
        /// Entries without intervals (written before swamond logged them) or with a malformed
        /// region list: left out, and said.
        public var skipped: Int
    }

    /// `entries` oldest first: when each was written (µs since the epoch) and its fields. A
    /// snapshot ends when its entry was written.
    public static func build(_ entries: [(realtimeMicroseconds: UInt64, fields: [String: String])]) -> Result {
        var builder = RecordBuilder()
        var skipped = 0
        for (realtime, fields) in entries {
            var text = fields["SWAMON_REGIONS"] ?? ""
            var index = 1
            while let more = fields["SWAMON_REGIONS_\(index)"] {
                text += " " + more
                index += 1
            }
            guard let target = fields["SWAMON_TARGET"].flatMap({ Int64($0) }),
                let sample = fields["SWAMON_SAMPLE_US"].flatMap({ UInt64($0) }), sample > 0,
                let aggregation = fields["SWAMON_AGGR_US"].flatMap({ UInt64($0) }), aggregation >= sample,
                let update = fields["SWAMON_UPDATE_US"].flatMap({ UInt64($0) }),
                let regions = ResultsFormat.parseCompactList(Substring(text)),
                case let (end, overflow) = realtime.multipliedReportingOverflow(by: 1000), !overflow
            else {
                skipped += 1
                continue
            }
            builder.add(
                target: target, intervals: RecordIntervals(sample: sample, aggregation: aggregation, update: update), end: end,
                regions: regions)
        }
        return Result(records: builder.records, skipped: skipped)
    }
}
