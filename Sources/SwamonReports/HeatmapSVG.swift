import Foundation
import SwamonProtocol

/// The heatmap as an SVG image: time along x, addresses upward along y (each span of mapped
/// addresses stacked, the gaps between them cut out and marked), the access rate as colour with
/// a legend, axes with ticks and titles.
public enum HeatmapSVG {
    static let width = 960.0, height = 560.0
    static let left = 140.0, right = 180.0, top = 64.0, bottom = 60.0
    static let spanGap = 10.0
    /// Inferno-like stops, dark (cold) to bright (hot).
    static let stops: [(Double, (Double, Double, Double))] = [
        (0, (0, 0, 4)), (0.25, (66, 10, 104)), (0.5, (147, 38, 103)), (0.75, (221, 81, 58)), (0.9, (252, 165, 10)), (1, (252, 255, 164)),
    ]
    static let empty = "#ececec"

    public static func render(_ map: Heatmap) -> String {
        let plotWidth = width - left - right
        let plotHeight = height - top - bottom
        let unit = (plotHeight - spanGap * Double(map.spans.count - 1)) / Double(map.columns)
        let rowWidth = plotWidth / Double(map.rows)
        let duration = Double(map.timeEnd - map.timeStart) / 1e9
        let intervals = map.record.intervals

        /// The bottom y of a column (addresses grow upward; each earlier span sits lower).
        func columnBottom(_ column: Int) -> Double {
            let spanIndex = map.spans.firstIndex { $0.columns.contains(column) } ?? 0
            return top + plotHeight - Double(column) * unit - Double(spanIndex) * spanGap
        }

        var svg = """
            <?xml version="1.0" encoding="UTF-8"?>
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(height))" viewBox="0 0 \(Int(width)) \(Int(height))" font-family="DejaVu Sans, Helvetica, Arial, sans-serif">
            <rect width="100%" height="100%" fill="white"/>
            <text x="\(left)" y="26" font-size="17" font-weight="bold">\(escape(map.record.label)): access heatmap</text>
            <text x="\(left)" y="46" font-size="12" fill="#444">sample \(Quantities.duration(microseconds: intervals.sample)), aggregation \(Quantities.duration(microseconds: intervals.aggregation)); \(map.rows) time slices × \(map.columns) address cells; unmapped gaps between spans cut out</text>

            """
        svg += "<g id=\"cells\" shape-rendering=\"crispEdges\">\n"
        for column in 0..<map.columns {
            let y = columnBottom(column) - unit
            var row = 0
            while row < map.rows {
                let value = map.cell(row: row, column: column)
                var end = row + 1
                while end < map.rows, quantized(map.cell(row: end, column: column)) == quantized(value) { end += 1 }
                svg += "<rect x=\(attr(left + Double(row) * rowWidth)) y=\(attr(y)) width=\(attr(Double(end - row) * rowWidth)) height=\(attr(unit)) fill=\"\(colour(value))\"/>\n"
                row = end
            }
        }
        svg += "</g>\n"

        // Address axis: each span's first and last address, the cut between spans.
        svg += "<g id=\"address-axis\" font-size=\"11\" font-family=\"DejaVu Sans Mono, monospace\">\n"
        for (index, span) in map.spans.enumerated() {
            let low = columnBottom(span.columns.lowerBound)
            let high = columnBottom(span.columns.upperBound - 1) - unit
            svg += "<line x1=\(attr(left - 6)) y1=\(attr(low)) x2=\(attr(left)) y2=\(attr(low)) stroke=\"black\"/>\n"
            svg += "<text x=\(attr(left - 9)) y=\(attr(low)) text-anchor=\"end\" dominant-baseline=\"middle\">\(ResultsFormat.hex(span.start))</text>\n"
            if low - high >= 26 {
                svg += "<line x1=\(attr(left - 6)) y1=\(attr(high)) x2=\(attr(left)) y2=\(attr(high)) stroke=\"black\"/>\n"
                svg += "<text x=\(attr(left - 9)) y=\(attr(high + 4)) text-anchor=\"end\" dominant-baseline=\"hanging\">\(ResultsFormat.hex(span.end))</text>\n"
            }
            if index > 0 {
                let cut = low + spanGap / 2
                let gap = span.start - map.spans[index - 1].end
                svg += "<line class=\"cut\" x1=\(attr(left)) y1=\(attr(cut)) x2=\(attr(left + plotWidth)) y2=\(attr(cut)) stroke=\"#888\" stroke-dasharray=\"4 3\"/>\n"
                svg += "<text x=\(attr(left + plotWidth + 4)) y=\(attr(cut)) font-size=\"10\" fill=\"#666\" dominant-baseline=\"middle\">gap \(humanBytes(gap))</text>\n"
            }
        }
        svg += "<line x1=\(attr(left)) y1=\(attr(top)) x2=\(attr(left)) y2=\(attr(top + plotHeight)) stroke=\"black\"/>\n"
        svg += "<text transform=\"translate(18 \(top + plotHeight / 2)) rotate(-90)\" text-anchor=\"middle\" font-size=\"13\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\">address</text>\n"
        svg += "</g>\n"

        // Time axis.
        svg += "<g id=\"time-axis\" font-size=\"11\">\n"
        svg += "<line x1=\(attr(left)) y1=\(attr(top + plotHeight)) x2=\(attr(left + plotWidth)) y2=\(attr(top + plotHeight)) stroke=\"black\"/>\n"
        let step = tickStep(duration)
        var tick = 0.0
        while tick <= duration + step * 1e-9 {
            let x = left + tick / max(duration, 1e-9) * plotWidth
            svg += "<line x1=\(attr(x)) y1=\(attr(top + plotHeight)) x2=\(attr(x)) y2=\(attr(top + plotHeight + 6)) stroke=\"black\"/>\n"
            svg += "<text x=\(attr(x)) y=\(attr(top + plotHeight + 20)) text-anchor=\"middle\">\(tickLabel(tick, step))</text>\n"
            tick += step
        }
        svg += "<text x=\(attr(left + plotWidth / 2)) y=\(attr(height - 12)) text-anchor=\"middle\" font-size=\"13\">time (s)</text>\n"
        svg += "</g>\n"

        // Legend: the colour scale of the access rate.
        let legendX = width - 92, legendTop = top + 20, legendHeight = 200.0
        svg += "<g id=\"legend\" font-size=\"11\">\n<defs><linearGradient id=\"scale\" x1=\"0\" y1=\"1\" x2=\"0\" y2=\"0\">"
        for (offset, _) in stops { svg += "<stop offset=\"\(offset)\" stop-color=\"\(colour(offset * 100))\"/>" }
        svg += "</linearGradient></defs>\n"
        svg += "<text x=\(attr(legendX + 8)) y=\(attr(legendTop - 10)) font-size=\"12\" text-anchor=\"middle\">access rate</text>\n"
        svg += "<rect x=\(attr(legendX)) y=\(attr(legendTop)) width=\"16\" height=\(attr(legendHeight)) fill=\"url(#scale)\" stroke=\"black\" stroke-width=\"0.5\"/>\n"
        for percent in [0, 25, 50, 75, 100] {
            let y = legendTop + legendHeight * (1 - Double(percent) / 100)
            svg += "<text x=\(attr(legendX + 22)) y=\(attr(y)) dominant-baseline=\"middle\">\(percent) %</text>\n"
        }
        svg += "<rect x=\(attr(legendX)) y=\(attr(legendTop + legendHeight + 16)) width=\"16\" height=\"12\" fill=\"\(empty)\" stroke=\"black\" stroke-width=\"0.5\"/>\n"
        svg += "<text x=\(attr(legendX + 22)) y=\(attr(legendTop + legendHeight + 22)) dominant-baseline=\"middle\">no region</text>\n"
        svg += "</g>\n</svg>\n"
        return svg
    }

