import Foundation
import SwamonProtocol

/// damo's record file (`damo record`'s output, what `damo report --input` reads): a JSON list of
/// DamonRecord objects, plain (`json`) or zlib-compressed (`json_compressed`, damo's default).
///
/// damo 3.4.3 picks the parser by what `file -b` says: `zlib compressed data` or `JSON data`.
/// Debian 12's file 5.44 calls plain JSON `JSON text data`, which that damo then hands to perf,
/// so only json_compressed reads back in damo there; plain JSON is for people and jq.
public enum DamoRecordFile {
    public enum Format: String, CaseIterable, Sendable {
        case jsonCompressed = "json_compressed"
        case json
    }

    public struct Malformed: Error, CustomStringConvertible {
        public var description: String
    }

    public static func encode(_ records: [TargetRecord], format: Format) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = Array(try encoder.encode(records.map(RecordJSON.init)))
        return format == .json ? json : try Zlib.compress(json)
    }

    /// Either format, told apart by the first byte as `file` does (zlib's 0x78, JSON's `[`);
    /// numbers as damo writes them: plain, with thousands commas, or with a unit (`500 ms`).
    public static func decode(_ bytes: [UInt8]) throws -> [TargetRecord] {
        let json: [UInt8]
        if bytes.first == 0x78 {
            do { json = try Zlib.decompress(bytes) } catch let error as Zlib.Failure { throw Malformed(description: error.description) }
        } else {
            json = bytes
        }
        let records: [RecordJSON]
        do {
            records = try JSONDecoder().decode([RecordJSON].self, from: Data(json))
        } catch let error as DecodingError {
            throw Malformed(description: "not a damo record: \(Self.describe(error))")
        }
        return try records.map { try $0.record() }
    }

    static func describe(_ error: DecodingError) -> String {
        switch error {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context), .dataCorrupted(let context):
            let path = context.codingPath.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
            return "\(context.debugDescription) at \(path.isEmpty ? "the top" : path)"
        @unknown default:
            return "\(error)"
        }
    }
}

/// A number of a damo record: JSON number or damo's text (`4,096`, `500 ms`, `4.000 KiB`).
struct DamoNumber: Codable, Equatable {
    var text: String

    init(_ value: UInt64) { text = String(value) }

    init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(UInt64.self) {
            text = String(value)
        } else if let value = try? container.decode(Double.self) {
            text = String(value)
        } else {
            text = try container.decode(String.self)
        }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(UInt64(text) ?? 0)
    }

    enum Unit {
        case count, bytes, nanoseconds, microseconds

        /// damo's unit words and their factor in this unit.
        var factors: [String: Double] {
            switch self {
            case .count: [:]
            case .bytes: ["B": 1, "KiB": 1024, "MiB": 1_048_576, "GiB": 1_073_741_824, "TiB": 1_099_511_627_776, "PiB": 1_125_899_906_842_624]
            case .nanoseconds: ["ns": 1, "us": 1e3, "ms": 1e6, "s": 1e9, "m": 6e10, "h": 3.6e12, "d": 8.64e13]
            case .microseconds: ["ns": 1e-3, "us": 1, "ms": 1e3, "s": 1e6, "m": 6e7, "h": 3.6e9, "d": 8.64e10]
            }
        }
    }

    func value(_ unit: Unit) -> UInt64? {
        let plain = text.replacingOccurrences(of: ",", with: "")
        if let value = UInt64(plain) { return value }
        if let value = Double(plain), value >= 0, value < 1.8e19 { return UInt64(value) }
        if plain == "max" { return UInt64.max }
        let words = plain.split(separator: " ")
        guard !words.isEmpty, words.count % 2 == 0 else { return nil }
        var total = 0.0
        for index in stride(from: 0, to: words.count, by: 2) {
            guard let number = Double(words[index]), number >= 0, let factor = unit.factors[String(words[index + 1])] else { return nil }
            total += number * factor
        }
        return total < 1.8e19 ? UInt64(total.rounded()) : nil
    }
}

/// The JSON shape of one DamonRecord, as damo 3.4.3 writes and reads it.
struct RecordJSON: Codable {
    struct Intervals: Codable {
        var sample_us: DamoNumber
        var aggr_us: DamoNumber
        var ops_update_us: DamoNumber
    }

