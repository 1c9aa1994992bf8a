import Foundation
import Glibc
import Testing
import SwamonProtocol
import SwamonReports
import SwamonTestSupport

/// A real `systemd-journald` started for the test (this machine has no systemd as PID 1), or
/// the one already running.
final class StandaloneJournald {
    let started: ChildProcess?
    static let socket = "/run/systemd/journal/socket"

    /// Uses the journald that answers on the socket; a socket left behind by one that was killed
    /// (nobody listening) is removed and a new journald started in its place.
    init() throws {
        if Self.listening() {
            started = nil
            return
        }
        try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
        try FileManager.default.createDirectory(atPath: "/run/systemd/journal", withIntermediateDirectories: true)
        started = try ChildProcess("/lib/systemd/systemd-journald")
        guard eventually(10, { Self.listening() }) else {
            throw TestFailure("systemd-journald did not listen on \(Self.socket)")
        }
    }

    /// Whether a journald receives datagrams on the socket: connecting a datagram socket to a
    /// path nobody is bound to fails with ECONNREFUSED.
    static func listening() -> Bool {
        let fd = Glibc.socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return withUnixAddress(socket) { connect(fd, $0, $1) } == 0
    }

    func kill() {
        guard let started else { return }
        started.kill()
        try? FileManager.default.removeItem(atPath: "/run/systemd/journal")
    }

    deinit { kill() }

    /// Entries of one process as `journalctl -o json` prints them.
    static func entries(pid: Int32) throws -> [[String: Any]] {
        let output = try runCommand("/bin/journalctl", ["--no-pager", "-o", "json", "_PID=\(pid)"]).out
        return output.split(separator: "\n").compactMap {
            try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]
        }
    }
}

@Suite("journal", .serialized)
struct JournalTests {
    static let aggregationID = "6f0c1a3e2b8d4c51a7e9d2f4b6c8a013"

