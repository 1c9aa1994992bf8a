import ArgumentParser
import Foundation
import SwamonCore
import SwamonLinux

/// The `referenced` backend's cost per sample as the target's resident memory grows: clear_refs
/// and the smaps walk visit every page of every mapping, whatever the number of regions.
struct ReferencedBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "referenced",
        abstract: "Measure the referenced backend's cost per sample against the target's RSS."
    )

    @Option(parsing: .upToNextOption, help: "Target sizes (hot 8 MiB + cold), MiB.")
    var sizes: [Int] = [64, 256, 1024, 4096]

    @Option(help: "Samples per size.")
    var samples: Int = 200

    @Option(help: "Regions (sampled addresses) per sample.")
    var regions: Int = 100

    @Option(help: "Also write the figures to this JSON file.")
    var json: String?

    func run() throws {
        print("| target RSS | samples | per sample p50 | p99 | per MiB of RSS (p50) |")
        print("|---:|---:|---:|---:|---:|")
        var rows: [[String: Any]] = []
        for size in sizes {
            let workload = try Workload(hotMiB: 8, coldMiB: size - 8)
            defer { workload.stop() }
            let process = try MonitoredProcess(pid: workload.pid)
            let check = ReferencedAccessCheck()
            let addresses = (0..<regions).map { workload.hot.lowerBound + UInt64($0) * (workload.cold.upperBound - workload.hot.lowerBound) / UInt64(regions) }
            var took: [Duration] = []
            let clock = ContinuousClock()
            for _ in 0..<samples {
                let started = clock.now
                check.prepare(process, addresses: addresses)
                _ = check.check(process, addresses: addresses)
                took.append(clock.now - started)
            }
            let rssMiB = Double(workload.residentKiB) / 1024
            let p50 = percentile(took, 0.5)
            print("| \(Int(rssMiB)) MiB | \(samples) | \(format(p50)) | \(format(percentile(took, 0.99))) | \(format(p50 / rssMiB)) |")
            rows.append([
                "target_mib": size, "rss_kib": workload.residentKiB, "samples": samples, "regions": regions,
                "p50_ns": nanoseconds(p50), "p99_ns": nanoseconds(percentile(took, 0.99)),
            ])
        }
        if let json { try writeJSON(["benchmark": "referenced", "rows": rows], to: json) }
    }
}
