import Testing
@testable import SwamonCore

/// A generator whose draws are chosen by the test: `tenths(k)` makes the next
/// `1 + randomBelow(9)` equal `k`, the split point of `damon_rand(1, 10)`.
struct ScriptedRandom: RandomNumberGenerator {
    var values: [UInt64]
    var drawn = 0

    /// Split points in tenths (1...9), drawn in order.
    static func tenths(_ points: [UInt64]) -> ScriptedRandom {
        // randomBelow(9) is the high word of next * 9: aim at the middle of bucket k - 1.
        ScriptedRandom(values: points.map { (UInt64.max / 9) * ($0 - 1) + UInt64.max / 18 })
    }

    mutating func next() -> UInt64 {
        defer { drawn += 1 }
        return values[drawn]
    }
}

func region(_ start: UInt64, _ end: UInt64, accesses: UInt32 = 0, last: UInt32 = 0, age: UInt32 = 0) -> Region {
    var region = Region(start, end)
    region.accessCount = accesses
    region.lastAccessCount = last
    region.age = age
    return region
}

/// A context of ten-byte regions side by side whose counts did not change since the last
/// aggregation (each count is also the last one), max_nr_regions 3, sampling interval 1.
func steadyCounts(_ counts: [UInt32], aggregationInterval: UInt64) -> MonitoringContext {
    let attributes = Attributes(
        sampleInterval: 1, aggregationInterval: aggregationInterval, updateInterval: aggregationInterval, minRegions: 3, maxRegions: 3)
    let target = Target(id: 1, regions: counts.enumerated().map { i, c in
        region(UInt64(i) * 10, UInt64(i + 1) * 10, accesses: c, last: c)
    })
    return kunitContext(targets: [target], attributes: attributes)
}

/// Boundary cases computed by hand from mm/damon/core.c (mainline, 6.12+): each expectation
/// cites the rule it checks. Minimum region size 1 unless a case is about it.
@Suite("exact kernel rules")
struct ExactRuleTests {
    // MARK: merge — damon_merge_regions_of():
    // `abs(prev->nr_accesses - r->nr_accesses) <= thres && sz(prev) + sz(r) <= sz_limit`

    @Test func aDifferenceEqualToTheThresholdMerges() {
        var target = Target(id: 1, regions: [region(0, 10, accesses: 5), region(10, 20, accesses: 8)])
        target.mergeRegions(threshold: 3, sizeLimit: 100)
        #expect(bounds(target) == [[0, 20]])
        // damon_merge_two_regions: (5 * 10 + 8 * 10) / 20 = 6 (integer division of 6.5).
        #expect(target.regions[0].accessCount == 6)
    }

    @Test func aDifferenceOneAboveTheThresholdDoesNot() {
        var target = Target(id: 1, regions: [region(0, 10, accesses: 5), region(10, 20, accesses: 9)])
        target.mergeRegions(threshold: 3, sizeLimit: 100)
        #expect(bounds(target) == [[0, 10], [10, 20]])
    }

    @Test func theMergedSizeMayEqualTheLimitNotExceedIt() {
        var atLimit = Target(id: 1, regions: [region(0, 10), region(10, 30)])
        atLimit.mergeRegions(threshold: 0, sizeLimit: 30)
        #expect(bounds(atLimit) == [[0, 30]])
        var above = Target(id: 1, regions: [region(0, 10), region(10, 30)])
        above.mergeRegions(threshold: 0, sizeLimit: 29)
        #expect(bounds(above) == [[0, 10], [10, 30]])
    }

    @Test func regionsAcrossAGapNeverMerge() {
        // `prev->ar.end == r->ar.start`
        var target = Target(id: 1, regions: [region(0, 10), region(11, 20)])
        target.mergeRegions(threshold: 100, sizeLimit: 100)
        #expect(bounds(target) == [[0, 10], [11, 20]])
    }

