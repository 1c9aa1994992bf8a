import Testing
import SwamonCore
import SwamonSimulation

/// Seeded runs of the whole monitoring loop over a simulated address space, checking the
/// invariants DAMON promises at every aggregation.
@Suite("monitoring loop properties")
struct MonitoringLoopPropertyTests {
    static let page: UInt64 = 4096
    static let mib: UInt64 = 1 << 20
    static let pid: Target.ID = 4242

    /// Attributes drawn from a seed: 1–40 samples per aggregation, 3–60 minimum regions, a
    /// maximum from the minimum plus 3 to 20 times it, updates every 1–400 samples. (The plus 3:
    /// each of the three initial regions stays whole when smaller than total/min, so the kernel
    /// can start up to three regions above a maximum equal to the minimum — see
    /// `initialCountCanExceedAnEqualMinimumAndMaximum`.)
    static func attributes(seed: UInt64) -> Attributes {
        var random = SplitMix64(seed: seed ^ 0xA5A5)
        let sample = UInt64.random(in: 1...10, using: &random) * 1000
        let minRegions = UInt64.random(in: 3...60, using: &random)
        return Attributes(
            sampleInterval: sample,
            aggregationInterval: sample * UInt64.random(in: 1...40, using: &random),
            updateInterval: sample * UInt64.random(in: 1...400, using: &random),
            minRegions: minRegions,
            maxRegions: max(minRegions + 3, minRegions * UInt64.random(in: 1...20, using: &random))
        )
    }

    /// Checks every invariant on one aggregation's regions; returns the problems found.
    static func violations(
        in context: MonitoringContext,
        space: SimulatedAddressSpace,
        checkCount: Bool
    ) -> [String] {
        var problems: [String] = []
        let attrs = context.attributes
        if checkCount && !(attrs.minRegions...attrs.maxRegions).contains(UInt64(context.regionCount)) {
            problems.append("\(context.regionCount) regions outside [\(attrs.minRegions), \(attrs.maxRegions)]")
        }
        for target in context.targets {
            let allowed = threeRegions(of: space.mappings(of: target.id) ?? [], minRegionSize: page) ?? []
            let hot = space.hotRanges(of: target.id)
            var previousEnd: UInt64 = 0
            for region in target.regions {
                if region.start >= region.end { problems.append("empty region \(region.range)") }
                if region.start < previousEnd { problems.append("overlap or disorder at \(region.range)") }
                if region.start % page != 0 || region.end % page != 0 {
                    problems.append("unaligned \(region.range)")
                }
                if !allowed.contains(where: { $0.start <= region.start && region.end <= $0.end }) {
                    problems.append("\(region.range) outside the mappings' three regions")
                }
                let fullyHot = hot.contains { $0.start <= region.start && region.end <= $0.end }
                let fullyCold = !hot.contains { $0.intersects(region.range) }
                if fullyHot && region.accessCount != attrs.maxAccessCount {
                    problems.append("hot \(region.range) counted \(region.accessCount)/\(attrs.maxAccessCount)")
                }
                if fullyCold && region.accessCount != 0 {
                    problems.append("cold \(region.range) counted \(region.accessCount)")
                }
                previousEnd = region.end
            }
        }
        return problems
    }

