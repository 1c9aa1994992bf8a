import ArgumentParser
import Foundation
import Synchronization
import SwamonClient
import SwamonProtocol

/// swamond under load: its resident memory with 8 contexts of 1000 regions each, and the latency
/// of control requests from 64 concurrent clients, idle and while those 8 contexts monitor.
struct DaemonBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Measure swamond's RSS with 8 contexts × 1000 regions and request latency with 64 concurrent clients."
    )

    @Option(help: "Monitoring contexts, one workload each.")
    var contexts: Int = 8

    @Option(help: "Regions per context (min = max).")
    var regions: Int = 1000

    @Option(help: "Concurrent clients.")
    var clients: Int = 64

    @Option(help: "Requests per client (alternating 'read attrs' and 'status').")
    var requests: Int = 200

    @Option(help: "Also write the figures to this JSON file.")
    var json: String?

    @Option(help: "Sampling interval, µs (aggregation = 20 samples). The referenced backend walks each target's page tables per sample.")
    var sampleUs: Int = 50_000

    func run() throws {
        let daemon = try BenchDaemon()
        let idleKiB = residentKiBOf(daemon.pid)
        let idle = try measureLatency(socket: daemon.socket)
        let counts = try daemon.monitor(contexts: contexts, regions: regions, sampleUs: sampleUs).regions
        let busyKiB = residentKiBOf(daemon.pid)
        let busy = try measureLatency(socket: daemon.socket)
        _ = try daemon.ask("write monitor_on off")

        print("| measurement | value |")
        print("|---|---:|")
        print("| swamond RSS, idle | \(idleKiB / 1024) MiB |")
        print("| swamond RSS, \(contexts) contexts monitoring (regions per context: \(counts.map(String.init).joined(separator: ", "))) | \(busyKiB / 1024) MiB |")
        print("| request latency, \(clients) clients, idle: p50 / p99 | \(format(idle.p50)) / \(format(idle.p99)) |")
        print("| request latency, \(clients) clients, \(contexts) contexts monitoring: p50 / p99 | \(format(busy.p50)) / \(format(busy.p99)) |")
        print("| requests per run | \(clients * requests) |")
        if let json {
            try writeJSON([
                "benchmark": "daemon", "contexts": contexts, "regions_per_context": counts, "sample_us": sampleUs,
                "rss_idle_kib": idleKiB, "rss_monitoring_kib": busyKiB, "clients": clients, "requests_per_client": requests,
                "latency_idle_p50_ns": nanoseconds(idle.p50), "latency_idle_p99_ns": nanoseconds(idle.p99),
                "latency_monitoring_p50_ns": nanoseconds(busy.p50), "latency_monitoring_p99_ns": nanoseconds(busy.p99),
            ], to: json)
        }
    }

    /// `clients` threads, each on its own connection, each sending `requests` requests one at a
    /// time; every round trip is timed.
    func measureLatency(socket: String) throws -> (p50: Duration, p99: Duration) {
        let times = Mutex<[Duration]>([])
        let failures = Mutex<[String]>([])
        let done = DispatchSemaphore(value: 0)
        let (clients, requests) = (self.clients, self.requests)
        for _ in 0..<clients {
            Thread.detachNewThread {
                defer { done.signal() }
                do {
                    let client = try ControlClient(path: socket)
                    let clock = ContinuousClock()
                    var mine: [Duration] = []
                    for index in 0..<requests {
                        let started = clock.now
                        try client.sendLine(index % 2 == 0 ? "read attrs" : "status")
                        _ = try client.readResponse()
                        mine.append(clock.now - started)
                    }
                    times.withLock { $0 += mine }
                } catch {
                    failures.withLock { $0.append("\(error)") }
                }
            }
        }
        for _ in 0..<clients { done.wait() }
        if let failure = failures.withLock({ $0.first }) { throw ValidationError("a client failed: \(failure)") }
        let all = times.withLock { $0 }
        return (percentile(all, 0.5), percentile(all, 0.99))
    }
}