    @Test func theNextComparisonUsesTheMergedAverage() {
        // 0 and 3 merge into (0*10 + 3*10)/20 = 1; |1 - 6| = 5 > 3 keeps the third apart
        // (compared with the unmerged 3, |3 - 6| = 3 would have merged it).
        var target = Target(id: 1, regions: [region(0, 10), region(10, 20, accesses: 3), region(20, 30, accesses: 6)])
        target.mergeRegions(threshold: 3, sizeLimit: 100)
        #expect(bounds(target) == [[0, 20], [20, 30]])
        #expect(target.regions.map(\.accessCount) == [1, 6])
    }

    @Test func theMergedAverageIsSizeWeighted() {
        // (10 * 100 + 20 * 300) / 400 = 17 (17.5 rounded down); an unweighted mean would be 15.
        var left = region(0, 100, accesses: 10)
        left.absorb(region(100, 400, accesses: 20))
        #expect(left.accessCount == 17)
        #expect(left.range == AddressRange(0, 400))
    }

    // MARK: age — damon_merge_regions_of(), before merging:
    // `if (abs(r->nr_accesses - r->last_nr_accesses) > thres) r->age = 0;
    //  else if ((r->nr_accesses == 0) != (r->last_nr_accesses == 0)) r->age = 0; else r->age++;`

    @Test func ageIsKeptAndIncrementedWithinTheThreshold() {
        // Regions apart (gap) so only the age rule acts.
        var target = Target(id: 1, regions: [
            region(0, 10, accesses: 8, last: 5, age: 4),  // |8 - 5| = 3 = thres → 5
            region(20, 30, accesses: 9, last: 5, age: 4),  // 4 > 3 → 0
            region(40, 50, accesses: 2, last: 1, age: 4),  // 1 ≤ 3, both non-zero → 5
            region(60, 70, accesses: 0, last: 0, age: 4),  // 0 ≤ 3, both zero → 5
            region(80, 90, accesses: 1, last: 0, age: 4),  // crosses zero → 0
            region(100, 110, accesses: 0, last: 2, age: 4),  // crosses zero → 0
        ])
        target.mergeRegions(threshold: 3, sizeLimit: 1000)
        #expect(target.regions.map(\.age) == [5, 0, 5, 5, 0, 0])
    }

    @Test func aMergedRegionsAgeIsTheSizeWeightedAverageOfTheUpdatedAges() {
        // Ages become 4 and 10 first, then (4 * 10 + 10 * 30) / 40 = 8 (8.5 rounded down).
        var target = Target(id: 1, regions: [region(0, 10, age: 3), region(10, 40, age: 9)])
        target.mergeRegions(threshold: 0, sizeLimit: 1000)
        #expect(target.regions.map(\.age) == [8])
    }

    // MARK: kdamond_merge_regions(): repeat with `threshold = max(1, threshold * 2)` while
    // `nr_regions > max_nr_regions && threshold / 2 < max_thres`.

    @Test func theThresholdDoublesUntilFewEnoughRegionsRemain() throws {
        let context = steadyCounts([0, 4, 8, 12], aggregationInterval: 100)
        // Threshold 1, then 2: nothing merges (differences of 4); then 4: 0+4 → 2, 8+12 → 10.
        context.mergeRegions(threshold: 1, sizeLimit: 1000)
        #expect(bounds(context.targets[0]) == [[0, 20], [20, 40]])
        #expect(context.targets[0].regions.map(\.accessCount) == [2, 10])
        // Each pass ages every region once: three passes.
        #expect(context.targets[0].regions.map(\.age) == [3, 3])
    }

    @Test func theThresholdStopsDoublingAtTheMaximumCount() throws {
        // max_thres = 4 / 1 = 4. After the pass at 1: 2 / 2 < 4, go on; at 2: 4 / 2 < 4, go on;
        // at 4: 8 / 2 = 4 is not below 4, stop — three passes, none at 8.
        let context = steadyCounts([0, 20, 40, 60], aggregationInterval: 4)
        context.mergeRegions(threshold: 1, sizeLimit: 1000)
        #expect(context.targets[0].regions.count == 4, "no threshold up to 4 merges differences of 20")
        #expect(context.targets[0].regions.map(\.age) == [3, 3, 3, 3], "three passes: thresholds 1, 2, 4")
    }

