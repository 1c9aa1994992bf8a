import Testing
@testable import SwamonCore

/// Operations that record each scheme application; `outcome` decides what it reports and
/// `cost` how many nanoseconds of the test clock it takes.
final class RecordingOperations: Operations {
    var applied: [(action: Scheme.Action, range: AddressRange)] = []
    var outcome: (Scheme.Action, AddressRange) -> SchemeOutcome = { _, _ in .applied(0) }
    var cost: UInt64 = 0
    let clock: TestClock

    init(clock: TestClock) { self.clock = clock }

    func prepareAccessChecks(_ context: MonitoringContext) {}
    func checkAccesses(_ context: MonitoringContext) -> UInt32 { 0 }
    func applyScheme(_ action: Scheme.Action, to range: AddressRange, of target: Target) -> SchemeOutcome {
        applied.append((action, range))
        clock.now += cost
        return outcome(action, range)
    }
}

final class TestClock {
    var now: UInt64 = 1_000_000_000
}

func schemeContext(_ regions: [Region], schemes: [Scheme], attributes: Attributes = .kernelDefault, minRegionSize: UInt64 = 1)
    -> (MonitoringContext, RecordingOperations, TestClock)
{
    let clock = TestClock()
    let operations = RecordingOperations(clock: clock)
    let context = MonitoringContext(
        attributes: attributes, targets: [Target(id: 1, regions: regions)], operations: operations, minRegionSize: minRegionSize,
        random: SplitMix64(seed: 1), clock: { clock.now })
    context.schemes = schemes.map(SchemeRun.init)
    return (context, operations, clock)
}

/// A region as it stands at an aggregation: its count and the moving sum that matches it.
func aggregated(_ start: UInt64, _ end: UInt64, accesses: UInt32 = 0, age: UInt32 = 0) -> Region {
    var region = Region(start, end)
    region.accessCount = accesses
    region.accessRateBP = accesses * 10_000
    region.age = age
    return region
}

let anyPattern = (size: UInt64(0)...UInt64.max, accesses: UInt32(0)...UInt32.max, age: UInt32(0)...UInt32.max)

func scheme(_ action: Scheme.Action, quota: Scheme.Quota = Scheme.Quota(), watermarks: Scheme.Watermarks = Scheme.Watermarks()) -> Scheme {
    Scheme(sizeRange: anyPattern.size, accessCountRange: anyPattern.accesses, ageRange: anyPattern.age, action: action,
           quota: quota, watermarks: watermarks)
}

/// DAMOS, rule by rule from mm/damon/core.c and ops-common.c (6.12), values worked out by hand.
@Suite("DAMOS (core)")
struct SchemeTests {
    // __damos_valid_target: closed ranges on size, nr_accesses_bp / 10000 and age.
    @Test func matchingUsesClosedRanges() {
        let s = Scheme(sizeRange: 10...20, accessCountRange: 1...2, ageRange: 3...4, action: .stat)
        #expect(s.matches(aggregated(0, 10, accesses: 1, age: 3)))
        #expect(s.matches(aggregated(0, 20, accesses: 2, age: 4)))
        #expect(!s.matches(aggregated(0, 9, accesses: 1, age: 3)))
        #expect(!s.matches(aggregated(0, 21, accesses: 1, age: 3)))
        #expect(!s.matches(aggregated(0, 10, accesses: 0, age: 3)))
        #expect(!s.matches(aggregated(0, 10, accesses: 3, age: 3)))
        #expect(!s.matches(aggregated(0, 10, accesses: 1, age: 2)))
        #expect(!s.matches(aggregated(0, 10, accesses: 1, age: 5)))
        var partial = aggregated(0, 10, accesses: 1, age: 3)
        partial.accessRateBP = 9_999  // the moving sum rules: 0 accesses
        #expect(!s.matches(partial))
    }

