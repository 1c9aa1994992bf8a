import Testing
import SwamonCore
import SwamonSimulation

/// Operations that count how often the loop calls them, to check the kernel's order and timers.
final class CountingOperations: Operations {
    var log: [String] = []
    var prepares = 0
    var checks = 0
    var updates = 0

    func initialize(_ context: MonitoringContext) { log.append("init") }
    func update(_ context: MonitoringContext) {
        updates += 1
        log.append("update@\(context.passedSamples)")
    }
    func prepareAccessChecks(_ context: MonitoringContext) { prepares += 1 }
    func checkAccesses(_ context: MonitoringContext) -> UInt32 {
        checks += 1
        return 0
    }
    func resetAggregated(_ context: MonitoringContext) { log.append("reset@\(context.passedSamples)") }
    func cleanup(_ context: MonitoringContext) { log.append("cleanup") }
}

struct Stop: Error {}

@Suite("monitoring loop lifecycle")
struct MonitoringLoopLifecycleTests {
    /// Aggregations and updates happen on sample counts, not clocks: every aggr/sample and
    /// update/sample samples exactly, the first ones one full interval after the start.
    @Test func timersCountSamples() {
        let operations = CountingOperations()
        let attributes = Attributes(
            sampleInterval: 5000, aggregationInterval: 100_000, updateInterval: 1_000_000, minRegions: 10,
            maxRegions: 1000)
        let context = kunitContext(
            targets: [Target(id: 1, regions: [Region(0, 1000)])], attributes: attributes, operations: operations)
        var aggregationSamples: [UInt64] = []
        var sleeps: [UInt64] = []
        context.callbacks.afterAggregation = { context in
            aggregationSamples.append(context.passedSamples)
            if context.aggregations == 25 { context.stopRequested = true }
        }
        context.run(sleep: { sleeps.append($0) })
        #expect(aggregationSamples == (1...25).map { UInt64($0) * 20 })
        #expect(operations.log.filter { $0.hasPrefix("update") } == ["update@200", "update@400"])
        #expect(operations.log.first == "init")
        #expect(operations.log.last == "cleanup")
        #expect(operations.prepares == 500 && operations.checks == 500)
        #expect(sleeps.count == 500 && sleeps.allSatisfy { $0 == 5000 })
        #expect(context.targets[0].regions.isEmpty, "regions are dropped when monitoring ends")
    }

    /// A callback that throws stops monitoring; the error is kept, and beforeTerminate runs.
    @Test(arguments: ["beforeStart", "afterSampling", "afterAggregation"])
    func throwingCallbackStops(which: String) {
        let operations = CountingOperations()
        let context = kunitContext(targets: [Target(id: 1, regions: [Region(0, 1000)])], operations: operations)
        var terminated = false
        switch which {
        case "beforeStart": context.callbacks.beforeStart = { _ in throw Stop() }
        case "afterSampling": context.callbacks.afterSampling = { c in if c.passedSamples == 7 { throw Stop() } }
        default: context.callbacks.afterAggregation = { _ in throw Stop() }
        }
        context.callbacks.beforeTerminate = { _ in terminated = true }
        context.run(sleep: { _ in })
        #expect(context.stopReason is Stop)
        #expect(terminated)
        #expect(operations.log.last == "cleanup")
        switch which {
        case "beforeStart": #expect(operations.prepares == 0)
        case "afterSampling": #expect(operations.checks == 7)
        default: #expect(operations.checks == 20)
        }
    }

