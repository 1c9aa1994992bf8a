import Foundation
import SwamonProtocol
import SwamonReports
import Testing

@Suite("record files")
struct RecordFileTests {
    @Test(arguments: DamoRecordFile.Format.allCases)
    func roundTrip(format: DamoRecordFile.Format) throws {
        let bytes = try DamoRecordFile.encode([Scripted.record], format: format)
        #expect(try DamoRecordFile.decode(bytes) == [Scripted.record])
    }

    /// What `file -b` needs to say `zlib compressed data`: zlib's header with the default level.
    @Test func compressedIsAZlibStream() throws {
        let bytes = try DamoRecordFile.encode([Scripted.record], format: .jsonCompressed)
        #expect(Array(bytes.prefix(2)) == [0x78, 0x9C])
        let plain = try DamoRecordFile.encode([Scripted.record], format: .json)
        #expect(plain.first == UInt8(ascii: "["))
        #expect(bytes.count < plain.count)
    }

    /// The fields damo reads, with damo's units: percent from samples (damo: int(samples × 100 /
    /// (aggr / sample))), age in µs = aggregations × aggr.
    @Test func fieldsAreDamos() throws {
        let json = try JSONSerialization.jsonObject(with: Data(try DamoRecordFile.encode([Scripted.record], format: .json))) as? [[String: Any]]
        let record = try #require(json?.first)
        #expect(record["target_id"] as? Int == 1234)
        let intervals = try #require(record["intervals"] as? [String: Any])
        #expect(intervals["sample_us"] as? Int == 5000 && intervals["aggr_us"] as? Int == 100_000 && intervals["ops_update_us"] as? Int == 1_000_000)
        let snapshots = try #require(record["snapshots"] as? [[String: Any]])
        #expect(snapshots.count == 4)
        #expect(snapshots[3]["start_time"] as? Int == 300_000_000 && snapshots[3]["end_time"] as? Int == 400_000_000)
        #expect(snapshots[3]["total_bytes"] as? Int == 36864)
        let region = try #require((snapshots[3]["regions"] as? [[String: Any]])?.last)
        #expect(region["start"] as? Int == 0x7f00_0000_1000 && region["end"] as? Int == 0x7f00_0000_3000)
        #expect(region["nr_accesses"] as? [String: Int] == ["samples": 1, "percent": 5])
        #expect(region["age"] as? [String: Int] == ["usec": 2_000_000_000, "aggr_intervals": 20000])
    }

    /// damo's percent truncates its float: 1 of 18.18 samples (5.5 ms of 100 ms) is 5 %, 18 of them 98 %
    /// (Python: int(18 * 100.0 / (100000 / 5500)) == 98).
    @Test func percentTruncatesAsDamos() {
        let intervals = RecordIntervals(sample: 5500, aggregation: 100_000, update: 1_000_000)
        #expect(intervals.percent(1) == 5 && intervals.percent(18) == 98 && intervals.percent(0) == 0)
        #expect(intervals.samplesPerAggregation == 18)
    }