    // damon_hot_score / damon_cold_score with aggr 100 ms, sample 5 ms (max 20 accesses).
    @Test func hotAndColdScores() {
        let weights = Scheme.Quota(weightAccesses: 1, weightAge: 1)
        let attributes = Attributes.kernelDefault
        // 10 accesses: freq 10 * 100 / 20 = 50; age 20 aggregations = 2 s → log 2;
        // age subscore (2 + 32) * 100 / 32 / 2 = 53; (50 + 53) / 2 = 51; 51 * 99 / 100 = 50.
        #expect(SchemeScore.hot(aggregated(0, 1, accesses: 10, age: 20), attributes: attributes, quota: weights) == 50)
        #expect(SchemeScore.cold(aggregated(0, 1, accesses: 10, age: 20), attributes: attributes, quota: weights) == 49)
        // Never accessed: the age counts as cold, log -2 → (30 * 100 / 32) / 2 = 46; 46 / 2 = 23 → 22.
        #expect(SchemeScore.hot(aggregated(0, 1, age: 20), attributes: attributes, quota: weights) == 22)
        #expect(SchemeScore.cold(aggregated(0, 1, age: 20), attributes: attributes, quota: weights) == 77)
        // No weights: hotness 0, the coldest possible.
        #expect(SchemeScore.cold(aggregated(0, 1, accesses: 20, age: 20), attributes: attributes, quota: Scheme.Quota()) == 99)
        // Age only: 2^32 - 1 aggregations of 0.1 s = 429_496_729 s → log 29 →
        // (61 * 100 / 32) / 2 = 95 → 94. With 10^6 s aggregations the log caps at 32 → 100 → 99.
        #expect(SchemeScore.hot(aggregated(0, 1, accesses: 20, age: UInt32.max), attributes: attributes, quota: Scheme.Quota(weightAge: 1)) == 94)
        let long = Attributes(sampleInterval: 1_000_000_000_000, aggregationInterval: 1_000_000_000_000, updateInterval: 1_000_000_000_000, minRegions: 3, maxRegions: 3)
        #expect(SchemeScore.hot(aggregated(0, 1, accesses: 1, age: UInt32.max), attributes: long, quota: Scheme.Quota(weightAge: 1)) == 99)
        // Which score an action ranks by.
        let cold = aggregated(0, 1, age: 20)
        #expect(SchemeScore.of(cold, for: scheme(.pageout, quota: weights), attributes: attributes) == 77)
        #expect(SchemeScore.of(cold, for: scheme(.willneed, quota: weights), attributes: attributes) == 22)
        #expect(SchemeScore.of(cold, for: scheme(.stat, quota: weights), attributes: attributes) == 99)
    }

    // damos_apply_scheme: stat counts, changes nothing, keeps the age.
    @Test func statCountsWithoutTouchingAge() {
        let (context, operations, _) = schemeContext([aggregated(0, 10, age: 5), aggregated(10, 30, age: 7)], schemes: [scheme(.stat)])
        context.applySchemes()
        #expect(context.schemes[0].stats == statsOf(tried: 2, triedBytes: 30))
        #expect(context.targets[0].regions.map(\.age) == [5, 7])
        #expect(operations.applied.map(\.action) == [.stat, .stat])
    }

    // Any other action resets the age of the regions it was tried on; partial success counts
    // only the bytes the operations report.
    @Test func anActionResetsAgeAndCountsReportedBytes() {
        let (context, operations, _) = schemeContext(
            [aggregated(0, 10, age: 5), aggregated(10, 30, accesses: 3, age: 7)],
            schemes: [Scheme(sizeRange: 0...UInt64.max, accessCountRange: 0...0, ageRange: 0...UInt32.max, action: .pageout)])
        operations.outcome = { _, range in .applied(range.size / 2) }
        context.applySchemes()
        #expect(operations.applied.map(\.range) == [AddressRange(0, 10)])
        #expect(context.schemes[0].stats == statsOf(tried: 1, triedBytes: 10, applied: 1, appliedBytes: 5))
        #expect(context.targets[0].regions.map(\.age) == [0, 7])
    }