    /// Monitoring ends by itself once every target's process exited (`kdamond_need_stop`), and a
    /// context without targets stops at once; operations without target validation never do.
    @Test func stopsWhenEveryTargetExited() {
        let space = SimulatedAddressSpace()
        space.add(1, .typical(anonymousBytes: 1 << 24, hotBytes: 1 << 20))
        space.add(2, .typical(anonymousBytes: 1 << 24, hotBytes: 1 << 20))
        let context = MonitoringContext(
            targets: [Target(id: 1), Target(id: 2)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: 4096, random: SplitMix64(seed: 1), clock: { 0 })
        context.callbacks.afterAggregation = { context in
            if context.aggregations == 3 { space.exit(1) }
            if context.aggregations == 6 { space.exit(2) }
        }
        context.run(sleep: { _ in })
        #expect(context.aggregations == 6)
        #expect(context.stopReason == nil)

        let empty = MonitoringContext(
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: 4096, random: SplitMix64(seed: 1), clock: { 0 })
        #expect(empty.shouldStop)
        #expect(!kunitContext(operations: NoOperations()).shouldStop, "no target validation: never stops")
    }

    /// `fvaddr` monitors exactly the user's regions and never refits them.
    @Test func fvaddrKeepsUserRegions() {
        let space = SimulatedAddressSpace()
        space.add(1, .typical(anonymousBytes: 1 << 24, hotBytes: 1 << 20))
        let base = space.processes[1]!.anonymousMapping.start
        var attributes = Attributes.kernelDefault
        attributes.updateInterval = 5000
        let context = MonitoringContext(
            attributes: attributes,
            targets: [Target(id: 1, regions: [Region(base, base + (1 << 22))])],
            operations: VirtualAddressOperations(mode: .fvaddr, addressSpace: space),
            minRegionSize: 4096, random: SplitMix64(seed: 1), clock: { 0 })
        var spans: [AddressRange] = []
        context.callbacks.afterAggregation = { context in
            let regions = context.targets[0].regions
            spans.append(AddressRange(regions.first!.start, regions.last!.end))
            if context.aggregations == 30 { context.stopRequested = true }
        }
        context.run(sleep: { _ in })
        #expect(spans.allSatisfy { $0 == AddressRange(base, base + (1 << 22)) })
    }

    /// `paddr` without init regions monitors the biggest System RAM range, finds the hot part in
    /// it, never refits and never stops by itself (the kernel's NULL `target_valid`).
    @Test func paddrMonitorsTheBiggestRamRange() {
        let space = SimulatedAddressSpace()
        let small = AddressRange(0x1000, 0x9f000)
        let big = AddressRange(0x10_0000, 0x10_0000 + (1 << 28))
        let hot = AddressRange(big.start + (1 << 26), big.start + (1 << 26) + (1 << 24))
        space.add(42, .init(mappings: [small, big], phases: [.init(hot: [hot])]))
        let context = MonitoringContext(
            targets: [Target(id: 42)],
            operations: PhysicalAddressOperations(memory: space),
            minRegionSize: 4096, random: SplitMix64(seed: 3), clock: { 0 })
        var accessedBytes: [UInt64] = []
        context.callbacks.afterAggregation = { context in
            let regions = context.targets[0].regions
            #expect(regions.first!.start == big.start && regions.last!.end == big.end)
            accessedBytes.append(regions.filter { $0.accessCount > 0 }.reduce(0) { $0 + $1.size })
            if context.aggregations == 200 { context.stopRequested = true }
        }
        context.run(sleep: { _ in })
        #expect(!context.operations.validatesTargets, "paddr never stops by itself")
        let settled = accessedBytes.suffix(50).sorted()[25]
        #expect(settled > hot.size * 9 / 10 && settled < hot.size * 11 / 10, "median accessed \(settled) of hot \(hot.size)")
    }

    /// Same seed, same run: split points come only from the injected generator.
    @Test func runsAreReproducibleFromTheSeed() {
        func run(seed: UInt64) -> [[AddressRange]] {
            let space = SimulatedAddressSpace()
            space.add(1, .typical(anonymousBytes: 1 << 26, hotBytes: 1 << 22))
            let context = MonitoringContext(
                targets: [Target(id: 1)],
                operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
                minRegionSize: 4096, random: SplitMix64(seed: seed), clock: { 0 })
            var seen: [[AddressRange]] = []
            context.callbacks.afterAggregation = { context in
                seen.append(context.targets[0].regions.map(\.range))
                if context.aggregations == 20 { context.stopRequested = true }
            }
            context.run(sleep: { _ in })
            return seen
        }
        #expect(run(seed: 11) == run(seed: 11))
        #expect(run(seed: 11) != run(seed: 12))
    }
}