    @Test func exactlyTheMaximumCountEndsThePasses() throws {
        // 3 regions, max 3: `3 > 3` is false after the first pass, so there is no second one
        // (which would age every region again).
        let context = steadyCounts([0, 4, 8], aggregationInterval: 100)
        context.mergeRegions(threshold: 1, sizeLimit: 1000)
        #expect(bounds(context.targets[0]) == [[0, 10], [10, 20], [20, 30]])
        #expect(context.targets[0].regions.map(\.age) == [1, 1, 1])
    }

    // damon_set_regions: `first->ar.start = ALIGN_DOWN(range->start, min_sz_region);
    // last->ar.end = ALIGN(range->end, min_sz_region);` a range no region meets becomes one
    // region aligned the same way.
    @Test func setRegionsAlignsOutwards() {
        var target = Target(id: 1, regions: [Region(4096, 8192)])
        target.setRegions([AddressRange(5000, 10_000), AddressRange(20_000, 30_000)], minRegionSize: 4096)
        #expect(bounds(target) == [[4096, 12_288], [16_384, 32_768]])
    }

    // MARK: split — damon_split_region_at(): the new right region copies age,
    // last_nr_accesses, nr_accesses_bp and nr_accesses.

    @Test func aSplitCopiesTheCountersToTheRightPiece() {
        var original = region(0, 100, accesses: 7, last: 3, age: 11)
        original.accessRateBP = 70_000
        var target = Target(id: 1, regions: [original])
        target.splitRegion(at: 0, leftSize: 30)
        #expect(bounds(target) == [[0, 30], [30, 100]])
        for piece in target.regions {
            #expect(piece.accessCount == 7)
            #expect(piece.lastAccessCount == 3)
            #expect(piece.age == 11)
            #expect(piece.accessRateBP == 70_000)
        }
    }

    // damon_split_regions_of(): `for (i = 0; i < nr_subs - 1 && sz_region > 2 * min_sz_region; i++)`,
    // `sz_sub = ALIGN_DOWN(damon_rand(1, 10) * sz_region / 10, min_sz_region)`, a blank piece is
    // skipped with `continue`, and the loop re-splits the left piece (`sz_region = sz_sub`).

    @Test func aRegionOfTwiceTheMinimumIsNotSplit() {
        var random = ScriptedRandom.tenths([5, 5])
        var target = Target(id: 1, regions: [Region(0, 8)])
        target.splitRegions(into: 2, minRegionSize: 4, using: &random)
        #expect(bounds(target) == [[0, 8]])
        #expect(random.drawn == 0, "the loop condition fails before any draw")
    }

    @Test func oneByteMoreThanTwiceTheMinimumIsSplitAligned() {
        // 5 * 9 / 10 = 4, aligned down to 4 → [0, 4) and [4, 9).
        var random = ScriptedRandom.tenths([5])
        var target = Target(id: 1, regions: [Region(0, 9)])
        target.splitRegions(into: 2, minRegionSize: 4, using: &random)
        #expect(bounds(target) == [[0, 4], [4, 9]])
    }

    @Test func aBlankPieceIsSkippedNotRetried() {
        // 1 * 9 / 10 = 0 → skipped; with two pieces wanted, the single iteration is spent.
        var random = ScriptedRandom.tenths([1, 5])
        var target = Target(id: 1, regions: [Region(0, 9)])
        target.splitRegions(into: 2, minRegionSize: 4, using: &random)
        #expect(bounds(target) == [[0, 9]])
        #expect(random.drawn == 1)
    }

    @Test func aThreeWaySplitCutsTheLeftPieceAgain() {
        // 6 * 100 / 10 = 60 → [0, 60) [60, 100); then the left: 5 * 60 / 10 = 30.
        var random = ScriptedRandom.tenths([6, 5])
        var target = Target(id: 1, regions: [Region(0, 100), Region(100, 101)])
        target.splitRegions(into: 3, minRegionSize: 1, using: &random)
        #expect(bounds(target) == [[0, 30], [30, 60], [60, 100], [100, 101]], "the last region keeps its end")
    }