    // damos_adjust_quota + damos_apply_scheme + damos_skip_charged_region over two windows.
    @Test func aSizeQuotaSplitsTheCrossingRegionAndTheNextWindowResumes() {
        let quota = Scheme.Quota(bytes: 30, resetIntervalMilliseconds: 1000)
        let (context, operations, clock) = schemeContext(
            [aggregated(0, 20), aggregated(20, 40), aggregated(40, 60)], schemes: [scheme(.pageout, quota: quota)])
        operations.outcome = { _, range in .applied(range.size) }
        context.applySchemes()
        // 20 fits; 20 more would pass 30, so [20, 40) is split at 30 - 20 = 10 and [20, 30) tried;
        // the quota is used up; [30, 40) was split off in this pass and is not visited.
        #expect(operations.applied.map(\.range) == [AddressRange(0, 20), AddressRange(20, 30)])
        #expect(bounds(context.targets[0]) == [[0, 20], [20, 30], [30, 40], [40, 60]])
        #expect(context.schemes[0].stats == statsOf(tried: 2, triedBytes: 30, applied: 2, appliedBytes: 30))
        #expect(context.schemes[0].chargeAddress == 31, "one past the last charged region's end")

        // Same window: nothing more.
        context.applySchemes()
        #expect(operations.applied.count == 2)

        // Next window: the used-up window counts as exceeded; regions ending at or before 31 are
        // skipped, [30, 40) is split at 31 - 30 = 1 and resumes at [31, 40) (9 bytes), then
        // [40, 60) fits (9 + 20 = 29 ≤ 30).
        clock.now += 1_000_000_000
        operations.applied = []
        context.applySchemes()
        #expect(operations.applied.map(\.range) == [AddressRange(31, 40), AddressRange(40, 60)])
        #expect(context.schemes[0].stats.quotaExceeds == 1)
        #expect(context.schemes[0].stats.triedBytes == 59)
        #expect(bounds(context.targets[0]) == [[0, 20], [20, 30], [30, 31], [31, 40], [40, 60]])
    }

    // A quota whose remainder aligns down to nothing counts a try of zero bytes.
    @Test func aRemainderBelowTheMinimumRegionIsATryOfNothing() {
        // Minimum region 8: 16 fits; 16 + 16 > 25 → alignDown(9, 8) = 8 → [16, 24), charged 24;
        // then 24 + 16 > 25 → alignDown(1, 8) = 0: a try of 0 bytes, nothing applied.
        let quota = Scheme.Quota(bytes: 25, resetIntervalMilliseconds: 1000)
        let (context, operations, _) = schemeContext(
            [aggregated(0, 16), aggregated(16, 32), aggregated(32, 48)], schemes: [scheme(.stat, quota: quota)], minRegionSize: 8)
        context.applySchemes()
        #expect(operations.applied.map(\.range) == [AddressRange(0, 16), AddressRange(16, 24)])
        #expect(context.schemes[0].stats == statsOf(tried: 3, triedBytes: 24))
        #expect(bounds(context.targets[0]) == [[0, 16], [16, 24], [24, 32], [32, 48]])
    }

