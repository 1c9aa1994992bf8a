import ArgumentParser
import Glibc
import SwamonCore
import SwamonSimulation

/// Runs the real monitoring loop over a simulated process and prints what each aggregation
/// saw, so the algorithm can be watched without a daemon, a kernel feature or root.
@main
struct SimCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamon-sim",
        abstract: "Monitor a simulated process with swamon's DAMON core and print each aggregation."
    )

    @Option(name: .customLong("buffer-mib"), help: "Size of the process's big anonymous buffer, in MiB.")
    var bufferMiB: UInt64 = 512

    @Option(name: .customLong("hot-mib"), help: "How much of the buffer is hot (accessed every sample), in MiB.")
    var hotMiB: UInt64 = 64

    @Option(help: "Access pattern: 'hot' (a fixed hot range at the buffer's start) or 'stairs' (the hot range walks through the buffer).")
    var pattern: Pattern = .hot

    @Option(help: "Aggregations to run before stopping.")
    var aggregations: UInt64 = 30

    @Option(help: "Monitoring attributes as in the debugfs attrs file: sample aggr update min max (microseconds).")
    var attrs: String = "5000 100000 1000000 10 1000"

    @Option(help: "Seed of the split-point generator.")
    var seed: UInt64 = 1

    @Flag(help: "Sleep the real sampling interval (otherwise the simulation runs as fast as it can).")
    var realtime = false

    @Flag(help: "Print only the summary line of each aggregation.")
    var summary = false

    enum Pattern: String, ExpressibleByArgument {
        case hot
        case stairs
    }

    func parsedAttributes() throws -> Attributes {
        let numbers = attrs.split(separator: " ").compactMap { UInt64($0) }
        guard numbers.count == 5 else { throw ValidationError("--attrs takes five numbers: sample aggr update min max") }
        let attributes = Attributes(
            sampleInterval: numbers[0], aggregationInterval: numbers[1], updateInterval: numbers[2],
            minRegions: numbers[3], maxRegions: numbers[4])
        do { try attributes.validate() } catch { throw ValidationError("--attrs: \(error)") }
        return attributes
    }

    func run() throws {
        let attributes = try parsedAttributes()
        guard hotMiB <= bufferMiB else { throw ValidationError("--hot-mib must not exceed --buffer-mib") }
        let pid: Target.ID = 4242
        var process = SimulatedAddressSpace.Process.typical(anonymousBytes: bufferMiB << 20, hotBytes: hotMiB << 20)
        if pattern == .stairs, hotMiB > 0 {
            // Each step stays hot for 10 aggregations, then the next slice of the buffer takes over.
            let buffer = process.anonymousMapping
            let steps = bufferMiB / hotMiB
            let samplesPerStep = 10 * attributes.aggregationInterval / attributes.sampleInterval
            process.phases = (0..<steps).map { i in
                let start = buffer.start + i * (hotMiB << 20)
                return .init(samples: samplesPerStep, hot: [AddressRange(start, start + (hotMiB << 20))])
            }
        }
        let space = SimulatedAddressSpace(pageSize: 4096)
        space.add(pid, process)

        let start = ContinuousClock.now
        let context = MonitoringContext(
            attributes: attributes,
            targets: [Target(id: pid)],
            operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space),
            minRegionSize: 4096,
            random: SplitMix64(seed: seed),
            clock: { UInt64((ContinuousClock.now - start).components.attoseconds / 1_000_000_000) }
        )
        let limit = aggregations
        let summaryOnly = summary
        context.callbacks.afterAggregation = { context in
            for snapshot in context.snapshots() {
                let hot = space.hotRanges(of: snapshot.targetID).map { "\(hex($0.start))-\(hex($0.end))" }
                print(
                    "aggregation \(context.aggregations) target \(snapshot.targetID): \(snapshot.regions.count) regions,"
                        + " \(mib(snapshot.accessedBytes)) of \(mib(snapshot.totalBytes)) accessed"
                        + " (truly hot: \(hot.joined(separator: " ")))")
                if !summaryOnly {
                    for entry in snapshot.regions {
                        print("  \(hex(entry.range.start))-\(hex(entry.range.end)) \(mib(entry.range.size))"
                            + " nr_accesses \(entry.accessCount) age \(entry.age)")
                    }
                }
            }
            if context.aggregations >= limit { context.stopRequested = true }
        }
        let sleepReally = realtime
        context.run(sleep: { microseconds in
            if sleepReally { sleepMicroseconds(microseconds) }
        })
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }

func mib(_ bytes: UInt64) -> String {
    let value = Double(bytes) / 1_048_576
    return value >= 100 ? "\(Int(value.rounded())) MiB" : "\((value * 10).rounded() / 10) MiB"
}

func sleepMicroseconds(_ microseconds: UInt64) {
    var request = timespec(tv_sec: Int(microseconds / 1_000_000), tv_nsec: Int(microseconds % 1_000_000) * 1000)
    var remaining = timespec()
    while nanosleep(&request, &remaining) == -1 && errno == EINTR { request = remaining }
}