    @Test func theSecondCutStopsWhenTheLeftPieceIsTooSmall() {
        // 2 * 10 / 10 = 2 → [0, 2) [2, 10); the left piece (2 = 2 * min) is not cut again.
        var random = ScriptedRandom.tenths([2, 5])
        var target = Target(id: 1, regions: [Region(0, 10)])
        target.splitRegions(into: 3, minRegionSize: 1, using: &random)
        #expect(bounds(target) == [[0, 2], [2, 10]])
        #expect(random.drawn == 1)
    }

    @Test func aFixedSeedGoldenSplit() {
        // SplitMix64(42) draws tenths 7, 2 | 3, 4 (worked out with an independent
        // implementation of SplitMix64 and the rule above): 7 * 1 MiB / 10 = 733_184 after
        // 4 KiB alignment, then 2 * 733_184 / 10 → 143_360; 3 * 40_960 / 10 → 12_288, then
        // 4 * 12_288 / 10 → 4096; the last region is exactly 2 * 4096 and is left whole.
        var random = SplitMix64(seed: 42)
        var target = Target(id: 1, regions: [Region(0, 1 << 20), Region(1 << 20, (1 << 20) + 40_960), Region(1_089_536, 1_097_728)])
        target.splitRegions(into: 3, minRegionSize: 4096, using: &random)
        #expect(
            bounds(target) == [
                [0, 143_360], [143_360, 733_184], [733_184, 1_048_576],
                [1_048_576, 1_052_672], [1_052_672, 1_060_864], [1_060_864, 1_089_536],
                [1_089_536, 1_097_728],
            ])
    }

    // MARK: kdamond_split_regions(): nothing when `nr_regions > max_nr_regions / 2`; three pieces
    // when `last_nr_regions == nr_regions && nr_regions < max_nr_regions / 3`.

    func splitContext(regionCount: Int, maxRegions: UInt64, draws: [UInt64]) -> MonitoringContext {
        let attributes = Attributes(sampleInterval: 1, aggregationInterval: 10, updateInterval: 10, minRegions: 3, maxRegions: maxRegions)
        let target = Target(id: 1, regions: (0..<regionCount).map { Region(UInt64($0) * 100, UInt64($0 + 1) * 100) })
        return MonitoringContext(
            attributes: attributes, targets: [target], operations: NoOperations(), minRegionSize: 1,
            random: ScriptedRandom.tenths(draws), clock: { 0 })
    }

    @Test func exactlyHalfTheMaximumStillSplits() {
        let context = splitContext(regionCount: 5, maxRegions: 10, draws: Array(repeating: 5, count: 5))
        context.splitRegions()
        #expect(context.targets[0].regions.count == 10)
        let over = splitContext(regionCount: 6, maxRegions: 10, draws: [])
        over.splitRegions()
        #expect(over.targets[0].regions.count == 6)
    }

    @Test func threePiecesOnlyWhenTheCountRepeatsBelowAThird() {
        // max 30: a third is 10. 9 regions, seen before → three pieces each.
        let below = splitContext(regionCount: 9, maxRegions: 30, draws: Array(repeating: 5, count: 18))
        below.lastRegionCount = 9
        below.splitRegions()
        #expect(below.targets[0].regions.count == 27)
        #expect(below.lastRegionCount == 9, "the count before this split is remembered")
        // 10 regions is not below a third: two pieces.
        let atThird = splitContext(regionCount: 10, maxRegions: 30, draws: Array(repeating: 5, count: 10))
        atThird.lastRegionCount = 10
        atThird.splitRegions()
        #expect(atThird.targets[0].regions.count == 20)
        // A count not seen before: two pieces.
        let changed = splitContext(regionCount: 9, maxRegions: 30, draws: Array(repeating: 5, count: 9))
        changed.lastRegionCount = 8
        changed.splitRegions()
        #expect(changed.targets[0].regions.count == 18)
    }
}
