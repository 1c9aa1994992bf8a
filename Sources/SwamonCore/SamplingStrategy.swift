/// How each region's sampled page is chosen at the start of a sample.
///
/// `.random` is the kernel's rule: a new uniformly random address in the region every sample
/// (`damon_rand`). `.sparse` exists for idle page tracking, where a page that was marked idle and
/// is never touched again stays idle, and every later read of its bitmap word walks its mappings
/// again: it confines the pages ever sampled to a small fixed set and keeps each drawn page for a
/// few samples, so the backend re-checks a still-idle frame instead of marking a new one.
public enum SamplingStrategy: Equatable, Sendable {
    case random
    case sparse(SparseSampling)

    /// `random` or `sparse`, as the daemon's `sampling` file names them.
    public var name: String {
        switch self {
        case .random: "random"
        case .sparse: "sparse"
        }
    }
}

/// The sparse strategy's parameters (see `SamplingStrategy.sparse`).
///
/// The candidate pages are one page in every naturally aligned block of `2^level` pages, which
/// page of the block decided by a hash of the block number and `seed`, so the set never changes
/// while a context runs and owes nothing to where the accesses are. A region's level is the
/// largest (at most `maximumLevel`) that still leaves it `minimumCandidates` blocks. A draw takes
/// a uniformly random page of the region and samples its block's candidate, i.e. each candidate
/// with the probability of its block: over the random choice of the set this is the kernel's
/// uniform page, and each region's estimate is that of its candidates. A drawn page is kept for
/// `dwell` samples whatever they find (a choice that depended on the outcome, like "keep it while
/// it stays idle", would favour cold pages), then a new one is drawn; a region whose range
/// changed (split, merge, update) draws anew at once.
public struct SparseSampling: Equatable, Sendable {
    /// Samples one drawn page is kept for (1: a new page every sample).
    public var dwell: UInt32
    /// Blocks a region keeps at least, while its level is above zero.
    public var minimumCandidates: UInt64
    /// The largest block size, as a power of two in pages: the fewest pages ever sampled.
    public var maximumLevel: UInt32
    /// Picks the candidate page within each block; one per monitoring run.
    public var seed: UInt64

    /// The defaults swamond uses with idle page tracking, measured in docs/benchmarks.md: a page
    /// kept for 4 samples, at least 16 candidates per region, at most one page in 64 sampled.
    public static func standard(seed: UInt64) -> SparseSampling {
        SparseSampling(dwell: 4, minimumCandidates: 16, maximumLevel: 6, seed: seed)
    }

    public init(dwell: UInt32, minimumCandidates: UInt64, maximumLevel: UInt32, seed: UInt64) {
        self.dwell = max(dwell, 1)
        self.minimumCandidates = max(minimumCandidates, 1)
        self.maximumLevel = min(maximumLevel, 32)
        self.seed = seed
    }

    /// The block size (log2, in pages) for a region of `pages` pages: floor(log2(pages /
    /// minimumCandidates)), between 0 and `maximumLevel`.
    public func level(forPages pages: UInt64) -> UInt32 {
        let blocks = pages / minimumCandidates
        guard blocks > 1 else { return 0 }
        return min(UInt32(63 - blocks.leadingZeroBitCount), maximumLevel)
    }

    /// The page number of the candidate of block `block` (of `2^level` pages).
    public func candidate(ofBlock block: UInt64, level: UInt32) -> UInt64 {
        guard level > 0 else { return block }
        var hash = SplitMix64(seed: block ^ seed)
        return block << level | hash.next() & (1 << level - 1)
    }

    /// A drawn sampling address in `range`, whose pages are `pageSize` bytes: the candidate of the
    /// block of a uniformly random page. A block whose candidate lies outside the range (only the
    /// first and last block can be cut by it) is drawn again; after eight such draws the random
    /// page itself is taken.
    public func address(in range: AddressRange, pageSize: UInt64, using random: inout some RandomNumberGenerator) -> UInt64 {
        let level = level(forPages: range.size / pageSize)
        guard level > 0 else { return randomAddress(in: range, using: &random) }
        var page = randomAddress(in: range, using: &random) / pageSize
        for _ in 0..<8 {
            let address = candidate(ofBlock: page >> level, level: level) * pageSize
            if address >= range.start && address < range.end { return address }
            page = randomAddress(in: range, using: &random) / pageSize
        }
        return max(page * pageSize, range.start)
    }
}
