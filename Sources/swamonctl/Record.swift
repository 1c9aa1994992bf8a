import ArgumentParser
import Foundation
import Glibc
import SwamonClient
import SwamonCore
import SwamonLinux
import SwamonProtocol
import SwamonReports
import SwamonSystemd

/// `swamonctl record`: aggregations into damo's record format, live from `watch` or rebuilt
/// from the journal.
struct Record: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Record aggregations into a damo record file (damo report --input reads it).",
        discussion: """
            Live (the default): follows the running contexts' aggregations (watch) for --duration, or until \
            Ctrl-C, which ends the recording with everything so far written (it is held in memory until \
            then: about 32 bytes per region per aggregation). --from-journal builds the same \
            file from the entries swamond wrote to the journal between --since and --until (journal_every \
            sets how many aggregations it kept).

            --format json_compressed (the default) is what damo record writes and what damo 3.4.3 reads \
            everywhere; damo tells the formats apart with file(1), and Debian 12's file calls plain JSON \
            'JSON text data', which that damo does not accept. --format json is for people and jq.

            Times for --since and --until: '2026-11-30 14:05', '2026-11-30', '14:05', 'today', 'yesterday', \
            'now', '-10min' or '10min ago', '@EPOCH'.
            """)
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Only this context (default: every context the socket lets you watch).") var context: String?
    @Option(help: ArgumentHelp("How long to record, e.g. 30s, 5min (default: until interrupted).", valueName: "duration"))
    var duration: String?
    @Option(name: .shortAndLong, help: "The record file.") var output = "swamon.data"
    @Option(help: ArgumentHelp("json_compressed or json.", valueName: "format")) var format = DamoRecordFile.Format.jsonCompressed.rawValue
    @Flag(help: "Build the record from the journal instead of recording.") var fromJournal = false
    @Option(parsing: .unconditional, help: ArgumentHelp("With --from-journal: the first entry's time (default: the journal's start).", valueName: "time"))
    var since: String?
    @Option(parsing: .unconditional, help: ArgumentHelp("With --from-journal: the last entry's time (default: now).", valueName: "time"))
    var until: String?
    @Option(help: ArgumentHelp("With --from-journal: read the journal files in this directory (journalctl -D), e.g. systemd-journal-remote's.", valueName: "dir"))
    var journalDirectory: String?

    func validate() throws {
        guard DamoRecordFile.Format(rawValue: format) != nil else { throw ValidationError("--format must be json_compressed or json") }
        if let duration { guard Quantities.microseconds(duration).map({ $0 > 0 }) == true else { throw ValidationError("--duration: '\(duration)' is not a duration (e.g. 30s, 5min)") } }
        if !fromJournal && (since != nil || until != nil || journalDirectory != nil) {
            throw ValidationError("--since, --until and --journal-directory go with --from-journal")
        }
        if fromJournal && duration != nil { throw ValidationError("--duration is for live recording, --since/--until for --from-journal") }
        for time in [since, until].compactMap({ $0 }) where JournalTime.parse(time, now: Date()) == nil {
            throw ValidationError("'\(time)' is not a time (e.g. '2026-11-30 14:05', 'today', '-10min')")
        }
    }

    func run() throws {
        let session = swamonctl.session
        let records: [TargetRecord]
        if fromJournal {
            let now = Date()
            let result = try Self.fromJournal(
                context: context, since: since.flatMap { JournalTime.parse($0, now: now) }, until: until.flatMap { JournalTime.parse($0, now: now) },
                directory: journalDirectory)
            if result.skipped > 0 {
                FileHandle.standardError.write(Data("swamonctl: \(result.skipped) journal entries without intervals or with a malformed region list were left out\n".utf8))
            }
            records = result.records
        } else {
            records = try LiveRecording.record(session, context: context, microseconds: duration.flatMap(Quantities.microseconds), announce: true)
        }
        let snapshots = records.reduce(0) { $0 + $1.snapshots.count }
        guard snapshots > 0 else {
            throw session.fail(fromJournal ? "no aggregation entries in the journal for that time (is journal_every 0?)" : "no aggregation arrived: is monitoring on?")
        }
        try Self.write(records, to: output, format: DamoRecordFile.Format(rawValue: format)!)
        let targets = records.map(\.label).joined(separator: ", ")
        FileHandle.standardError.write(Data("swamonctl: wrote \(snapshots) snapshots of \(targets) to \(output) (\(format))\n".utf8))
    }

    static func fromJournal(context: String?, since: UInt64?, until: UInt64?, directory: String?) throws -> JournalRecords.Result {
        do {
            let reader = try JournalReader(directory: directory)
            var matches = ["MESSAGE_ID=6f0c1a3e2b8d4c51a7e9d2f4b6c8a013"]
            if let context { matches.append("SWAMON_CONTEXT=\(context)") }
            let entries = try reader.entries(
                matching: matches, since: since, until: until, fields: JournalRecords.fields, continued: JournalRecords.continued)
            return JournalRecords.build(entries.map { ($0.realtimeMicroseconds, $0.fields) })
        } catch let error as JournalReader.Failure {
            throw ValidationError(error.description)
        }
    }

    /// Written to a temporary file beside `path` and renamed into place: a reader never sees half
    /// a record.
    static func write(_ records: [TargetRecord], to path: String, format: DamoRecordFile.Format) throws {
        if let failure = AtomicFile.replace(path, with: try DamoRecordFile.encode(records, format: format), sync: true) {
            throw ValidationError(failure)
        }
    }
}

