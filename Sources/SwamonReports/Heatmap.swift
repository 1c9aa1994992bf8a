import SwamonProtocol

/// A time × address access heatmap of one target's record. The address axis shows only where
/// there were regions: the big unmapped gaps between a process's mappings (heap, libraries,
/// stack, terabytes apart) are cut out and each remaining span gets columns in proportion to its
/// bytes (at least one), so a small stack is still visible next to a large heap.
public struct Heatmap: Sendable {
    /// A stretch of addresses drawn without a cut, and the columns it occupies.
    public struct Span: Sendable, Equatable {
        public var start: UInt64
        public var end: UInt64
        public var columns: Range<Int>

        public var size: UInt64 { end - start }

        public init(start: UInt64, end: UInt64, columns: Range<Int>) {
            self.start = start
            self.end = end
            self.columns = columns
        }
    }

    public var record: TargetRecord
    /// Nanoseconds, on the record's clock: the first snapshot's start and the last's end.
    public var timeStart: UInt64
    public var timeEnd: UInt64
    public var rows: Int
    public var columns: Int
    public var spans: [Span]
    /// Row-major, `rows × columns`: the access rate in percent (0…100) averaged over the cell's
    /// bytes and time, or nil where no region covered the cell.
    public var cells: [Double?]

    /// nil when the record has no snapshot with a region. `rows` time slices (at most one per
    /// snapshot) by `columns` address cells, each span at least `minimumSpanColumns` of them
    /// (an image gives a small stack a visible band).
    public init?(_ record: TargetRecord, rows requestedRows: Int, columns requestedColumns: Int, minimumSpanColumns: Int = 1) {
        let snapshots = record.snapshots.filter { !$0.regions.isEmpty && $0.end > $0.start }
        guard let first = snapshots.first, let last = snapshots.last, requestedRows > 0, requestedColumns > 0 else { return nil }
        self.record = record
        timeStart = snapshots.map(\.start).min() ?? first.start
        timeEnd = max(last.end, timeStart + 1)
        rows = min(requestedRows, snapshots.count)
        spans = Self.spans(of: snapshots, columns: requestedColumns, minimum: minimumSpanColumns)
        columns = spans.last?.columns.upperBound ?? requestedColumns
        cells = Array(repeating: nil, count: rows * columns)

        var weighted = [Double](repeating: 0, count: rows * columns)
        var weights = [Double](repeating: 0, count: rows * columns)
        let duration = Double(timeEnd - timeStart)
        for snapshot in snapshots {
            let rowRange = rowsCovering(snapshot.start, snapshot.end)
            for region in snapshot.regions {
                let rate = Double(record.intervals.percent(region.nrAccesses))
                for column in columnsCovering(region.start, region.end) {
                    let (cellStart, cellEnd) = addressRange(ofColumn: column)
                    let bytes = Double(min(cellEnd, region.end) - max(cellStart, region.start))
                    guard bytes > 0 else { continue }
                    for row in rowRange {
                        let rowStart = Double(timeStart) + duration * Double(row) / Double(rows)
                        let rowEnd = Double(timeStart) + duration * Double(row + 1) / Double(rows)
                        let time = min(rowEnd, Double(snapshot.end)) - max(rowStart, Double(snapshot.start))
                        guard time > 0 else { continue }
                        weighted[row * columns + column] += rate * bytes * time
                        weights[row * columns + column] += bytes * time
                    }
                }
            }
        }
        for index in cells.indices where weights[index] > 0 {
            cells[index] = weighted[index] / weights[index]
        }
    }

    public func cell(row: Int, column: Int) -> Double? { cells[row * columns + column] }

    /// The time slice of a row, ns on the record's clock.
    public func timeRange(ofRow row: Int) -> (start: UInt64, end: UInt64) {
        let duration = Double(timeEnd - timeStart)
        return (
            timeStart + UInt64(duration * Double(row) / Double(rows)), timeStart + UInt64(duration * Double(row + 1) / Double(rows))
        )
    }

    /// The addresses of a column: an equal share of its span.
    public func addressRange(ofColumn column: Int) -> (start: UInt64, end: UInt64) {
        guard let span = spans.first(where: { $0.columns.contains(column) }) else { return (0, 0) }
        let index = UInt64(column - span.columns.lowerBound)
        let count = UInt64(span.columns.count)
        return (span.start + Self.share(span.size, index, count), span.start + Self.share(span.size, index + 1, count))
    }