    // The sysfs tried regions (before_damos_apply): the region as the action gets it — after the
    // quota split, with its age before a non-stat action resets it — in the order schemes tried
    // them; a try of zero bytes never reaches the action and is not a tried region.
    @Test func triedRegionsAreWhatTheActionGets() {
        let quota = Scheme.Quota(bytes: 25, resetIntervalMilliseconds: 1000)
        let (context, _, _) = schemeContext(
            [aggregated(0, 16, accesses: 3, age: 7), aggregated(16, 32, age: 2), aggregated(32, 48)],
            schemes: [scheme(.pageout, quota: quota), scheme(.stat)], minRegionSize: 8)
        #expect(context.triedRegions == nil)
        context.applySchemes()
        #expect(context.triedRegions == nil, "nothing recorded unless asked")
        let (again, _, _) = schemeContext(
            [aggregated(0, 16, accesses: 3, age: 7), aggregated(16, 32, age: 2), aggregated(32, 48)],
            schemes: [scheme(.pageout, quota: quota), scheme(.stat)], minRegionSize: 8)
        again.triedRegions = []
        again.applySchemes()
        func tried(_ s: Int, _ start: UInt64, _ end: UInt64, _ accesses: UInt32, _ age: UInt32) -> TriedRegion {
            TriedRegion(scheme: s, targetID: 1, range: AddressRange(start, end), accessCount: accesses, age: age)
        }
        #expect(again.triedRegions == [
            tried(0, 0, 16, 3, 7), tried(1, 0, 16, 3, 0),
            tried(0, 16, 24, 0, 2), tried(1, 16, 24, 0, 0),
            // [24, 32), split off during [16, 32)'s turn, is not visited again in this pass.
            tried(1, 32, 48, 0, 0),
        ])
    }

    // damos_set_effective_quota: 1024 minimum regions per ms before any measurement, then the
    // measured throughput, capped by the size quota.
    @Test func aTimeQuotaFollowsTheMeasuredThroughput() {
        let quota = Scheme.Quota(milliseconds: 2, resetIntervalMilliseconds: 10)
        let (context, operations, clock) = schemeContext(
            (0..<4).map { aggregated(UInt64($0) * 1000, UInt64($0 + 1) * 1000) }, schemes: [scheme(.stat, quota: quota)])
        operations.cost = 1000
        context.applySchemes()
        #expect(context.schemes[0].effectiveQuota == 2048, "1024 bytes/ms × 2 ms at minimum region size 1")
        #expect(operations.applied.map(\.range.size) == [1000, 1000, 48])
        clock.now += 10_000_000
        context.applySchemes()
        // 2048 bytes in 3000 ns: 2048 × 10^6 / 3000 = 682_666 bytes/ms, × 2 ms.
        #expect(context.schemes[0].effectiveQuota == 1_365_332)

        let capped = Scheme.Quota(milliseconds: 2, bytes: 500, resetIntervalMilliseconds: 10)
        let (small, _, _) = schemeContext([aggregated(0, 1000)], schemes: [scheme(.stat, quota: capped)])
        small.applySchemes()
        #expect(small.schemes[0].effectiveQuota == 500)
    }

    // Prioritisation: the score histogram is cut where the quota is reached.
    @Test func theQuotaGoesToTheColdestRegionsFirst() {
        // Hot [0, 20): 5 accesses, age 0 → hot (25 + 50) / 2 = 37 → 36, cold 63.
        // Cold [20, 40): 0 accesses, age 100 = 10 s → log -4 → (28 * 100 / 32) / 2 = 43;
        // 43 / 2 = 21 → 20, cold 79. A 20-byte quota takes only the score-79 bytes.
        let quota = Scheme.Quota(bytes: 20, resetIntervalMilliseconds: 1000, weightAccesses: 1, weightAge: 1)
        let (context, operations, _) = schemeContext(
            [aggregated(0, 20, accesses: 5), aggregated(20, 40, age: 100)], schemes: [scheme(.pageout, quota: quota)])
        context.applySchemes()
        #expect(context.schemes[0].minScore == 79)
        #expect(operations.applied.map(\.range) == [AddressRange(20, 40)])
    }

    // damos_wmark_wait_us: above high or below low deactivates; between mid and high an
    // inactive scheme stays inactive; otherwise active.
    @Test func watermarksHaveHysteresis() {
        var rate: UInt64 = 0
        let marks = Scheme.Watermarks(metric: .freeMemoryRate, intervalMicroseconds: 1000, high: 500, mid: 400, low: 200)
        let (context, _, clock) = schemeContext([aggregated(0, 10)], schemes: [scheme(.stat, watermarks: marks)])
        var reads = 0
        context.freeMemoryRate = {
            reads += 1
            return rate
        }
        let steps: [(rate: UInt64, wait: UInt64, active: Bool)] = [
            (600, 1000, false), (500, 1000, false), (450, 1000, false), (400, 1000, false), (399, 0, true),
            (450, 0, true), (500, 0, true), (501, 1000, false), (350, 0, true), (200, 0, true), (199, 1000, false),
        ]
        for step in steps {
            rate = step.rate
            clock.now += 1_000_000  // one check interval
            #expect(context.watermarkWait() == step.wait, "rate \(step.rate)")
            #expect(context.schemes[0].watermarkActive == step.active, "rate \(step.rate)")
        }
        #expect(reads == steps.count)
        // An active scheme is not checked again within its interval, even if the rate moved.
        rate = 300
        clock.now += 1_000_000
        #expect(context.watermarkWait() == 0)
        rate = 900
        clock.now += 999_999
        #expect(context.watermarkWait() == 0)
        #expect(reads == steps.count + 1)
        clock.now += 1
        #expect(context.watermarkWait() == 1000)
        // No metric, or an unknown rate: always active.
        let (plain, _, _) = schemeContext([aggregated(0, 10)], schemes: [scheme(.stat)])
        #expect(plain.watermarkWait() == 0)
    }

    // kdamond_wait_activation: monitoring waits while every scheme is inactive, for the
    // shortest interval among them; one active scheme is enough to go on.
    @Test func monitoringPausesWhileEverySchemeIsInactive() {
        var rates: [UInt64] = [600, 600, 300]
        let slow = Scheme.Watermarks(metric: .freeMemoryRate, intervalMicroseconds: 5000, high: 500, mid: 400, low: 200)
        let fast = Scheme.Watermarks(metric: .freeMemoryRate, intervalMicroseconds: 2000, high: 500, mid: 400, low: 200)
        let (context, _, _) = schemeContext([aggregated(0, 10)], schemes: [scheme(.stat, watermarks: slow), scheme(.stat, watermarks: fast)])
        context.freeMemoryRate = { rates.count > 1 ? rates.removeFirst() : rates[0] }
        var slept: [UInt64] = []
        var pausedDuringWait: [Bool] = []
        context.callbacks.afterWatermarkWait = { pausedDuringWait.append($0.pausedByWatermarks) }
        #expect(context.waitForActivation(sleep: { slept.append($0) }))
        #expect(slept == [2000])
        #expect(pausedDuringWait == [true])
        #expect(!context.pausedByWatermarks)

        // A stop requested while paused ends the wait.
        rates = [600]
        context.stopRequested = true
        #expect(!context.waitForActivation(sleep: { _ in }))
    }

    // A refused action makes the scheme inactive; monitoring and other schemes go on.
    @Test func aRefusedActionDeactivatesOnlyItsScheme() {
        let (context, operations, _) = schemeContext([aggregated(0, 10), aggregated(10, 20)], schemes: [scheme(.collapse), scheme(.stat)])
        operations.outcome = { action, _ in
            action == .collapse ? .refused(SchemeRun.Refusal(errno: 22, reason: "MADV_COLLAPSE: Invalid argument")) : .applied(0)
        }
        context.applySchemes()
        #expect(context.schemes[0].refusal?.errno == 22)
        #expect(!context.schemes[0].isActive)
        #expect(context.schemes[0].stats.triedCount == 1)
        #expect(context.schemes[1].stats.triedCount == 2)
        context.applySchemes()
        #expect(context.schemes[0].stats.triedCount == 1)
        #expect(context.schemes[1].stats.triedCount == 4)
    }

    // The loop applies schemes at each aggregation after the observation callback and before
    // the reset: the callback sees ages the previous aggregation's action reset.
    @Test func schemesRunAfterTheSnapshotBeforeTheReset() {
        // Two regions too big to merge (limit 20 / 3 = 6) and too many to split (2 > 3 / 2).
        let attributes = Attributes(sampleInterval: 1, aggregationInterval: 2, updateInterval: 1000, minRegions: 3, maxRegions: 3)
        let (context, _, _) = schemeContext([aggregated(0, 10), aggregated(10, 20)], schemes: [scheme(.pageout)], attributes: attributes)
        var seenAges: [[UInt32]] = []
        var seenTried: [UInt64] = []
        context.callbacks.afterAggregation = { context in
            seenAges.append(context.targets[0].regions.map(\.age))
            seenTried.append(context.schemes[0].stats.triedCount)
        }
        _ = context.begin()
        for _ in 0..<6 { _ = context.runIteration(sleep: { _ in }) }
        // Merge ages each region to 1 at every aggregation; pageout resets it after the callback.
        #expect(seenAges == [[1, 1], [1, 1], [1, 1]])
        #expect(seenTried == [0, 2, 4])
        #expect(context.schemes[0].stats.triedCount == 6)
    }

    // An online commit keeps the statistics of the scheme at the same index.
    @Test func aCommitKeepsStatisticsByIndex() {
        let (context, _, _) = schemeContext([aggregated(0, 10)], schemes: [scheme(.stat)])
        context.applySchemes()
        context.commitSchemes([scheme(.stat, quota: Scheme.Quota(bytes: 5)), scheme(.pageout)])
        #expect(context.schemes.map(\.stats.triedCount) == [1, 0])
        #expect(context.schemes[0].scheme.quota.bytes == 5)
        context.commitSchemes([])
        #expect(context.schemes.isEmpty)
    }
}

func statsOf(tried: UInt64 = 0, triedBytes: UInt64 = 0, applied: UInt64 = 0, appliedBytes: UInt64 = 0, exceeds: UInt64 = 0) -> Scheme.Stats {
    var stats = Scheme.Stats()
    stats.triedCount = tried
    stats.triedBytes = triedBytes
    stats.appliedCount = applied
    stats.appliedBytes = appliedBytes
    stats.quotaExceeds = exceeds
    return stats
}