    /// A record as damo 3.4.3 writes one (`DamonRecord.to_kvpairs(raw=True)`, printed by damo's
    /// own classes): thousands commas and units in region fields.
    @Test func readsWhatDamoWrites() throws {
        let text = """
            [{"kdamond_idx": 0, "context_idx": 0, "intervals": {"sample_us": "5000", "aggr_us": "100000", "ops_update_us": "1000000",
              "intervals_goal": {"access_bp": "0.000000", "aggrs": "0", "min_sample_us": "0", "max_sample_us": "0"}},
              "scheme_idx": null, "target_id": 1234, "scheme_filters": [],
              "snapshots": [{"start_time": "1000", "end_time": "2000",
                "regions": [{"start": "4,096", "end": "8,192", "nr_accesses": {"samples": 3, "percent": 15},
                  "age": {"usec": "500 ms", "aggr_intervals": "5"}, "probe_hits": [], "sz_filter_passed": "0 B"},
                  {"start": "1.000 MiB", "end": "2.000 MiB", "nr_accesses": {"samples": null, "percent": 15},
                  "age": {"usec": "1 s 500 ms", "aggr_intervals": null}}],
                "total_bytes": "4096", "damos_stats": null, "sample_interval_us": null}], "data_source": "unknown"}]
            """
        let records = try DamoRecordFile.decode(Array(text.utf8))
        #expect(records.count == 1)
        #expect(records[0].targetID == 1234)
        #expect(records[0].intervals == RecordIntervals(sample: 5000, aggregation: 100_000, update: 1_000_000))
        #expect(records[0].snapshots[0].start == 1000 && records[0].snapshots[0].end == 2000)
        #expect(records[0].snapshots[0].regions == [
            RecordRegion(start: 4096, end: 8192, nrAccesses: 3, age: 5),
            // Only percent and µs given: 15 % of 20 samples, 1.5 s of 100 ms aggregations.
            RecordRegion(start: 1 << 20, end: 2 << 20, nrAccesses: 3, age: 15),
        ])
    }

    @Test(arguments: [
        ("[{\"intervals\": {\"sample_us\": 0, \"aggr_us\": 100, \"ops_update_us\": 1}, \"target_id\": 1, \"snapshots\": []}]", "sample must be > 0"),
        ("[{\"target_id\": 1, \"snapshots\": [{\"start_time\": 0, \"end_time\": 1, \"regions\": [{\"start\": 8, \"end\": 8, \"nr_accesses\": {\"samples\": 1}, \"age\": {\"aggr_intervals\": 1}}]}]}]", "is empty"),
        ("[{\"target_id\": 1, \"snapshots\": [{\"start_time\": \"soon\", \"end_time\": 1, \"regions\": []}]}]", "start_time is 'soon'"),
        ("{\"not\": \"a list\"}", "not a damo record"),
    ])
    func malformedRecordsAreRefused(text: String, reason: String) {
        #expect {
            try DamoRecordFile.decode(Array(text.utf8))
        } throws: { error in
            "\(error)".contains(reason)
        }
    }

    @Test func aCutStreamIsRefused() throws {
        let bytes = try DamoRecordFile.encode([Scripted.record], format: .jsonCompressed)
        #expect(throws: DamoRecordFile.Malformed.self) { try DamoRecordFile.decode(Array(bytes.dropLast(8))) }
    }

    /// damo's trace rule: a snapshot starts where the target's previous one ended; the first
    /// covers one aggregation interval; a clock that goes back starts over.
    @Test func snapshotsStartWhereThePreviousEnded() {
        var builder = RecordBuilder()
        builder.add(target: 7, intervals: Scripted.intervals, end: 1_000_000_000, regions: [])
        builder.add(target: 8, intervals: Scripted.intervals, end: 1_050_000_000, regions: [])
        builder.add(target: 7, intervals: Scripted.intervals, end: 1_250_000_000, regions: [])
        builder.add(target: 7, intervals: Scripted.intervals, end: 1_200_000_000, regions: [])
        builder.add(target: 9, intervals: Scripted.intervals, end: 50_000_000, regions: [])
        #expect(builder.records.map(\.targetID) == [7, 8, 9])
        #expect(builder.records[0].snapshots.map(\.start) == [900_000_000, 1_000_000_000, 1_100_000_000])
        #expect(builder.records[1].snapshots.map(\.start) == [950_000_000])
        #expect(builder.records[2].snapshots.map(\.start) == [0])
        #expect(builder.snapshotCount == 5)
    }

    /// Intervals changed by commit_attrs start a new record, as damo keeps one per intervals.
    @Test func newIntervalsStartANewRecord() {
        var builder = RecordBuilder()
        let slower = RecordIntervals(sample: 10_000, aggregation: 200_000, update: 1_000_000)
        builder.add(target: 7, intervals: Scripted.intervals, end: 1_000_000_000, regions: [])
        builder.add(target: 7, intervals: slower, end: 1_200_000_000, regions: [])
        #expect(builder.records.map(\.intervals) == [Scripted.intervals, slower])
        #expect(builder.records[1].snapshots[0].start == 1_000_000_000)
    }
}
