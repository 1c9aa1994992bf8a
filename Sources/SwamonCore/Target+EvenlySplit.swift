/// Why a region could not be split evenly; the kernel answers `-EINVAL` in both cases.
public enum EvenlySplitError: Error, Equatable, Sendable {
    case zeroPieces
    case piecesSmallerThanMinimum
}

extension Target {
    /// Splits the region at `index` into exactly `pieces` regions of equal, aligned size; the last
    /// piece takes the rounding rest (DAMON: `damon_va_evenly_split_region` as fixed in 2024 —
    /// the loop runs `pieces - 1` times, and one piece is a no-op). On error nothing changes.
    public mutating func evenlySplitRegion(at index: Int, into pieces: UInt64, minRegionSize: UInt64)
        throws(EvenlySplitError)
    {
        if pieces == 0 { throw .zeroPieces }
        if pieces == 1 { return }
        let original = regions[index]
        let pieceSize = alignDown(original.size / pieces, minRegionSize)
        if pieceSize == 0 { throw .piecesSmallerThanMinimum }

        var newPieces: [Region] = []
        newPieces.reserveCapacity(Int(pieces - 1))
        var start = original.start + pieceSize
        for _ in 1..<pieces {
            newPieces.append(Region(start, start + pieceSize))
            start += pieceSize
        }
        newPieces[newPieces.count - 1].end = original.end
        regions[index].end = original.start + pieceSize
        regions.insert(contentsOf: newPieces, at: index + 1)
    }
}