    /// One structured entry per target per aggregation with every documented field, lifecycle
    /// entries with their own ids; 8 targets at the default attributes stay far below journald's
    /// default rate limit (10000 per 30 s); and journald going away never stops monitoring.
    @Test func aggregationRecords() throws {
        let journal = try StandaloneJournald()
        let daemon = try Daemon(settings: ["journal_every = 1"], arguments: ["--log-target", "journal"])
        defer { withExtendedLifetime(daemon) {} }
        let targets = try (0..<8).map { _ in try sleeper() }
        defer { targets.forEach { $0.kill() } }
        let pids = Set(targets.map { String($0.pid) })
        expectOK(try daemon.ask("write target_ids \(targets.map { String($0.pid) }.joined(separator: " "))"))
        expectOK(try daemon.ask("write monitor_on on"))
        let started = Date()
        // At least three aggregations, however slowly this machine samples 8 processes.
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 3 })
        expectOK(try daemon.ask("write monitor_on off"))
        let seconds = Date().timeIntervalSince(started)
        let aggregations = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0

        // journald files entries asynchronously: wait until it has them all.
        var entries: [[String: Any]] = []
        var records: [[String: Any]] = []
        _ = try eventually(10) {
            entries = try StandaloneJournald.entries(pid: daemon.pid)
            records = entries.filter { $0["MESSAGE_ID"] as? String == Self.aggregationID }
            return records.count >= 8 * aggregations
        }
        #expect(records.count == 8 * aggregations, "\(records.count) records for \(aggregations) aggregations × 8 targets")
        let rate = Double(records.count) / seconds
        #expect(rate * 30 < 10_000, "\(rate) records/s stays under journald's default RateLimitBurst per 30 s")
        for record in records {
            #expect(record["SYSLOG_IDENTIFIER"] as? String == "swamond")
            #expect(record["PRIORITY"] as? String == "6")
            #expect(record["SWAMON_CONTEXT"] as? String == "root")
            #expect(pids.contains(record["SWAMON_TARGET"] as? String ?? ""))
            for field in [
                "SWAMON_NR_REGIONS", "SWAMON_TOTAL_BYTES", "SWAMON_ACCESSED_BYTES", "SWAMON_MAX_NR_ACCESSES", "SWAMON_SAMPLES", "SWAMON_SAMPLE_US",
                "SWAMON_AGGR_US", "SWAMON_UPDATE_US",
            ] {
                #expect(UInt64(record[field] as? String ?? "") != nil, "\(field) is a number")
            }
            let regions = record["SWAMON_REGIONS"] as? String ?? ""
            #expect(regions.utf8.count <= 4096)
            #expect(regions.split(separator: " ").count == Int(record["SWAMON_NR_REGIONS"] as? String ?? ""))
            #expect((record["MESSAGE"] as? String ?? "").contains("regions,"))
        }
        let ids = Set(entries.compactMap { $0["MESSAGE_ID"] as? String })
        for lifecycle in ["6f0c1a3e2b8d4c51a7e9d2f4b6c8a014", "6f0c1a3e2b8d4c51a7e9d2f4b6c8a015", "6f0c1a3e2b8d4c51a7e9d2f4b6c8a017"] {
            #expect(ids.contains(lifecycle), "lifecycle entry \(lifecycle)")
        }

        // journald goes away while monitoring runs: monitoring and the control socket carry on.
        guard journal.started != nil else {
            try Test.cancel("journald was running before the test, which may not stop it: the part where journald goes away needs one the test started")
        }
        expectOK(try daemon.ask("write target_ids \(targets[0].pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        usleep(500_000)
        journal.kill()
        let before = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
        var after = before
        _ = try eventually(20) {
            after = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
            return after >= before + 5
        }
        #expect(after >= before + 5, "monitoring continues without journald: \(before) → \(after)")
        expectOK(try daemon.ask("write monitor_on off"))
    }

    /// A daemon logging every aggregation to a journald, monitoring a 260 MiB workload with at
    /// least 400 regions (a region list longer than one journal field).
    static func monitorWithManyRegions() throws -> (StandaloneJournald, Daemon, ChildProcess) {
        let journal = try StandaloneJournald()
        let daemon = try Daemon(settings: ["journal_every = 1"], arguments: ["--log-target", "journal"])
        let (workload, _, _) = try ChildProcess.workload(hotMiB: 4, coldMiB: 256)
        expectOK(try daemon.ask("write attrs 5000 100000 1000000 400 1000"))
        expectOK(try daemon.ask("write target_ids \(workload.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        return (journal, daemon, workload)
    }

    /// A field value longer than 4096 bytes is split: SWAMON_REGIONS, SWAMON_REGIONS_1, ….
    @Test func longRegionListsAreSplit() throws {
        let (journal, daemon, workload) = try Self.monitorWithManyRegions()
        defer { withExtendedLifetime((journal, daemon)) { workload.kill() } }
        usleep(1_500_000)
        expectOK(try daemon.ask("write monitor_on off"))
        let records = try StandaloneJournald.entries(pid: daemon.pid).filter { $0["MESSAGE_ID"] as? String == Self.aggregationID }
        let long = try #require(records.last)
        let parts = ["SWAMON_REGIONS"] + (1..<10).map { "SWAMON_REGIONS_\($0)" }
        let values = parts.compactMap { long[$0] as? String }
        #expect(values.count >= 2, "a 400+ region list needs more than one field")
        #expect(values.allSatisfy { $0.utf8.count <= 4096 })
        let total = values.joined(separator: " ").split(separator: " ").count
        #expect(total == Int(long["SWAMON_NR_REGIONS"] as? String ?? ""))
    }

    /// `swamonctl record --from-journal` rebuilds the record from the entries: a snapshot per
    /// entry, its regions joined from the split fields, the context's intervals, the entry's time.
    @Test func recordFromTheJournal() throws {
        let (journal, daemon, workload) = try Self.monitorWithManyRegions()
        defer { withExtendedLifetime((journal, daemon)) { workload.kill() } }
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 5 })
        expectOK(try daemon.ask("write monitor_on off"))
        let aggregations = Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0
        var entries: [[String: Any]] = []
        _ = try eventually(10) {
            entries = try StandaloneJournald.entries(pid: daemon.pid).filter { $0["MESSAGE_ID"] as? String == Self.aggregationID }
            return entries.count >= aggregations
        }
        #expect(entries.count == aggregations)

        let path = "\(NSTemporaryDirectory())/swamon-journal-\(UUID().uuidString).data"
        let run = try swamonctl(daemon, ["record", "--from-journal", "--since", "-5min", "--context", "root", "-o", path])
        #expect(run.status == 0, "\(run.err)")
        let records = try DamoRecordFile.decode(Array(try #require(FileManager.default.contents(atPath: path))))
        let record = try #require(records.first { $0.targetID == Int64(workload.pid) })
        #expect(record.intervals == RecordIntervals(sample: 5000, aggregation: 100_000, update: 1_000_000))
        #expect(record.snapshots.count == entries.count)
        for (snapshot, entry) in zip(record.snapshots, entries) {
            let fields = ["SWAMON_REGIONS"] + (1..<20).map { "SWAMON_REGIONS_\($0)" }
            let text = fields.compactMap { entry[$0] as? String }.joined(separator: " ")
            #expect(snapshot.regions == ResultsFormat.parseCompactList(Substring(text)))
            #expect(snapshot.end == (UInt64(entry["__REALTIME_TIMESTAMP"] as? String ?? "") ?? 0) * 1000)
        }
        #expect(record.snapshots.contains { $0.regions.count > 200 }, "the split region lists are joined")

        // The same from the journal files themselves (journalctl -D; a journal collector's case).
        let fromFiles = try swamonctl(
            daemon, ["record", "--from-journal", "--journal-directory", "/run/log/journal", "--since", "-5min", "--context", "root", "-o", path + ".files"])
        #expect(fromFiles.status == 0, "\(fromFiles.err)")
        let filesRecords = try DamoRecordFile.decode(Array(try #require(FileManager.default.contents(atPath: path + ".files"))))
        #expect(filesRecords.first { $0.targetID == Int64(workload.pid) } == record)

        // A window in which no swamond ever wrote (other tests' entries are in the last minutes).
        let before = try swamonctl(daemon, ["record", "--from-journal", "--since", "2001-01-01", "--until", "2001-01-02 12:00", "-o", path + ".none"])
        #expect(before.status == 1 && before.err.contains("no aggregation entries"), "\(before)")
        let bad = try swamonctl(daemon, ["record", "--from-journal", "--since", "last tuesday", "-o", path + ".none"])
        #expect(bad.status == 64 && bad.err.contains("not a time"), "\(bad)")
    }
}
