import Foundation
import SwamonProtocol

/// The heatmap for a terminal: a row per time slice, a digit per address cell (the access rate
/// in tenths), `|` where a gap was cut out, with ANSI 256-colour backgrounds when `colour`.
public enum HeatmapText {
    /// Backgrounds from dark to flame-bright, one per digit (xterm 256-colour indices).
    static let backgrounds = [232, 52, 88, 124, 160, 196, 202, 208, 214, 226]

    public static func render(_ map: Heatmap, colour: Bool) -> String {
        let intervals = map.record.intervals
        let rowTime = (map.timeEnd - map.timeStart) / UInt64(map.rows)
        var lines = [
            "# \(map.record.label): access rate over \(AccessReport.seconds(map.timeEnd - map.timeStart)) "
                + "(rows of \(Quantities.duration(microseconds: rowTime / 1000))) × \(map.spans.count) address span\(map.spans.count == 1 ? "" : "s"); "
                + "sample \(Quantities.duration(microseconds: intervals.sample)), aggr \(Quantities.duration(microseconds: intervals.aggregation))",
            "# digit = access rate in tenths (0: under 10 %, 9: 90 % or more); blank: no region; | : unmapped gap cut out",
        ]
        var header = "time     "
        for (index, span) in map.spans.enumerated() {
            if index > 0 { header += "|" }
            header += DamoText.left(spanName(index), span.columns.count).prefix(span.columns.count)
        }
        lines.append(header)
        for row in 0..<map.rows {
            var line = DamoText.right(String(format: "%.1f s", Double(map.timeRange(ofRow: row).start - map.timeStart) / 1e9), 8) + " "
            for (index, span) in map.spans.enumerated() {
                if index > 0 { line += "|" }
                for column in span.columns {
                    line += cell(map.cell(row: row, column: column), colour: colour)
                }
            }
            lines.append(line)
        }
        for (index, span) in map.spans.enumerated() {
            lines.append(
                "# \(spanName(index)): \(ResultsFormat.hex(span.start))-\(ResultsFormat.hex(span.end)) \(humanBytes(span.size)), "
                    + "\(span.columns.count) column\(span.columns.count == 1 ? "" : "s") of \(humanBytes(span.size / UInt64(span.columns.count)))")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A, B, … Z, then AA, AB, ….
    static func spanName(_ index: Int) -> String {
        let letters = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
        return index < 26 ? String(letters[index]) : spanName(index / 26 - 1) + String(letters[index % 26])
    }

    /// The digit of an access rate (0…100 %): its tenth, 9 for 90 % and above.
    static func level(_ rate: Double) -> Int { min(9, max(0, Int(rate / 10))) }

    static func cell(_ rate: Double?, colour: Bool) -> String {
        guard let rate else { return " " }
        let level = level(rate)
        guard colour else { return String(level) }
        let foreground = level >= 7 ? 16 : 250
        return "\u{1B}[48;5;\(backgrounds[level])m\u{1B}[38;5;\(foreground)m\(level)\u{1B}[0m"
    }
}