    /// `size × index / count` without overflowing.
    static func share(_ size: UInt64, _ index: UInt64, _ count: UInt64) -> UInt64 {
        count.dividingFullWidth(size.multipliedFullWidth(by: index)).quotient
    }

    /// `value × count / size`, rounded down or up, without overflowing (value ≤ size).
    static func scale(_ value: UInt64, _ count: UInt64, _ size: UInt64, roundingUp: Bool) -> UInt64 {
        let (quotient, remainder) = size.dividingFullWidth(value.multipliedFullWidth(by: count))
        return quotient + (roundingUp && remainder > 0 ? 1 : 0)
    }

    func rowsCovering(_ start: UInt64, _ end: UInt64) -> Range<Int> {
        let duration = Double(timeEnd - timeStart)
        let first = Int(Double(start &- timeStart) / duration * Double(rows))
        let last = Int((Double(end - timeStart) / duration * Double(rows)).rounded(.up))
        return max(0, min(first, rows))..<max(0, min(last, rows))
    }

    func columnsCovering(_ start: UInt64, _ end: UInt64) -> [Int] {
        spans.filter { $0.start < end && start < $0.end }.flatMap { span -> Range<Int> in
            let count = UInt64(span.columns.count)
            let from = max(start, span.start) - span.start
            let to = min(end, span.end) - span.start
            let first = Int(Self.scale(from, count, span.size, roundingUp: false))
            let last = Int(Self.scale(to, count, span.size, roundingUp: true))
            return (span.columns.lowerBound + first)..<(span.columns.lowerBound + min(last, span.columns.count))
        }
    }

    /// The union of every snapshot's regions, cut where a gap is wider than one column's share of
    /// the covered bytes, with columns given out in proportion to bytes (at least `minimum` each,
    /// as far as the columns go).
    static func spans(of snapshots: [RecordSnapshot], columns: Int, minimum: Int = 1) -> [Span] {
        var pieces: [(start: UInt64, end: UInt64)] = []
        for (start, end) in snapshots.flatMap({ $0.regions.map { ($0.start, $0.end) } }).sorted(by: { $0.0 < $1.0 }) {
            if let last = pieces.last, start <= last.end {
                pieces[pieces.count - 1].end = max(last.end, end)
            } else {
                pieces.append((start, end))
            }
        }
        let covered = pieces.reduce(UInt64(0)) { $0 &+ ($1.end - $1.start) }
        let cut = max(1, covered / UInt64(columns))
        var merged: [(start: UInt64, end: UInt64)] = []
        for piece in pieces {
            if let last = merged.last, piece.start - last.end <= cut {
                merged[merged.count - 1].end = piece.end
            } else {
                merged.append(piece)
            }
        }
        // More spans than columns: close the narrowest gaps until each span can have a column.
        while merged.count > columns {
            let gaps = (1..<merged.count).map { merged[$0].start - merged[$0 - 1].end }
            let index = gaps.indices.min { gaps[$0] < gaps[$1] }! + 1
            merged[index - 1].end = merged[index].end
            merged.remove(at: index)
        }
        let total = Double(merged.reduce(UInt64(0)) { $0 &+ ($1.end - $1.start) })
        let floor = max(1, min(minimum, columns / merged.count))
        var counts = merged.map { max(floor, Int(Double($0.end - $0.start) / total * Double(columns))) }
        while counts.reduce(0, +) > columns, let index = counts.indices.max(by: { counts[$0] < counts[$1] }) {
            counts[index] -= 1
        }
        while counts.reduce(0, +) < columns, let index = counts.indices.max(by: {
            Double(merged[$0].end - merged[$0].start) / Double(counts[$0]) < Double(merged[$1].end - merged[$1].start) / Double(counts[$1])
        }) {
            counts[index] += 1
        }
        var spans: [Span] = []
        var next = 0
        for (piece, count) in zip(merged, counts) {
            spans.append(Span(start: piece.start, end: piece.end, columns: next..<(next + count)))
            next += count
        }
        return spans
    }
}
