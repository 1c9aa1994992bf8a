import ArgumentParser
import SwamonCore

/// An address space whose pages are never accessed and whose checks cost nothing: what is left
/// is the core's own work per sample and per aggregation.
final class IdleAddressSpace: AddressSpace {
    let mapping: AddressRange
    private var results: [PageAccess] = []

    init(mapping: AddressRange) { self.mapping = mapping }

    func mappings(of target: Target.ID) -> [AddressRange]? { [mapping] }
    func prepareAccessChecks(target: Target.ID, addresses: [UInt64]) {}
    func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]? {
        if results.count != addresses.count {
            results = Array(repeating: PageAccess(accessed: false, pageSize: 4096), count: addresses.count)
        }
        return results
    }
    func isValid(target: Target.ID) -> Bool { true }
}

/// Measures the core's cost per sampling iteration and per aggregation for a given number of
/// regions, with a no-op access check and no sleeping.
struct CoreBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "core",
        abstract: "Measure the DAMON core's own cost per sample and per aggregation (no-op access check)."
    )

    @Option(parsing: .upToNextOption, help: "Region counts to measure.")
    var regions: [UInt64] = [10, 100, 1000]

    @Option(help: "Aggregations to run per region count (20 samples each).")
    var aggregations: Int = 2000

    struct Result {
        var regions: UInt64
        var meanRegions: Double
        var sample: [Duration]
        var aggregation: [Duration]
    }

    func run() throws {
        print("| regions (min) | regions seen (mean) | sampling iteration p50 | p99 | aggregation iteration p50 | p99 | per region-sample |")
        print("|---:|---:|---:|---:|---:|---:|---:|")
        for count in regions {
            let result = measure(regions: count)
            let samplingP50 = percentile(result.sample, 0.5)
            let perRegion = samplingP50 / result.meanRegions
            print(
                "| \(count) | \(String(format1: result.meanRegions)) | \(format(samplingP50)) | \(format(percentile(result.sample, 0.99)))"
                    + " | \(format(percentile(result.aggregation, 0.5))) | \(format(percentile(result.aggregation, 0.99)))"
                    + " | \(format(perRegion)) |")
        }
    }

    /// One target of `regions` equal regions over 4 GiB (`fvaddr`, so no update refits them),
    /// min = `regions`, max = 2 × `regions` + 1: every aggregation merges, and splits whenever
    /// merging brought the count back to the minimum.
    func measure(regions count: UInt64) -> Result {
        let span = AddressRange(0x7f00_0000_0000, 0x7f00_0000_0000 + (4 << 30))
        var target = Target(id: 1, regions: [Region(range: span)])
        try! target.evenlySplitRegion(at: 0, into: count, minRegionSize: 4096)
        let context = MonitoringContext(
            attributes: Attributes(
                sampleInterval: 5000, aggregationInterval: 100_000, updateInterval: 1_000_000,
                minRegions: count, maxRegions: 2 * count + 1),
            targets: [target],
            operations: VirtualAddressOperations(mode: .fvaddr, addressSpace: IdleAddressSpace(mapping: span)),
            minRegionSize: 4096,
            random: SplitMix64(seed: 1),
            clock: { 0 }
        )
        var sample: [Duration] = []
        var aggregation: [Duration] = []
        var regionSum = 0
        let clock = ContinuousClock()
        _ = context.begin()
        let iterations = aggregations * 20
        sample.reserveCapacity(iterations)
        for _ in 0..<iterations {
            let aggregationsBefore = context.aggregations
            regionSum += context.regionCount
            let started = clock.now
            _ = context.runIteration(sleep: { _ in })
            let took = clock.now - started
            if context.aggregations != aggregationsBefore { aggregation.append(took) } else { sample.append(took) }
        }
        context.finish()
        return Result(
            regions: count, meanRegions: Double(regionSum) / Double(iterations), sample: sample,
            aggregation: aggregation)
    }
}

func percentile(_ values: [Duration], _ p: Double) -> Duration {
    let sorted = values.sorted()
    return sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))]
}

func format(_ duration: Duration) -> String {
    let nanoseconds = Double(duration.components.seconds) * 1e9 + Double(duration.components.attoseconds) / 1e9
    if nanoseconds >= 1_000_000 { return "\(String(format1: nanoseconds / 1_000_000)) ms" }
    if nanoseconds >= 1_000 { return "\(String(format1: nanoseconds / 1_000)) µs" }
    return "\(String(format1: nanoseconds)) ns"
}

extension String {
    /// One decimal place, without Foundation.
    init(format1 value: Double) {
        let tenths = (value * 10).rounded()
        self = "\(Int(tenths) / 10).\(abs(Int(tenths)) % 10)"
    }
}