/// Aggregations followed live through `watch`, into records.
enum LiveRecording {
    /// Records for `microseconds` (nil: until SIGINT or SIGTERM). Each context's intervals are read
    /// from its `attrs` when its first line arrives.
    static func record(_ session: Session, context: String?, microseconds: UInt64?, announce: Bool) throws -> [TargetRecord] {
        let interruption = Interruption()
        let client = try session.connect()
        if case .error(let error) = try session.exchange(.watch(context: context), on: client) { throw session.refused(error) }
        if announce {
            let until = microseconds.map { "for \(Quantities.duration(microseconds: $0))" } ?? "until Ctrl-C"
            FileHandle.standardError.write(Data("swamonctl: recording \(context.map { "context \($0)" } ?? "every context") \(until)\n".utf8))
        }
        var builder = RecordBuilder()
        var intervals: [String: RecordIntervals] = [:]
        let start = DispatchTime.now().uptimeNanoseconds
        let deadline = microseconds.map { start &+ $0 &* 1000 }
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if let deadline, now >= deadline { break }
            let wait = deadline.map { Int32(min(1000, ($0 - now) / 1_000_000 + 1)) } ?? 1000
            if !client.hasBufferedLine {
                switch interruption.wait(for: client.descriptor, milliseconds: wait) {
                case .interrupted: return builder.records
                case .timeout: continue
                case .readable: break
                }
            }
            let line: String?
            do { line = try client.readLine() } catch { throw session.fail(error.description, code: Session.unreachable) }
            guard let line else { break }
            guard let aggregation = ResultsFormat.parseWatchLine(line) else { continue }
            if intervals[aggregation.context] == nil {
                intervals[aggregation.context] = try contextIntervals(session, aggregation.context)
            }
            builder.add(
                target: aggregation.target, intervals: intervals[aggregation.context]!, end: aggregation.monotonicNanoseconds,
                regions: aggregation.regions)
        }
        return builder.records
    }

    static func contextIntervals(_ session: Session, _ context: String) throws -> RecordIntervals {
        guard let attributes = try session.attributes(context: context == "root" ? nil : context) else {
            throw session.fail("swamond's attrs of \(context) are not five numbers")
        }
        return RecordIntervals(
            sample: attributes.sampleInterval, aggregation: attributes.aggregationInterval, update: attributes.updateInterval)
    }
}
