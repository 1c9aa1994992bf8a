import Foundation
import SwamonProtocol
import SwamonReports
import SwamonTestSupport
import Testing

#if canImport(FoundationXML)
    import FoundationXML
#endif

/// `swamonctl record` and `report` against a real daemon monitoring a real workload, and the
/// real damo reading what swamonctl wrote.
@Suite("records and reports", .serialized)
struct RecordTests {
    struct Recorded {
        var daemon: Daemon
        var workload: ChildProcess
        var hot: Range<UInt64>
        var cold: Range<UInt64>
        var path: String
        var records: [TargetRecord]
    }

    /// A hot-cold workload monitored at a 1 s update interval, its regions given 10 aggregations
    /// to settle, then recorded for 3 s.
    func recordWorkload() throws -> Recorded {
        let daemon = try Daemon()
        let (workload, hot, cold) = try ChildProcess.workload(hotMiB: 8, coldMiB: 64)
        expectOK(try daemon.ask("write attrs 5000 100000 1000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 10 })
        let path = "\(NSTemporaryDirectory())/swamon-record-\(UUID().uuidString).data"
        let run = try swamonctl(daemon, ["record", "--duration", "3s", "-o", path])
        #expect(run.status == 0, "\(run.err)")
        #expect(run.err.contains("wrote") && run.err.contains("pid \(workload.pid)"), "\(run.err)")
        let bytes = try #require(FileManager.default.contents(atPath: path), "record file written")
        return Recorded(daemon: daemon, workload: workload, hot: hot, cold: cold, path: path, records: try DamoRecordFile.decode(Array(bytes)))
    }

    /// Byte-weighted mean nr_accesses of the parts of every snapshot's regions inside `range`.
    func meanAccesses(_ record: TargetRecord, _ range: Range<UInt64>) -> Double {
        var weighted = 0.0
        var bytes = 0.0
        for snapshot in record.snapshots {
            for region in snapshot.regions {
                let inside = Double(overlap(region.start, region.end, range))
                weighted += inside * Double(region.nrAccesses)
                bytes += inside
            }
        }
        return bytes > 0 ? weighted / bytes : 0
    }

    @Test func recordFileAndNativeReports() throws {
        let recorded = try recordWorkload()
        defer { recorded.workload.kill() }
        let path = recorded.path
        // damo tells the format by file(1): the default must be what damo reads.
        #expect(try runCommand("/usr/bin/file", ["-b", path]).out == "zlib compressed data\n")
        let record = try #require(recorded.records.first)
        #expect(recorded.records.count == 1 && record.targetID == Int64(recorded.workload.pid))
        #expect(record.intervals == RecordIntervals(sample: 5000, aggregation: 100_000, update: 1_000_000))
        #expect(record.snapshots.count >= 5, "\(record.snapshots.count) snapshots in 3 s")
        for (previous, next) in zip(record.snapshots, record.snapshots.dropFirst()) {
            #expect(next.start == previous.end && next.end > next.start)
        }
        let hot = meanAccesses(record, recorded.hot)
        let cold = meanAccesses(record, recorded.cold)
        #expect(hot >= 2 && hot >= 5 * cold, "hot range \(hot) samples per aggregation, cold \(cold)")

        // wss: swamonctl's numbers are the report's, computed from the file.
        let wss = try swamonctl(recorded.daemon, ["--json", "report", "wss", "-i", path])
        let json = try JSONSerialization.jsonObject(with: Data(wss.out.utf8)) as? [[String: Any]]
        let percentiles = (json?.first?["percentiles"] as? [[String: Any]])?.compactMap { ($0["bytes"] as? NSNumber)?.uint64Value }
        #expect(percentiles == WorkingSetReport(recorded.records).targets[0].percentiles.map(\.bytes))

        // access: the last snapshot, every region, hot where the workload is hot.
        let access = try swamonctl(recorded.daemon, ["--json", "report", "access", "-i", path, "--sort", "access"])
        let regions = try #require(((try JSONSerialization.jsonObject(with: Data(access.out.utf8)) as? [[String: Any]])?.first?["regions"]) as? [[String: Any]])
        #expect(regions.count == record.snapshots.last?.regions.count)
        let rates = regions.map { ($0["access_percent"] as? NSNumber)?.intValue ?? -1 }
        #expect(rates == rates.sorted(by: >), "sorted hottest first")
        let hotRates = regions.filter { overlap(($0["start"] as? NSNumber)?.uint64Value ?? 0, ($0["end"] as? NSNumber)?.uint64Value ?? 0, recorded.hot) > 0 }
        #expect(hotRates.contains { ($0["access_percent"] as? NSNumber)?.intValue ?? 0 >= 25 }, "a region over the hot range is hot")
        let table = try swamonctl(recorded.daemon, ["report", "access", "-i", path])
        #expect(table.out.hasPrefix("# pid \(recorded.workload.pid): \(regions.count) regions"))

        // heatmap: an image that parses, and a terminal map with hot cells.
        let svg = path + ".svg"
        #expect(try swamonctl(recorded.daemon, ["report", "heatmap", "-i", path, "-o", svg]).status == 0)
        let parser = XMLParser(contentsOf: URL(fileURLWithPath: svg))
        #expect(parser?.parse() == true, "the SVG is XML")
        #expect((try? String(contentsOfFile: svg, encoding: .utf8))?.contains("<g id=\"cells\"") == true)
        let map = try swamonctl(recorded.daemon, ["report", "heatmap", "-i", path, "--color", "never", "--rows", "4", "--columns", "60"])
        let rows = map.out.split(separator: "\n").filter { $0.hasSuffix("|") == false && $0.contains(" s ") && !$0.hasPrefix("#") }
        #expect(rows.count == 4, "\(map.out)")
        #expect(rows.contains { $0.contains(where: { "56789".contains($0) }) }, "hot cells: \(map.out)")
    }

    /// Without --input, access and idle read the running context now, wss follows it for
    /// --duration.
    @Test func liveReports() throws {
        let daemon = try Daemon()
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 8, coldMiB: 64)
        defer { workload.kill() }
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 2 })
        let access = try swamonctl(daemon, ["report", "access"])
        #expect(access.status == 0 && access.out.hasPrefix("# pid \(workload.pid): "), "\(access)")
        let idle = try swamonctl(daemon, ["--json", "report", "idle"])
        let targets = try JSONSerialization.jsonObject(with: Data(idle.out.utf8)) as? [[String: Any]]
        #expect((targets?.first?["target_id"] as? NSNumber)?.int32Value == workload.pid)
        #expect((targets?.first?["idle"] as? [[String: Any]])?.compactMap { ($0["idle_for_seconds"] as? NSNumber)?.intValue } == [10, 60, 300, 1800])
        let wss = try swamonctl(daemon, ["report", "wss", "--duration", "1s"])
        #expect(wss.status == 0 && wss.out.hasPrefix("# target_id\t\(workload.pid)\n"), "\(wss)")
        let none = try swamonctl(daemon, ["report", "access", "--target", "1"])
        #expect(none.status == 1 && none.err.contains("no record of target 1"))
    }

    /// Ctrl-C ends an open-ended recording between two lines; what arrived is in the file.
    @Test func interruptedRecordingKeepsWhatItHas() throws {
        let daemon = try Daemon()
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        let path = "\(NSTemporaryDirectory())/swamon-record-\(UUID().uuidString).data"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: productPath("swamonctl"))
        process.arguments = ["--socket", daemon.socketPath, "record", "-o", path]
        process.standardError = FileHandle.nullDevice
        try process.run()
        let start = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
        #expect(try eventually(20) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= start + 5 })
        usleep(200_000)
        kill(process.processIdentifier, SIGINT)
        process.waitUntilExit()
        #expect(process.terminationReason == .exit && process.terminationStatus == 0)
        let records = try DamoRecordFile.decode(Array(try #require(FileManager.default.contents(atPath: path))))
        #expect(records.first.map { $0.snapshots.count >= 3 } == true, "\(records.first?.snapshots.count ?? 0) snapshots")
        let name = (path as NSString).lastPathComponent
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: (path as NSString).deletingLastPathComponent).filter { $0.hasPrefix(name + ".") }
        #expect(leftovers.isEmpty, "no temporary file left beside the record: \(leftovers)")
    }

    /// The real damo (3.4.3 from PyPI, unmodified) reads the file: its wss report is swamonctl's
    /// to the byte, its access report has every snapshot, its heatmap is hotter over the hot range.
    /// damo runs only `report --input` in a mount namespace with an empty /sys/kernel/mm/damon.
    @Test func realDamoReadsTheRecord() throws {
        let setup = try runCommand(repositoryPath("Tests/damo/setup.sh"), [])
        try #require(setup.status == 0, "damo could not be installed: \(setup.err)")
        let recorded = try recordWorkload()
        defer { recorded.workload.kill() }
        let record = try #require(recorded.records.first)
        func damo(_ arguments: [String]) throws -> String {
            let run = try runCommand(repositoryPath("Tests/damo/report.sh"), ["report"] + arguments + ["--input", recorded.path])
            #expect(run.status == 0, "damo report \(arguments): \(run.err)")
            return run.out
        }
        let ours = try swamonctl(recorded.daemon, ["report", "wss", "-i", recorded.path]).out
        #expect(try damo(["wss", "--exclude_samples", "0", "--per_target"]) == ours)

        let access = try damo(["access", "--raw_number"])
        #expect(access.components(separatedBy: "snapshot time:").count - 1 == record.snapshots.count)
        let totals = access.split(separator: "\n").filter { $0.hasPrefix("total size: ") }.map { $0.dropFirst("total size: ".count) }
        #expect(totals.last.map(String.init) == record.snapshots.last.map { String($0.totalBytes) })

        func meanHeat(_ range: Range<UInt64>) throws -> Double {
            let rows = try damo(["heatmap", "--output", "raw", "--abs_addr", "--address_range", String(range.lowerBound), String(range.upperBound)])
                .split(separator: "\n").compactMap { Double($0.split(separator: "\t").last ?? "") }.filter { !$0.isNaN }
            #expect(!rows.isEmpty)
            return rows.isEmpty ? 0 : rows.reduce(0, +) / Double(rows.count)
        }
        let hot = try meanHeat(recorded.hot)
        let cold = try meanHeat(recorded.cold)
        #expect(hot > 2 * cold && hot > 0, "damo's heatmap: hot \(hot), cold \(cold)")
    }
}
