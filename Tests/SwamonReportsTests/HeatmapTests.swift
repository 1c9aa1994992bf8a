import Foundation
import SwamonProtocol
import SwamonReports
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

@Suite("heatmaps")
struct HeatmapTests {
    static let intervals = Scripted.intervals
    static let far = 0x1_0000_0000 as UInt64

    /// Two spans: 32 KiB at 0 and 4 KiB at 4 GiB. With 5 columns a gap is cut when wider than
    /// 36 KiB / 5 = 7372 bytes; the low span gets int(32/36 × 5) = 4 columns of 8 KiB, the high
    /// one the floor of 1.
    static let twoSpans = TargetRecord(
        targetID: 7, intervals: intervals,
        snapshots: [
            RecordSnapshot(start: 0, end: 100_000_000, regions: [
                Scripted.region(0, 0x4000, 20, 0), Scripted.region(0x4000, 0x8000, 0, 3), Scripted.region(far, far + 0x1000, 10, 0),
            ]),
            RecordSnapshot(start: 100_000_000, end: 200_000_000, regions: [
                Scripted.region(0, 0x4000, 0, 0), Scripted.region(0x4000, 0x8000, 20, 0), Scripted.region(far, far + 0x1000, 20, 0),
            ]),
        ])

    @Test func cellsAndSpans() throws {
        let map = try #require(Heatmap(Self.twoSpans, rows: 10, columns: 5))
        #expect(map.rows == 2)
        #expect(map.spans == [
            Heatmap.Span(start: 0, end: 0x8000, columns: 0..<4), Heatmap.Span(start: Self.far, end: Self.far + 0x1000, columns: 4..<5),
        ])
        #expect(map.cells == [100, 100, 0, 0, 50, 0, 0, 100, 100, 100])
        #expect(map.addressRange(ofColumn: 1) == (0x2000, 0x4000))
        #expect(map.timeRange(ofRow: 1) == (100_000_000, 200_000_000))
    }

    @Test func terminalText() throws {
        let map = try #require(Heatmap(Self.twoSpans, rows: 10, columns: 5))
        #expect(HeatmapText.render(map, colour: false) == """
            # pid 7: access rate over 0.200 s (rows of 100 ms) × 2 address spans; sample 5 ms, aggr 100 ms
            # digit = access rate in tenths (0: under 10 %, 9: 90 % or more); blank: no region; | : unmapped gap cut out
            time     A   |B
               0.0 s 9900|5
               0.1 s 0099|9
            # A: 0-8000 32.0 KiB, 4 columns of 8.0 KiB
            # B: 100000000-100001000 4.0 KiB, 1 column of 4.0 KiB

            """)
        let coloured = HeatmapText.render(map, colour: true)
        #expect(coloured.contains("\u{1B}[48;5;226m\u{1B}[38;5;16m9\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[48;5;232m\u{1B}[38;5;250m0\u{1B}[0m"))
        #expect(coloured.contains("\u{1B}[48;5;196m\u{1B}[38;5;250m5\u{1B}[0m"))
    }

    /// A gap exactly one column's share wide stays inside the span; one byte more cuts it.
    @Test(arguments: [(1000 as UInt64, 1), (1001, 2)])
    func gapCut(gap: UInt64, spans: Int) throws {
        let record = TargetRecord(
            targetID: 1, intervals: Self.intervals,
            snapshots: [RecordSnapshot(start: 0, end: 100, regions: [Scripted.region(0, 1000, 0, 0), Scripted.region(1000 + gap, 2000 + gap, 0, 0)])])
        #expect(try #require(Heatmap(record, rows: 1, columns: 2)).spans.count == spans)
    }

    /// A cell averages the access rate over its bytes and over its time: a column a third of
    /// which was at 100 % is 33.3 %; a row made of one and a half snapshots weighs them 2:1.
    @Test func cellsAreWeightedByBytesAndTime() throws {
        let bytes = TargetRecord(
            targetID: 1, intervals: Self.intervals,
            snapshots: [RecordSnapshot(start: 0, end: 100, regions: [Scripted.region(0, 0x1000, 20, 0), Scripted.region(0x1000, 0x3000, 0, 0)])])
        let single = try #require(Heatmap(bytes, rows: 1, columns: 1))
        let value = try #require(single.cell(row: 0, column: 0))
        #expect(abs(value - 100.0 / 3) < 1e-9)
        let time = TargetRecord(
            targetID: 1, intervals: Self.intervals,
            snapshots: [
                RecordSnapshot(start: 0, end: 100, regions: [Scripted.region(0, 0x1000, 20, 0)]),
                RecordSnapshot(start: 100, end: 200, regions: [Scripted.region(0, 0x1000, 0, 0)]),
                RecordSnapshot(start: 200, end: 300, regions: [Scripted.region(0, 0x1000, 20, 0)]),
            ])
        let map = try #require(Heatmap(time, rows: 2, columns: 1))
        #expect(map.cells.map { ($0 ?? -1) * 3 / 200 } == [1, 1])
    }

    /// A span that would get no column gets the floor, taken from the largest.
    @Test func minimumColumnsPerSpan() throws {
        let map = try #require(Heatmap(Self.twoSpans, rows: 2, columns: 20, minimumSpanColumns: 4))
        #expect(map.spans.map(\.columns) == [0..<16, 16..<20])
    }

    @Test func noRegionsNoMap() {
        #expect(Heatmap(TargetRecord(targetID: 1, intervals: Self.intervals), rows: 5, columns: 5) == nil)
    }

    /// The image parses as XML and has what a reader looks for: a cell per run of one colour, both
    /// axes with their titles and the spans' addresses, the cut between spans, the legend.
    @Test func svgImage() throws {
        let map = try #require(Heatmap(Self.twoSpans, rows: 10, columns: 5))
        let svg = HeatmapSVG.render(map)
        let collector = SVGCollector()
        let parser = XMLParser(data: Data(svg.utf8))
        parser.delegate = collector
        #expect(parser.parse(), "the SVG is well-formed XML")
        #expect(collector.groups == ["cells", "address-axis", "time-axis", "legend"])
        // Columns 0, 1 and 4 change colour between the two rows, 2 and 3 too: 2 runs each.
        #expect(collector.cellRects == 10)
        #expect(collector.fills.isSuperset(of: ["#000004", "#fcffa4"]))
        for label in ["time (s)", "address", "access rate", "0", "100000000", "8000", "gap 4.0 GiB", "100 %", "no region"] {
            #expect(collector.texts.contains(label), "label \(label)")
        }
        #expect(collector.texts.contains { $0.hasPrefix("pid 7") })
    }
}

/// Element names, texts and cell rectangles of an SVG.
final class SVGCollector: NSObject, XMLParserDelegate {
    var groups: [String] = []
    var cellRects = 0
    var fills: Set<String> = []
    var texts: [String] = []
    var inCells = false
    var text = ""

    func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?, attributes: [String: String] = [:]) {
        if name == "g", let id = attributes["id"] {
            groups.append(id)
            inCells = id == "cells"
        }
        if name == "rect", inCells {
            cellRects += 1
            if let fill = attributes["fill"] { fills.insert(fill) }
        }
        text = ""
    }

    func parser(_ parser: XMLParser, foundCharacters string: String) { text += string }

    func parser(_ parser: XMLParser, didEndElement name: String, namespaceURI: String?, qualifiedName: String?) {
        if name == "text" { texts.append(text) }
        if name == "g" { inCells = false }
    }
}
