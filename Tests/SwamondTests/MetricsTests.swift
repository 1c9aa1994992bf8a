import Foundation
import SwamonClient
import SwamonCore
import SwamonProtocol
import SwamonTestSupport
import Testing

@testable import SwamonDaemon

/// One sample of the text exposition.
struct MetricSample: Equatable {
    var name: String
    var labels: [String: String]
    var value: Double

    /// Every sample of an exposition (`name{a="b",…} value`); comments skipped.
    static func parse(_ text: String) -> [MetricSample] {
        text.split(separator: "\n").compactMap { line in
            guard !line.hasPrefix("#"), let space = line.lastIndex(of: " "), let value = Double(line[line.index(after: space)...]) else { return nil }
            let series = line[..<space]
            guard let brace = series.firstIndex(of: "{") else { return MetricSample(name: String(series), labels: [:], value: value) }
            var labels: [String: String] = [:]
            for pair in series[series.index(after: brace)..<series.index(before: series.endIndex)].split(separator: ",") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                if parts.count == 2 { labels[String(parts[0])] = String(parts[1].dropFirst().dropLast()) }
            }
            return MetricSample(name: String(series[..<brace]), labels: labels, value: value)
        }
    }
}

extension Array where Element == MetricSample {
    func value(_ name: String, _ labels: [String: String] = [:]) -> Double? {
        first { sample in sample.name == name && labels.allSatisfy { key, value in sample.labels[key] == value } }?.value
    }
}

/// The port a daemon started with `--metrics-listen 127.0.0.1:0` says it serves.
func metricsPort(_ daemon: Daemon) throws -> Int {
    var port: Int?
    _ = eventually(5) {
        let log = (try? String(contentsOfFile: daemon.logPath, encoding: .utf8)) ?? ""
        port = log.range(of: #"http://127\.0\.0\.1:(\d+)/metrics"#, options: .regularExpression).flatMap {
            Int(log[$0].split(separator: ":").last?.split(separator: "/").first ?? "")
        }
        return port != nil
    }
    return try #require(port, "the daemon logs where it serves metrics")
}

/// Bytes of the `regions` file per target: total, accessed (nr_accesses > 0), idle for at least
/// `idleSeconds` at aggregation interval `aggregationMicros`.
func regionSums(_ daemon: Daemon, idleSeconds: UInt64 = 10, aggregationMicros: UInt64 = 100_000) throws -> [Int64: (total: UInt64, accessed: UInt64, idle: UInt64)] {
    var sums: [Int64: (total: UInt64, accessed: UInt64, idle: UInt64)] = [:]
    for (target, region) in ResultsFormat.parseRegions(try daemon.ask("read regions").content) ?? [] {
        let size = region.end - region.start
        var sum = sums[target] ?? (0, 0, 0)
        sum.total += size
        if region.nrAccesses > 0 { sum.accessed += size }
        if region.nrAccesses == 0 && region.age * aggregationMicros >= idleSeconds * 1_000_000 { sum.idle += size }
        sums[target] = sum
    }
    return sums
}

@Suite("metrics", .serialized)
struct MetricsTests {
    /// Every family of the metrics contract, with its labels and values that agree with the
    /// regions file; a target's series go when it stops being monitored; counters keep counting
    /// across runs; promtool finds no problem; anything but GET /metrics is 404.
    @Test func exposition() throws {
        let daemon = try Daemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        defer { withExtendedLifetime(daemon) {} }
        let port = try metricsPort(daemon)
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 8, coldMiB: 64)
        defer { workload.kill() }
        expectOK(try daemon.ask("write attrs 5000 1000000 60000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 2 })

        let response = try httpRequest(port: port, path: "/metrics")
        #expect(response.status == 200)
        #expect(response.headers["content-type"] == "text/plain; version=0.0.4; charset=utf-8")
        let check = try runCommand("/usr/bin/promtool", ["check", "metrics"], input: response.body)
        #expect(check.status == 0 && check.out.isEmpty && check.err.isEmpty, "promtool: \(check)")
        var samples = MetricSample.parse(response.body)
        let target = ["context": "root", "target": String(workload.pid)]
        #expect(samples.value("swamon_build_info", ["version": swamonVersion]) == 1)
        #expect(samples.value("swamon_context_running", ["context": "root"]) == 1)
        for name in ["swamon_samples_total", "swamon_aggregations_total", "swamon_overruns_total", "swamon_sample_period_seconds"] {
            #expect(samples.value(name, ["context": "root"]) != nil, "\(name)")
        }
        #expect(samples.value("swamon_target_info", target.merging(["comm": "swamon-workload", "unit": ""]) { $1 }) == 1)
        for seconds in ["10", "60", "300", "1800"] {
            #expect(samples.value("swamon_target_idle_bytes", target.merging(["idle_for_seconds": seconds]) { $1 }) != nil)
        }
        // The regions file and the metrics show the same aggregation (1 s apart): read both until they agree.
        #expect(try eventually(10) {
            let before = try regionSums(daemon, aggregationMicros: 1_000_000)[Int64(workload.pid)]
            samples = MetricSample.parse(try httpRequest(port: port, path: "/metrics").body)
            let after = try regionSums(daemon, aggregationMicros: 1_000_000)[Int64(workload.pid)]
            let regionCount = try daemon.ask("read regions").content.split(separator: "\n").count
            guard let before, let after, before == after else { return false }
            return samples.value("swamon_target_bytes", target) == Double(before.total)
                && samples.value("swamon_target_accessed_bytes", target) == Double(before.accessed)
                && samples.value("swamon_regions", target) == Double(regionCount)
        })

