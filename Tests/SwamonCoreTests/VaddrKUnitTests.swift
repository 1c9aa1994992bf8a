import Testing
@testable import SwamonCore

/// The kernel's `mm/damon/vaddr-test.h` (suite "damon-primitives", later "damon-operations"),
/// same inputs and expected numbers, minimum region size 1.
@Suite("damon-operations (vaddr KUnit)")
struct VaddrKUnitTests {
    /// damon_test_three_regions_in_vmas
    @Test func threeRegionsInVMAs() {
        let vmas = ranges([(10, 20), (20, 25), (200, 210), (210, 220), (300, 305), (307, 330)])
        let three = threeRegions(of: vmas, minRegionSize: 1)
        #expect(three == ranges([(10, 25), (200, 220), (300, 330)]))
    }

    /// The shared body of damon_do_test_apply_three_regions: eight regions, then
    /// `damon_set_regions()` with three big ranges.
    private func applyThreeRegions(_ big: [(UInt64, UInt64)], expect expected: [[UInt64]]) {
        var target = Target(
            id: 42,
            regions: regions([(10, 20), (20, 30), (50, 55), (55, 57), (57, 59), (70, 80), (80, 90), (90, 100)]))
        target.setRegions(ranges(big), minRegionSize: 1)
        #expect(bounds(target) == expected)
    }

    /// damon_test_apply_three_regions1: every big region overlaps existing regions.
    @Test func applyThreeRegions1() {
        applyThreeRegions(
            [(5, 27), (45, 55), (73, 104)],
            expect: [[5, 20], [20, 27], [45, 55], [73, 80], [80, 90], [90, 104]])
    }

    /// damon_test_apply_three_regions2: the second big region shrinks 55-57 to exactly itself.
    @Test func applyThreeRegions2() {
        applyThreeRegions(
            [(5, 27), (56, 57), (65, 104)],
            expect: [[5, 20], [20, 27], [56, 57], [65, 80], [80, 90], [90, 104]])
    }

    /// damon_test_apply_three_regions3: the second big region lies in a gap and is created.
    @Test func applyThreeRegions3() {
        applyThreeRegions(
            [(5, 27), (61, 63), (65, 104)],
            expect: [[5, 20], [20, 27], [61, 63], [65, 80], [80, 90], [90, 104]])
    }

    /// damon_test_apply_three_regions4: no big region overlaps the old regions.
    @Test func applyThreeRegions4() {
        applyThreeRegions([(5, 7), (30, 32), (65, 68)], expect: [[5, 7], [30, 32], [65, 68]])
    }

    /// damon_test_split_evenly_fail: zero pieces, and pieces below the minimum size.
    @Test func splitEvenlyFail() {
        var target = Target(id: 42, regions: [Region(0, 100)])
        #expect(throws: EvenlySplitError.zeroPieces) {
            try target.evenlySplitRegion(at: 0, into: 0, minRegionSize: 1)
        }
        #expect(bounds(target) == [[0, 100]])

        target = Target(id: 42, regions: [Region(5, 6)])
        #expect(throws: EvenlySplitError.piecesSmallerThanMinimum) {
            try target.evenlySplitRegion(at: 0, into: 2, minRegionSize: 1)
        }
        #expect(bounds(target) == [[5, 6]])
    }

    /// damon_test_split_evenly_succ / damon_test_split_evenly
    @Test func splitEvenly() throws {
        var target = Target(id: 42, regions: [Region(0, 100)])
        try target.evenlySplitRegion(at: 0, into: 10, minRegionSize: 1)
        let tens: [[UInt64]] = (0..<10).map { (i: UInt64) -> [UInt64] in [i * 10, i * 10 + 10] }
        #expect(bounds(target) == tens)

        target = Target(id: 42, regions: [Region(5, 59)])
        try target.evenlySplitRegion(at: 0, into: 5, minRegionSize: 1)
        #expect(bounds(target) == [[5, 15], [15, 25], [25, 35], [35, 45], [45, 59]])
    }

    /// The 2024 fix (f3c7a1ede435): exactly `pieces` pieces even when rounding leaves a rest,
    /// and one piece is a no-op.
    @Test func splitEvenlyExactPieceCount() throws {
        var target = Target(id: 42, regions: [Region(0, 3)])
        try target.evenlySplitRegion(at: 0, into: 2, minRegionSize: 1)
        #expect(bounds(target) == [[0, 1], [1, 3]])

        target = Target(id: 42, regions: [Region(4, 6)])
        try target.evenlySplitRegion(at: 0, into: 1, minRegionSize: 1)
        #expect(bounds(target) == [[4, 6]])

        // The bug's own example: [0, 0x3000) in two with a 4 KiB unit made three pieces.
        target = Target(id: 42, regions: [Region(0, 0x3000)])
        try target.evenlySplitRegion(at: 0, into: 2, minRegionSize: 0x1000)
        #expect(bounds(target) == [[0, 0x1000], [0x1000, 0x3000]])
    }
}