    struct NrAccesses: Codable {
        var samples: DamoNumber?
        var percent: DamoNumber?
    }

    struct Age: Codable {
        var usec: DamoNumber?
        var aggr_intervals: DamoNumber?
    }

    struct Region: Codable {
        var start: DamoNumber
        var end: DamoNumber
        var nr_accesses: NrAccesses
        var age: Age
    }

    struct Snapshot: Codable {
        var start_time: DamoNumber
        var end_time: DamoNumber
        var regions: [Region]
        var total_bytes: DamoNumber?
    }

    var kdamond_idx: Int?
    var context_idx: Int?
    var intervals: Intervals?
    var target_id: Int64?
    var snapshots: [Snapshot]
    var data_source: String?

    init(_ record: TargetRecord) {
        kdamond_idx = 0
        context_idx = 0
        let intervals = record.intervals
        self.intervals = Intervals(
            sample_us: DamoNumber(intervals.sample), aggr_us: DamoNumber(intervals.aggregation),
            ops_update_us: DamoNumber(intervals.update))
        target_id = record.targetID
        data_source = "unknown"
        snapshots = record.snapshots.map { snapshot in
            Snapshot(
                start_time: DamoNumber(snapshot.start), end_time: DamoNumber(snapshot.end),
                regions: snapshot.regions.map { region in
                    Region(
                        start: DamoNumber(region.start), end: DamoNumber(region.end),
                        nr_accesses: NrAccesses(samples: DamoNumber(region.nrAccesses), percent: DamoNumber(intervals.percent(region.nrAccesses))),
                        age: Age(usec: DamoNumber(region.age &* intervals.aggregation), aggr_intervals: DamoNumber(region.age)))
                }, total_bytes: DamoNumber(snapshot.totalBytes))
        }
    }

    func record() throws -> TargetRecord {
        func need(_ number: DamoNumber?, _ unit: DamoNumber.Unit, _ what: String) throws -> UInt64 {
            guard let number, let value = number.value(unit) else {
                throw DamoRecordFile.Malformed(description: "\(what) is \(number.map { "'\($0.text)'" } ?? "missing"), not a number")
            }
            return value
        }
        // A record without intervals (damo's perf path can write one) gets the kernel's defaults.
        let intervals = try intervals.map {
            RecordIntervals(
                sample: try need($0.sample_us, .microseconds, "sample_us"), aggregation: try need($0.aggr_us, .microseconds, "aggr_us"),
                update: try need($0.ops_update_us, .microseconds, "ops_update_us"))
        } ?? RecordIntervals(sample: 5000, aggregation: 100_000, update: 60_000_000)
        guard intervals.sample > 0, intervals.aggregation >= intervals.sample else {
            throw DamoRecordFile.Malformed(description: "intervals \(intervals.sample) µs / \(intervals.aggregation) µs: sample must be > 0 and ≤ aggr")
        }
        let snapshots = try snapshots.map { snapshot in
            let regions = try snapshot.regions.map { region -> RecordRegion in
                let start = try need(region.start, .bytes, "a region's start")
                let end = try need(region.end, .bytes, "a region's end")
                guard start < end else { throw DamoRecordFile.Malformed(description: "a region [\(start), \(end)) is empty") }
                let samples =
                    try region.nr_accesses.samples.map { try need($0, .count, "nr_accesses.samples") }
                    ?? (try need(region.nr_accesses.percent, .count, "nr_accesses") &* intervals.samplesPerAggregation / 100)
                let age =
                    try region.age.aggr_intervals.map { try need($0, .count, "age.aggr_intervals") }
                    ?? (try need(region.age.usec, .microseconds, "age") / intervals.aggregation)
                return RecordRegion(start: start, end: end, nrAccesses: samples, age: age)
            }
            return RecordSnapshot(
                start: try need(snapshot.start_time, .nanoseconds, "start_time"), end: try need(snapshot.end_time, .nanoseconds, "end_time"),
                regions: regions)
        }
        return TargetRecord(targetID: target_id ?? 0, intervals: intervals, snapshots: snapshots)
    }
}