        let samplesBefore = try #require(samples.value("swamon_samples_total", ["context": "root"]))
        expectOK(try daemon.ask("write monitor_on off"))
        let stopped = MetricSample.parse(try httpRequest(port: port, path: "/metrics").body)
        #expect(stopped.value("swamon_context_running", ["context": "root"]) == 0)
        #expect(!stopped.contains { $0.labels["target"] != nil }, "no series of a target that is not monitored")
        let samplesStopped = try #require(stopped.value("swamon_samples_total", ["context": "root"]))
        #expect(samplesStopped >= samplesBefore)
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 1 })
        let again = MetricSample.parse(try httpRequest(port: port, path: "/metrics").body)
        #expect(try #require(again.value("swamon_samples_total", ["context": "root"])) > samplesStopped, "counters go on across runs")

        #expect(try httpRequest(port: port, path: "/").status == 404)
        #expect(try httpRequest(port: port, path: "/metricsx").status == 404)
        #expect(try httpRequest(port: port, path: "/metrics", method: "POST").status == 404)
        #expect(try httpRequest(port: port, path: "/metrics?name[]=x").status == 200)
    }

    /// metrics_textfile is replaced whole (rename) after aggregations, at most once a second.
    @Test func textfile() throws {
        let directory = NSTemporaryDirectory() + "swamon-textfile-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = "\(directory)/swamond.prom"
        let daemon = try Daemon(settings: ["journal_every = 0", "metrics_textfile = \(path)"])
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually(10) { FileManager.default.fileExists(atPath: path) })
        // 100 ms aggregations for 3 s: about 30 asks, at most one write a second (4 inodes at most).
        var inodes: Set<UInt64> = []
        let start = Date()
        while Date().timeIntervalSince(start) < 3 {
            if let inode = (try? FileManager.default.attributesOfItem(atPath: path))?[.systemFileNumber] as? UInt64 { inodes.insert(inode) }
            usleep(20_000)
        }
        #expect((2...4).contains(inodes.count), "\(inodes.count) versions of the file in 3 s")
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(MetricSample.parse(text).value("swamon_target_bytes", ["target": String(target.pid)]) != nil)
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory) == ["swamond.prom"], "no temporary file left")
    }

    @Test(arguments: [["--metrics-listen", "nonsense"], ["--metrics-listen", "127.0.0.1:70000"], ["--set", "metrics_textfile=relative.prom"]])
    func badMetricsSettingsStopStartup(arguments: [String]) throws {
        let run = try runCommand(productPath("swamond"), ["--socket", NSTemporaryDirectory() + "swamon-bad-\(UUID().uuidString).sock"] + arguments)
        #expect(run.status == 78 && run.err.contains("metrics_"), "\(run)")
    }

    @Test func aPortInUseStopsStartup() throws {
        let first = try Daemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        defer { withExtendedLifetime(first) {} }
        let port = try metricsPort(first)
        let directory = NSTemporaryDirectory() + "swamon-busy-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        let run = try runCommand(productPath("swamond"), ["--socket", "\(directory)/swamond.sock", "--metrics-listen", "127.0.0.1:\(port)"])
        #expect(run.status == 78 && run.err.contains("cannot listen"), "\(run)")
    }

    @Test(arguments: [
        ("127.0.0.1:9464", "127.0.0.1", 9464), ("[::1]:9464", "::1", 9464), ("localhost:0", "localhost", 0),
    ] as [(String, String, Int)])
    func addresses(text: String, host: String, port: Int) {
        #expect(MetricsAddress(text)?.host == host && MetricsAddress(text)?.port == port)
    }

    @Test(arguments: ["9464", ":9464", "::1:9464", "[::1]", "host:65536", "host:-1", "[]:1", "a b:1"])
    func badAddresses(text: String) {
        #expect(MetricsAddress(text) == nil)
    }

    /// A run's counter restarts at `on`: the totals add what it gained, all of it after a restart.
    @Test func totalsAcrossRuns() {
        var totals = MetricTotals()
        totals.addRun(samples: (0, 100), aggregations: (0, 5), overruns: (0, 1))
        totals.addRun(samples: (100, 120), aggregations: (5, 6), overruns: (1, 1))
        totals.addRun(samples: (120, 7), aggregations: (6, 0), overruns: (1, 0))
        #expect(totals.samples == 127 && totals.aggregations == 6 && totals.overruns == 1)
    }

    /// Idle for at least 10 s at 100 ms aggregations: age 100 with no access counts, 99 does not,
    /// and neither does age 10000 with one access.
    @Test func idleBytesBoundary() {
        func entry(_ start: UInt64, _ accesses: UInt32, _ age: UInt32) -> AggregationSnapshot.Entry {
            AggregationSnapshot.Entry(range: AddressRange(start, start + 4096), accessCount: accesses, age: age)
        }
        let snapshot = AggregationSnapshot(targetID: 1, timestamp: 0, samples: 0, regions: [entry(0, 0, 100), entry(4096, 0, 99), entry(8192, 1, 10000)])
        #expect(MetricsSnapshot.idleBytes(snapshot, aggregationInterval: 100_000, seconds: 10) == 4096)
        #expect(MetricsSnapshot.idleBytes(snapshot, aggregationInterval: 100_000, seconds: 11) == 0)
    }
}
