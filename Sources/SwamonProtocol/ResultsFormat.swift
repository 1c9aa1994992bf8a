public import SwamonCore

/// The `regions` file and the `watch` stream: addresses in hex without `0x`.
public enum ResultsFormat {
    /// `regions`: `<target id> <start> <end> <nr_accesses> <age>` per region.
    public static func regions(_ snapshots: [AggregationSnapshot]) -> String {
        var text = ""
        for snapshot in snapshots {
            for entry in snapshot.regions {
                text += "\(snapshot.targetID) \(hex(entry.range.start)) \(hex(entry.range.end)) \(entry.accessCount) \(entry.age)\n"
            }
        }
        return text
    }

    /// `aggregation <context> <target id> <monotonic ns> <nr_regions> <total bytes>
    /// <accessed bytes> <start>-<end>:<nr_accesses>:<age> …`, without the newline.
    public static func watchLine(context: String, _ snapshot: AggregationSnapshot) -> String {
        var line = "aggregation \(context) \(snapshot.targetID) \(snapshot.timestamp) \(snapshot.regions.count)"
        line += " \(snapshot.totalBytes) \(snapshot.accessedBytes)"
        for entry in snapshot.regions { line += " " + compact(entry) }
        return line
    }

    /// `start-end:nr_accesses:age`.
    public static func compact(_ entry: AggregationSnapshot.Entry) -> String {
        "\(hex(entry.range.start))-\(hex(entry.range.end)):\(entry.accessCount):\(entry.age)"
    }

    public static func hex(_ value: UInt64) -> String { String(value, radix: 16) }

    /// One region as the readers of `watch`, `regions` and the journal see it.
    public struct Region: Equatable, Sendable {
        public var start: UInt64
        public var end: UInt64
        public var nrAccesses: UInt64
        public var age: UInt64

        public init(start: UInt64, end: UInt64, nrAccesses: UInt64, age: UInt64) {
            self.start = start
            self.end = end
            self.nrAccesses = nrAccesses
            self.age = age
        }
    }

    /// The inverse of `compact`: nil for anything else (a client must not trust a line blindly).
    public static func parseCompact(_ item: Substring) -> Region? {
        let parts = item.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let bounds = parts[0].split(separator: "-", omittingEmptySubsequences: false)
        guard bounds.count == 2, let start = UInt64(bounds[0], radix: 16), let end = UInt64(bounds[1], radix: 16), start < end,
            let accesses = UInt64(parts[1]), let age = UInt64(parts[2])
        else { return nil }
        return Region(start: start, end: end, nrAccesses: accesses, age: age)
    }

    /// A space-separated list of `compact` items (a watch line's tail, a journal field); nil
    /// when any item is malformed.
    public static func parseCompactList(_ text: Substring) -> [Region]? {
        var regions: [Region] = []
        for item in text.split(separator: " ") {
            guard let region = parseCompact(item) else { return nil }
            regions.append(region)
        }
        return regions
    }

    /// A parsed watch line.
    public struct WatchLine: Equatable, Sendable {
        public var context: String
        public var target: Int64
        public var monotonicNanoseconds: UInt64
        public var totalBytes: UInt64
        public var accessedBytes: UInt64
        public var regions: [Region]
    }

    /// The inverse of `watchLine`; nil for any other line.
    public static func parseWatchLine(_ line: String) -> WatchLine? {
        let fields = line.split(separator: " ", maxSplits: 7)
        guard fields.count >= 7, fields[0] == "aggregation", let target = Int64(fields[2]), let time = UInt64(fields[3]),
            let count = Int(fields[4]), let total = UInt64(fields[5]), let accessed = UInt64(fields[6])
        else { return nil }
        let regions = fields.count == 8 ? parseCompactList(fields[7]) : []
        guard let regions, regions.count == count else { return nil }
        return WatchLine(
            context: String(fields[1]), target: target, monotonicNanoseconds: time, totalBytes: total, accessedBytes: accessed,
            regions: regions)
    }

    /// The inverse of `regions`: each line `<target id> <start> <end> <nr_accesses> <age>`.
    /// `schemes_tried_regions`: `<scheme index> <target id> <start> <end> <nr_accesses> <age>\n`
    /// per tried region, in the order the schemes tried them (addresses in hex without `0x`).
    public static func triedRegions(_ tried: [TriedRegion]) -> String {
        var text = ""
        for entry in tried {
            text += "\(entry.scheme) \(entry.targetID) \(hex(entry.range.start)) \(hex(entry.range.end)) \(entry.accessCount) \(entry.age)\n"
        }
        return text
    }

    /// Parses `schemes_tried_regions` back; nil when a line is malformed.
    public static func parseTriedRegions(_ text: String) -> [(scheme: Int, target: Int64, region: Region)]? {
        var rows: [(Int, Int64, Region)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 6, let scheme = Int(fields[0]), scheme >= 0, let target = Int64(fields[1]),
                let start = UInt64(fields[2], radix: 16), let end = UInt64(fields[3], radix: 16), start <= end,
                let accesses = UInt64(fields[4]), let age = UInt64(fields[5])
            else { return nil }
            rows.append((scheme, target, Region(start: start, end: end, nrAccesses: accesses, age: age)))
        }
        return rows
    }

    public static func parseRegions(_ text: String) -> [(target: Int64, region: Region)]? {
        var rows: [(Int64, Region)] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 5, let target = Int64(fields[0]), let start = UInt64(fields[1], radix: 16),
                let end = UInt64(fields[2], radix: 16), start < end, let accesses = UInt64(fields[3]), let age = UInt64(fields[4])
            else { return nil }
            rows.append((target, Region(start: start, end: end, nrAccesses: accesses, age: age)))
        }
        return rows
    }
}
