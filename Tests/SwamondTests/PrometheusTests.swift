import Foundation
import SwamonClient
import SwamonTestSupport
import Testing

/// A real Prometheus server (Debian's package) on loopback scraping two swamond — two "hosts",
/// each with its socket and port — every second.
final class PrometheusServer {
    let process: ChildProcess
    let port: Int
    let directory: String

    init(targets: [Int]) throws {
        directory = NSTemporaryDirectory() + "swamon-prometheus-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let config = """
            global:
              scrape_interval: 1s
              scrape_timeout: 900ms
              evaluation_interval: 1s
            rule_files:
              - \(repositoryPath("docs/prometheus/swamon.rules.yml"))
            scrape_configs:
              - job_name: swamond
                static_configs:
                  - targets: [\(targets.map { "'127.0.0.1:\($0)'" }.joined(separator: ", "))]

            """
        try config.write(toFile: "\(directory)/prometheus.yml", atomically: true, encoding: .utf8)
        port = try freeLoopbackPort()
        process = try ChildProcess(
            "/usr/bin/prometheus",
            ["--config.file=\(directory)/prometheus.yml", "--storage.tsdb.path=\(directory)/data", "--web.listen-address=127.0.0.1:\(port)", "--log.level=warn"])
        guard eventually(30, { (try? httpRequest(port: port, path: "/-/ready").status) == 200 }) else {
            throw TestFailure("prometheus did not become ready on port \(port)")
        }
    }

    deinit {
        process.kill()
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// An instant query's samples: labels and value.
    func query(_ promql: String) throws -> [(labels: [String: String], value: Double)] {
        let encoded = promql.addingPercentEncoding(withAllowedCharacters: .alphanumerics) ?? ""
        let response = try httpRequest(port: port, path: "/api/v1/query?query=\(encoded)")
        guard response.status == 200, let json = try JSONSerialization.jsonObject(with: Data(response.body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw TestFailure("query \(promql): \(response.status) \(response.body.prefix(300))") }
        return result.compactMap { item in
            guard let metric = item["metric"] as? [String: String], let value = item["value"] as? [Any], value.count == 2,
                let text = value[1] as? String, let number = Double(text)
            else { return nil }
            return (metric, number)
        }
    }
}

extension MetricsTests {
    /// Per aggregation number, the regions file's sums, read while the aggregation count stood still.
    final class RegionHistory {
        var byAggregation: [Int: (total: UInt64, accessed: UInt64, idle: UInt64)] = [:]
        let daemon: Daemon
        let pid: Int64

        init(_ daemon: Daemon, pid: Int32) {
            self.daemon = daemon
            self.pid = Int64(pid)
        }

        /// Reads once; returns the aggregation number it saw last.
        @discardableResult
        func poll() throws -> Int {
            let before = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
            let sums = try regionSums(daemon, idleSeconds: 10, aggregationMicros: 2_000_000)[pid]
            let after = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
            if before == after, let sums { byAggregation[after] = sums }
            return after
        }
    }

    /// Prometheus's view equals swamonctl's within one aggregation: the accessed and idle bytes
    /// of a workload are those of the aggregation current when Prometheus last scraped, or of the
    /// one before; a PromQL sum over both daemons equals the sum of their regions.
    @Test func realPrometheusScrapesTwoDaemons() throws {
        let first = try Daemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        let second = try Daemon(arguments: ["--metrics-listen", "127.0.0.1:0"])
        defer { withExtendedLifetime((first, second)) {} }
        let (workloadA, _, _) = try ChildProcess.workload(hotMiB: 8, coldMiB: 64)
        let (workloadB, _, _) = try ChildProcess.workload(hotMiB: 4, coldMiB: 32)
        defer {
            workloadA.kill()
            workloadB.kill()
        }
        for (daemon, workload) in [(first, workloadA), (second, workloadB)] {
            expectOK(try daemon.ask("write attrs 5000 2000000 60000000 10 1000"))
            expectOK(try daemon.ask("write target_ids \(workload.pid)"))
            expectOK(try daemon.ask("write monitor_on on"))
        }
        let prometheus = try PrometheusServer(targets: [try metricsPort(first), try metricsPort(second)])
        #expect(try eventually(30) { try prometheus.query("count(swamon_target_bytes)").first?.value == 2 })

        // The sum over both hosts: region totals only change at an update (60 s here).
        let totals = try [first, second].map { try regionSums($0).values.reduce(UInt64(0)) { $0 + $1.total } }
        #expect(try eventually(10) { try prometheus.query("sum(swamon_target_bytes)").first?.value == Double(totals.reduce(0, +)) })

        let history = RegionHistory(first, pid: workloadA.pid)
        func agrees(_ series: String, _ pick: ((total: UInt64, accessed: UInt64, idle: UInt64)) -> UInt64) throws -> Bool {
            try history.poll()
            guard let value = try prometheus.query(series).first?.value else { return false }
            let now = try history.poll()
            let candidates = [now, now - 1].compactMap { history.byAggregation[$0] }.map { Double(pick($0)) }
            return candidates.contains(value)
        }
        let target = "{target=\"\(workloadA.pid)\"}"
        #expect(try eventually(20) { try agrees("swamon_target_accessed_bytes\(target)") { $0.accessed } }, "accessed bytes within one aggregation")
        // Idle for 10 s takes five 2 s aggregations of the cold range.
        #expect(try eventually(40) {
            try history.poll()
            return try prometheus.query("swamon_target_idle_bytes{target=\"\(workloadA.pid)\",idle_for_seconds=\"10\"}").first.map { $0.value > 0 } == true
        }, "the cold range shows as idle for 10 s")
        #expect(try eventually(20) { try agrees("swamon_target_idle_bytes{target=\"\(workloadA.pid)\",idle_for_seconds=\"10\"}") { $0.idle } },
            "idle bytes within one aggregation")
        let share = try prometheus.query("sum(swamon_target_idle_bytes{idle_for_seconds=\"10\"}) / sum(swamon_target_bytes)")
        #expect(share.first.map { $0.value > 0 && $0.value < 1 } == true, "the fleet's cold share: \(share)")

        // The shipped recording rules record, and every query of the shipped Grafana dashboard runs.
        #expect(try eventually(10) { try prometheus.query("fleet:swamon_cold_memory_share_300s:ratio").count == 1 })
        #expect(try eventually(10) { try prometheus.query("unit:swamon_target_accessed_bytes:sum").count == 1 })
        let dashboard = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: repositoryPath("docs/grafana-dashboard.json")))) as? [String: Any]
        let expressions = ((dashboard?["panels"] as? [[String: Any]]) ?? []).flatMap { ($0["targets"] as? [[String: Any]]) ?? [] }.compactMap { $0["expr"] as? String }
        #expect(expressions.count >= 8)
        for expression in expressions {
            // Valid PromQL everywhere; with data wherever it is not about DAMOS (no scheme runs here).
            let result = try prometheus.query(expression)
            #expect(expression.contains("scheme") || !result.isEmpty, "dashboard query \(expression)")
        }
    }
}