    /// Whole percents: neighbouring cells of the same colour merge into one rectangle.
    static func quantized(_ value: Double?) -> Int { value.map { Int($0.rounded()) } ?? -1 }

    static func colour(_ rate: Double?) -> String {
        guard let rate else { return empty }
        let fraction = min(1, max(0, (rate.rounded()) / 100))
        let upper = stops.firstIndex { $0.0 >= fraction } ?? stops.count - 1
        let lower = max(0, upper - 1)
        let span = stops[upper].0 - stops[lower].0
        let t = span > 0 ? (fraction - stops[lower].0) / span : 0
        let (a, b) = (stops[lower].1, stops[upper].1)
        let channels = [a.0 + (b.0 - a.0) * t, a.1 + (b.1 - a.1) * t, a.2 + (b.2 - a.2) * t]
        return "#" + channels.map { String(format: "%02x", Int($0.rounded())) }.joined()
    }

    /// A tick step of 1, 2 or 5 × 10^n seconds giving at most 8 ticks.
    static func tickStep(_ duration: Double) -> Double {
        var magnitude = pow(10, floor(log10(max(duration, 1e-3) / 8)))
        while true {
            for factor in [1.0, 2.0, 5.0] where duration / (factor * magnitude) <= 8 { return factor * magnitude }
            magnitude *= 10
        }
    }

    static func tickLabel(_ value: Double, _ step: Double) -> String {
        step >= 1 ? String(Int(value.rounded())) : String(format: step >= 0.1 ? "%.1f" : "%.2f", value)
    }

    static func attr(_ value: Double) -> String { "\"" + String(format: "%.1f", value) + "\"" }

    static func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}
