import Foundation
import SwamonProtocol
import SwamonReports
import Testing

@Suite("journal and watch input")
struct JournalInputTests {
    static func entry(_ realtime: UInt64, _ fields: [String: String]) -> (realtimeMicroseconds: UInt64, fields: [String: String]) {
        (realtime, fields)
    }

    static let attrs = ["SWAMON_SAMPLE_US": "5000", "SWAMON_AGGR_US": "100000", "SWAMON_UPDATE_US": "60000000"]

    /// A region list split over SWAMON_REGIONS and its continuations is joined in order; entries
    /// without intervals (older swamond) or with a malformed list are skipped and counted.
    @Test func recordsFromEntries() {
        let result = JournalRecords.build([
            Self.entry(1_000_000, Self.attrs.merging(["SWAMON_TARGET": "42", "SWAMON_REGIONS": "1000-2000:3:4", "SWAMON_REGIONS_1": "2000-3000:0:9"]) { $1 }),
            Self.entry(1_100_000, ["SWAMON_TARGET": "42", "SWAMON_REGIONS": "1000-3000:1:0"]),
            Self.entry(1_200_000, Self.attrs.merging(["SWAMON_TARGET": "42", "SWAMON_REGIONS": "1000-3000:x:0"]) { $1 }),
            Self.entry(1_300_000, Self.attrs.merging(["SWAMON_TARGET": "42", "SWAMON_REGIONS": "1000-3000:2:1"]) { $1 }),
        ])
        #expect(result.skipped == 2)
        #expect(result.records.count == 1)
        let record = result.records[0]
        #expect(record.isPhysical && record.label == "paddr")
        #expect(record.intervals == RecordIntervals(sample: 5000, aggregation: 100_000, update: 60_000_000))
        #expect(record.snapshots.map(\.start) == [900_000_000, 1_000_000_000])
        #expect(record.snapshots.map(\.end) == [1_000_000_000, 1_300_000_000])
        #expect(record.snapshots[0].regions == [
            RecordRegion(start: 0x1000, end: 0x2000, nrAccesses: 3, age: 4), RecordRegion(start: 0x2000, end: 0x3000, nrAccesses: 0, age: 9),
        ])
    }

    static let noon = Date(timeIntervalSince1970: 1_796_040_000)  // 2026-11-30 12:00:00 UTC
    static let utc = TimeZone(identifier: "UTC")!

    @Test(arguments: [
        ("2026-11-30 14:05:30", 1_796_040_000 + 7530),
        ("2026-11-30 14:05", 1_796_040_000 + 7500),
        ("2026-11-30", 1_796_040_000 - 43200),
        ("14:05", 1_796_040_000 + 7500),
        ("now", 1_796_040_000),
        ("today", 1_796_040_000 - 43200),
        ("yesterday", 1_796_040_000 - 43200 - 86400),
        ("-10min", 1_796_040_000 - 600),
        ("10min ago", 1_796_040_000 - 600),
        ("-2h", 1_796_040_000 - 7200),
        ("@100", 100),
    ] as [(String, UInt64)])
    func journalTimes(text: String, seconds: UInt64) {
        #expect(JournalTime.parse(text, now: Self.noon, timeZone: Self.utc) == seconds * 1_000_000)
    }

    /// The last one made Foundation's DateFormatter trap (found by the parsers fuzzer).
    @Test(arguments: [
        "", "soon", "2026-13-40", "2026-02-30", "2026-11-30 24:00", "14:60", "1:05", "2026-1-30", "-ten minutes", "@-5",
        "\u{0C}  \u{074A} - s\u{0C}\u{0C}\u{0C}\u{0C}",
    ])
    func badJournalTimes(text: String) {
        #expect(JournalTime.parse(text, now: Self.noon, timeZone: Self.utc) == nil)
    }

    @Test func watchLinesParseBack() {
        let line = "aggregation web 4242 123456789 2 12288 4096 1000-2000:3:4 2000-4000:0:17"
        let parsed = ResultsFormat.parseWatchLine(line)
        #expect(parsed?.context == "web" && parsed?.target == 4242 && parsed?.monotonicNanoseconds == 123_456_789)
        #expect(parsed?.totalBytes == 12288 && parsed?.accessedBytes == 4096)
        #expect(parsed?.regions == [
            RecordRegion(start: 0x1000, end: 0x2000, nrAccesses: 3, age: 4), RecordRegion(start: 0x2000, end: 0x4000, nrAccesses: 0, age: 17),
        ])
        #expect(ResultsFormat.parseWatchLine("aggregation web 4242 1 0 0 0")?.regions == [])
    }

    /// A line whose region count disagrees with its list, or any malformed item, is not a watch line.
    @Test(arguments: [
        "aggregation web 4242 1 3 0 0 1000-2000:3:4", "aggregation web 4242 1 1 0 0 2000-1000:3:4", "aggregation web 4242 1 1 0 0 1000-2000:3",
        "aggregation web x 1 1 0 0 1000-2000:3:4", "ok", "aggregation web 4242 1 1 0 0 1000-2000:-1:4",
    ])
    func malformedWatchLines(line: String) {
        #expect(ResultsFormat.parseWatchLine(line) == nil)
    }

    @Test func regionsFileParsesBack() {
        let rows = ResultsFormat.parseRegions("7 1000 2000 3 4\n8 2000 3000 0 0\n")
        #expect(rows?.map(\.target) == [7, 8])
        #expect(rows?.map(\.region) == [
            RecordRegion(start: 0x1000, end: 0x2000, nrAccesses: 3, age: 4), RecordRegion(start: 0x2000, end: 0x3000, nrAccesses: 0, age: 0),
        ])
        #expect(ResultsFormat.parseRegions("")?.isEmpty == true)
        #expect(ResultsFormat.parseRegions("7 1000 2000 3\n") == nil)
    }
}