    /// Runs `aggregations` aggregations of one typical process (256 MiB buffer, 32 MiB hot)
    /// with seeded attributes, checking the invariants at each one.
    @Test(arguments: 0..<40)
    func invariantsHoldAtEveryAggregation(seed: UInt64) {
        let space = SimulatedAddressSpace(pageSize: Self.page)
        space.add(Self.pid, .typical(anonymousBytes: 256 * Self.mib, hotBytes: 32 * Self.mib))
        var problems: [String] = []
        let context = MonitoringContext(
            attributes: Self.attributes(seed: seed),
            targets: [Target(id: Self.pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Self.page,
            random: SplitMix64(seed: seed),
            clock: { 0 }
        )
        context.callbacks.afterAggregation = { context in
            let found = Self.violations(in: context, space: space, checkCount: context.aggregations > 1)
            problems += found.map { "aggregation \(context.aggregations): \($0)" }
            if context.aggregations == 150 { context.stopRequested = true }
        }
        context.run(sleep: { _ in })
        #expect(problems.isEmpty, "seed \(seed) \(context.attributes): \(problems.prefix(5))")
        #expect(context.aggregations == 150)
    }

    /// With the kernel's default attributes, a hot range read in every sample converges to
    /// regions that count every sample, a never-touched range reads 0, and the reported working
    /// set ends up within a few regions' worth of the true hot size.
    @Test(arguments: [1, 2, 3, 4, 5] as [UInt64])
    func hotAndColdRangesAreToldApart(seed: UInt64) {
        let hotBytes = 64 * Self.mib
        let space = SimulatedAddressSpace(pageSize: Self.page)
        space.add(Self.pid, .typical(anonymousBytes: 512 * Self.mib, hotBytes: hotBytes))
        var workingSets: [UInt64] = []
        let context = MonitoringContext(
            targets: [Target(id: Self.pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Self.page,
            random: SplitMix64(seed: seed),
            clock: { 0 }
        )
        context.callbacks.afterAggregation = { context in
            let snapshot = context.snapshots()[0]
            workingSets.append(snapshot.accessedBytes)
            if context.aggregations == 100 { context.stopRequested = true }
        }
        context.run(sleep: { _ in })
        let settled = workingSets.dropFirst(20).sorted()
        let median = settled[settled.count / 2]
        let error = Double(median) / Double(hotBytes) - 1
        #expect(abs(error) < 0.02, "median working set \(median) vs hot \(hotBytes) (\(error * 100) %)")
        let worst = settled.map { abs(Double($0) / Double(hotBytes) - 1) }.max()!
        #expect(worst < 0.05, "every settled aggregation within 5 %: worst \(worst * 100) %")
    }

    /// A hot range that moves (the damon-tests "stairs" idea, three steps) is followed: after
    /// each move settles, the accessed bytes lie in the current hot range.
    @Test func movingHotRangeIsFollowed() {
        let step = 16 * Self.mib
        let samplesPerStep: UInt64 = 20 * 60  // 60 aggregations per step with default attributes
        var process = SimulatedAddressSpace.Process.typical(anonymousBytes: 3 * step, hotBytes: 0)
        let base = process.anonymousMapping.start
        process.phases = (0..<3).map { i in
            .init(samples: samplesPerStep, hot: [AddressRange(base + UInt64(i) * step, base + UInt64(i + 1) * step)])
        }
        let space = SimulatedAddressSpace(pageSize: Self.page)
        space.add(Self.pid, process)
        var precisions: [Double] = []
        let context = MonitoringContext(
            targets: [Target(id: Self.pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Self.page,
            random: SplitMix64(seed: 99),
            clock: { 0 }
        )
        context.callbacks.afterAggregation = { context in
            // Judge the last 20 aggregations of each 60-aggregation step.
            if context.aggregations % 60 > 40 {
                let hot = space.hotRanges(of: Self.pid)[0]
                let snapshot = context.snapshots()[0]
                let accessed = snapshot.regions.filter { $0.accessCount > 0 }
                let total = accessed.reduce(0) { $0 + $1.range.size }
                let inHot = accessed.reduce(UInt64(0)) { sum, entry in
                    let overlap = min(entry.range.end, hot.end) > max(entry.range.start, hot.start)
                        ? min(entry.range.end, hot.end) - max(entry.range.start, hot.start) : 0
                    return sum + overlap
                }
                precisions.append(total == 0 ? 0 : Double(inHot) / Double(total))
            }
            if context.aggregations == 180 { context.stopRequested = true }
        }
        context.run(sleep: { _ in })
        #expect(precisions.count == 3 * 19)
        #expect(precisions.allSatisfy { $0 > 0.9 }, "precision per late aggregation: \(precisions)")
    }

    /// The kernel's initial split gives each of the three regions floor(size / (total / min))
    /// pieces, and keeps one smaller than a piece whole: with min == max == 36 and two small
    /// groups around one big one, that is 1 + 35 + 1 = 37 regions, and since every piece is at
    /// the merge size limit nothing can merge them back. swamon keeps the kernel's arithmetic.
    @Test func initialCountCanExceedAnEqualMinimumAndMaximum() {
        let space = SimulatedAddressSpace(pageSize: Self.page)
        space.add(Self.pid, .typical(anonymousBytes: 256 * Self.mib, hotBytes: 32 * Self.mib))
        var attributes = Attributes.kernelDefault
        attributes.minRegions = 36
        attributes.maxRegions = 36
        let context = MonitoringContext(
            attributes: attributes,
            targets: [Target(id: Self.pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Self.page,
            random: SplitMix64(seed: 4),
            clock: { 0 }
        )
        #expect(context.begin())
        let sizes = context.targets[0].regions.map(\.size)
        let three = threeRegions(of: space.mappings(of: Self.pid)!, minRegionSize: Self.page)!
        let piece = (three.reduce(0) { $0 + $1.size }) / 36
        #expect(three[0].size < piece && three[2].size < piece)
        #expect(sizes.count == 1 + Int(three[1].size / piece) + 1)
        #expect(sizes.count == 37)
    }

    /// Mappings that change are picked up at the next update: regions leave an unmapped range
    /// and cover a newly mapped one (with `damon_set_regions` hole filling).
    @Test func updateFollowsChangingMappings() {
        let space = SimulatedAddressSpace(pageSize: Self.page)
        space.add(Self.pid, .typical(anonymousBytes: 64 * Self.mib, hotBytes: 8 * Self.mib))
        var attributes = Attributes.kernelDefault
        attributes.updateInterval = 1_000_000  // 200 samples
        var checked = false
        let context = MonitoringContext(
            attributes: attributes,
            targets: [Target(id: Self.pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: Self.page,
            random: SplitMix64(seed: 5),
            clock: { 0 }
        )
        let anonymous = space.processes[Self.pid]!.anonymousMapping
        let grown = AddressRange(anonymous.end - 128 * Self.mib, anonymous.end)
        context.callbacks.afterAggregation = { context in
            if context.aggregations == 20 {
                var mappings = space.mappings(of: Self.pid)!
                mappings[2] = grown
                space.setMappings(Self.pid, mappings)
            }
            if context.aggregations == 40 {
                let covered = context.targets[0].regions.filter { grown.intersects($0.range) }
                let bytes = covered.reduce(0) { $0 + min($1.end, grown.end) - max($1.start, grown.start) }
                #expect(bytes == grown.size, "the grown mapping is covered without holes")
                #expect(Self.violations(in: context, space: space, checkCount: true).isEmpty)
                checked = true
                context.stopRequested = true
            }
        }
        context.run(sleep: { _ in })
        #expect(checked)
    }
}
