import Testing
@testable import SwamonCore

/// The kernel's `mm/damon/core-test.h` (suite "damon", later `tests/core-kunit.h`), same inputs
/// and expected numbers, minimum region size 1. Each test is named after its kernel case.
@Suite("damon (core KUnit)")
struct CoreKUnitTests {
    /// damon_test_target
    @Test func target() {
        let context = kunitContext()
        let target = Target(id: 42)
        #expect(target.id == 42)
        #expect(context.targets.count == 0)
        context.targets.append(target)
        #expect(context.targets.count == 1)
        context.targets.removeAll { $0.id == 42 }
        #expect(context.targets.count == 0)
    }

    /// damon_test_regions
    @Test func regions() {
        let region = Region(1, 2)
        #expect(region.start == 1)
        #expect(region.end == 2)
        #expect(region.accessCount == 0)
        var target = Target(id: 42)
        #expect(target.regions.count == 0)
        target.regions.append(region)
        #expect(target.regions.count == 1)
        target.regions.removeAll { $0 == region }
        #expect(target.regions.count == 0)
    }

    /// damon_test_aggregate
    @Test func aggregate() {
        let starts: [[UInt64]] = [[10, 20, 30], [5, 42, 49], [13, 33, 55]]
        let ends: [[UInt64]] = [[15, 27, 40], [31, 45, 55], [23, 44, 66]]
        let accesses: [[UInt32]] = [[42, 95, 84], [10, 20, 30], [0, 1, 2]]
        let targets = (0..<3).map { t in
            Target(
                id: UInt64(t + 1),
                regions: (0..<3).map { r in
                    var region = Region(starts[t][r], ends[t][r])
                    region.accessCount = accesses[t][r]
                    return region
                })
        }
        let context = kunitContext(targets: targets)
        for t in context.targets.indices { context.targets[t].resetAggregated() }
        #expect(context.targets.count == 3)
        for target in context.targets {
            #expect(target.regions.count == 3)
            for region in target.regions { #expect(region.accessCount == 0) }
        }
        #expect(context.targets[0].regions.map(\.lastAccessCount) == [42, 95, 84])
    }

    /// damon_test_split_at
    @Test func splitAt() {
        var target = Target(id: 42, regions: [Region(0, 100)])
        target.splitRegion(at: 0, leftSize: 25)
        #expect(bounds(target) == [[0, 25], [25, 100]])
    }

    /// damon_test_merge_two
    @Test func mergeTwo() {
        var left = Region(0, 100)
        left.accessCount = 10
        var right = Region(100, 300)
        right.accessCount = 20
        left.absorb(right)
        #expect(left.start == 0)
        #expect(left.end == 300)
        #expect(left.accessCount == 16)
    }

    /// damon_test_merge_regions_of
    @Test func mergeRegionsOf() {
        let starts: [UInt64] = [0, 100, 114, 122, 130, 156, 170, 184]
        let ends: [UInt64] = [100, 112, 122, 130, 156, 170, 184, 230]
        let accesses: [UInt32] = [0, 0, 10, 10, 20, 30, 1, 2]
        var target = Target(
            id: 42,
            regions: (0..<8).map { i in
                var region = Region(starts[i], ends[i])
                region.accessCount = accesses[i]
                return region
            })
        target.mergeRegions(threshold: 9, sizeLimit: 9999)
        #expect(bounds(target) == [[0, 112], [114, 130], [130, 156], [156, 170], [170, 230]])
    }

    /// damon_test_split_regions_of
    @Test func splitRegionsOf() {
        var random = SplitMix64(seed: 7)
        for seed in 0..<200 {
            random = SplitMix64(seed: UInt64(seed))
            var small = Target(id: 42, regions: [Region(0, 22)])
            small.splitRegions(into: 2, minRegionSize: 1, using: &random)
            #expect(small.regions.count <= 2)
            var large = Target(id: 42, regions: [Region(0, 220)])
            large.splitRegions(into: 4, minRegionSize: 1, using: &random)
            #expect(large.regions.count <= 4)
            for target in [small, large] {
                #expect(target.regions.first?.start == 0)
                #expect(zip(target.regions, target.regions.dropFirst()).allSatisfy { $0.end == $1.start })
            }
        }
    }

    /// damon_test_set_regions
    @Test func setRegions() {
        var target = Target(id: 42, regions: SwamonCoreTests.regions([(4, 16), (24, 32)]))
        target.setRegions(ranges([(8, 28)]), minRegionSize: 1)
        #expect(bounds(target) == [[8, 16], [16, 24], [24, 28]])
    }

    /// damon_test_update_monitoring_result
    @Test func updateMonitoringResult() {
        let old = Attributes(
            sampleInterval: 10, aggregationInterval: 1000, updateInterval: 0, minRegions: 10, maxRegions: 1000)
        var region = Region(3, 7)
        region.accessCount = 15
        region.accessRateBP = 150_000
        region.age = 20

        var new = old
        new.sampleInterval = 100
        new.aggregationInterval = 10_000
        region.rescale(from: old, to: new, aggregating: false)
        #expect(region.accessCount == 15)
        #expect(region.age == 2)

        new.sampleInterval = 1
        new.aggregationInterval = 1000
        region.rescale(from: old, to: new, aggregating: false)
        #expect(region.accessCount == 150)
        #expect(region.age == 2)

        new.sampleInterval = 1
        new.aggregationInterval = 100
        region.rescale(from: old, to: new, aggregating: false)
        #expect(region.accessCount == 150)
        #expect(region.age == 20)
    }

    /// damon_test_set_attrs
    @Test func setAttrs() throws {
        let context = kunitContext()
        let valid = Attributes(
            sampleInterval: 5000, aggregationInterval: 100_000, updateInterval: 0, minRegions: 10, maxRegions: 1000)
        try context.setAttributes(valid)

        var invalid = valid
        invalid.minRegions = 1
        #expect(throws: AttributesError.tooFewRegions(1)) { try context.setAttributes(invalid) }

        invalid = valid
        invalid.maxRegions = 9
        #expect(throws: AttributesError.minAboveMax(min: 10, max: 9)) { try context.setAttributes(invalid) }

        invalid = valid
        invalid.aggregationInterval = 4999
        #expect(throws: AttributesError.aggregationShorterThanSample(sample: 5000, aggregation: 4999)) {
            try context.setAttributes(invalid)
        }
        #expect(context.attributes == valid, "a refused write changes nothing")
    }

    /// damon_test_moving_sum
    @Test func movingSum() {
        let inputs: [UInt32] = [10000, 0, 10000, 0, 0, 0, 10000, 0, 0, 0]
        let expected: [UInt32] = [55000, 50000, 55000, 50000, 45000, 40000, 45000, 40000, 35000, 30000]
        var sum: UInt32 = 50000
        for (input, want) in zip(inputs, expected) {
            sum = SwamonCore.movingSum(sum, previousWindowSum: 50000, window: 10, newValue: input)
            #expect(sum == want)
        }
    }
}
