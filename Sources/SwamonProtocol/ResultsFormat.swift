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
}
