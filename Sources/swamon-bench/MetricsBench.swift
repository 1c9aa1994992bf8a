import ArgumentParser
import Foundation
import Synchronization
import SwamonClient

/// `/metrics` with 8 contexts × 1000 regions: how long a scrape takes and how big it is, and
/// whether scraping every second changes the monitoring threads' sample period.
struct MetricsBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "metrics",
        abstract: "Measure GET /metrics latency and size with 8 contexts × 1000 regions, and the sample period with and without a Prometheus scraping every second."
    )

    @Option(help: "Monitoring contexts, one workload each.") var contexts: Int = 8
    @Option(help: "Regions per context (min = max).") var regions: Int = 1000
    @Option(help: "Sequential GET /metrics requests timed.") var requests: Int = 200
    @Option(help: "Seconds the sample period is measured, without and then with scraping.") var seconds: Int = 20
    @Option(help: "Sampling interval, µs (aggregation = 20 samples).") var sampleUs: Int = 50_000
    @Option(help: "Also write the figures to this JSON file.") var json: String?

    func run() throws {
        let daemon = try BenchDaemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        let log = (try? String(contentsOfFile: daemon.logPath, encoding: .utf8)) ?? ""
        guard let range = log.range(of: #"127\.0\.0\.1:\d+"#, options: .regularExpression) else {
            throw ValidationError("swamond did not say where it serves metrics")
        }
        let port = Int(log[range].split(separator: ":").last ?? "") ?? 0
        let counts = try daemon.monitor(contexts: contexts, regions: regions, sampleUs: sampleUs).regions

        let quiet = try samplePeriods(daemon)
        // The real Prometheus (Debian's package) scraping every second, else a loop that does.
        let scraper = try Scraper(port: port)
        let scraped = try samplePeriods(daemon)
        let scrapes = scraper.stop()

        var times: [Duration] = []
        var size = 0
        let clock = ContinuousClock()
        for _ in 0..<requests {
            let started = clock.now
            let response = try httpRequest(port: port, path: "/metrics")
            guard response.status == 200 else { throw ValidationError("GET /metrics answered \(response.status)") }
            size = response.body.utf8.count
            times.append(clock.now - started)
        }
        let mean = { (values: [Double]) in values.reduce(0, +) / Double(max(values.count, 1)) }
        print("| measurement | value |")
        print("|---|---:|")
        print("| contexts × regions | \(contexts) × \(counts.map(String.init).joined(separator: ", ")) |")
        print("| GET /metrics: p50 / p99 (\(requests) requests) | \(format(percentile(times, 0.5))) / \(format(percentile(times, 0.99))) |")
        print("| GET /metrics: body | \(size / 1024) KiB |")
        print("| sample period (configured \(sampleUs / 1000) ms), mean over contexts, no scraping | \(String(format: "%.2f", mean(quiet))) ms |")
        print("| the same while \(scrapes.by) scrapes every second (\(scrapes.count) scrapes) | \(String(format: "%.2f", mean(scraped))) ms |")
        if let json {
            try writeJSON([
                "benchmark": "metrics", "contexts": contexts, "regions_per_context": counts, "sample_us": sampleUs,
                "latency_p50_ns": nanoseconds(percentile(times, 0.5)), "latency_p99_ns": nanoseconds(percentile(times, 0.99)),
                "body_bytes": size, "sample_period_quiet_ms": quiet, "sample_period_scraped_ms": scraped, "scraper": scrapes.by,
                "scrapes": scrapes.count,
            ], to: json)
        }
    }

    /// Per context, the real time per sample over `seconds`: elapsed time over samples taken.
    func samplePeriods(_ daemon: BenchDaemon) throws -> [Double] {
        let before = try daemon.contextFields().map { Double($0["samples"] ?? "") ?? 0 }
        let started = Date()
        Thread.sleep(forTimeInterval: Double(seconds))
        let after = try daemon.contextFields().map { Double($0["samples"] ?? "") ?? 0 }
        let elapsed = Date().timeIntervalSince(started) * 1000
        return zip(before, after).map { elapsed / max($1 - $0, 1) }
    }
}

/// Scrapes every second while a measurement runs: a real Prometheus when installed.
final class Scraper: Sendable {
    let prometheus: Process?
    let port: Int
    let directory = NSTemporaryDirectory() + "swamon-bench-prometheus-\(getpid())"
    /// swamond's metrics port.
    let target: Int
    let running = Mutex(true)
    let count = Mutex(0)

    init(port target: Int) throws {
        self.target = target
        port = try freeLoopbackPort()
        guard FileManager.default.isExecutableFile(atPath: "/usr/bin/prometheus") else {
            prometheus = nil
            Thread.detachNewThread { [self] in
                while running.withLock({ $0 }) {
                    if (try? httpRequest(port: target, path: "/metrics"))?.status == 200 { count.withLock { $0 += 1 } }
                    Thread.sleep(forTimeInterval: 1)
                }
            }
            return
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = "global:\n  scrape_interval: 1s\nscrape_configs:\n  - job_name: swamond\n    static_configs:\n      - targets: ['127.0.0.1:\(target)']\n"
        try config.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prometheus")
        process.arguments = ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)", "--log.level=error"]
        process.standardError = FileHandle.nullDevice
        try process.run()
        prometheus = process
    }

    /// Ends scraping; who scraped and how often (Prometheus: from the scraped series' count).
    func stop() -> (by: String, count: Int) {
        running.withLock { $0 = false }
        guard let prometheus else { return ("a 1 s loop", count.withLock { $0 }) }
        // How many scrapes Prometheus made: samples of its `up` series for swamond.
        let response = try? httpRequest(port: port, path: "/api/v1/query?query=count_over_time(up%5B10m%5D)")
        let answer = response.flatMap { try? JSONSerialization.jsonObject(with: Data($0.body.utf8)) as? [String: Any] }
        let value = ((answer?["data"] as? [String: Any])?["result"] as? [[String: Any]])?.first?["value"] as? [Any]
        let scrapes = (value?.last as? String).flatMap { Int($0) } ?? 0
        kill(prometheus.processIdentifier, SIGTERM)
        prometheus.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
        return ("Prometheus", scrapes)
    }
}
