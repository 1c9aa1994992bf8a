import ArgumentParser
import Foundation
import Glibc
import SwamonClient
import SwamonProtocol
import SwamonReports

/// `swamonctl report …`: damo's reports, on a record file or live from swamond.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Reports on a record file (--input) or live: working set, heatmap, access table, idle memory.",
        discussion: """
            Without --input, access and idle read the context's last aggregation now; wss and heatmap follow \
            the live aggregations for --duration (default 10 s) first.
            """,
        subcommands: [WorkingSet.self, HeatmapReport.self, Access.self, Idle.self])

    struct WorkingSet: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "wss", abstract: "Working-set size percentiles over time, per target (as damo report wss prints them).")
        @ParentCommand var swamonctl: Swamonctl
        @OptionGroup var source: ReportSource
        @Option(help: ArgumentHelp("Percentiles to print, comma-separated.", valueName: "list")) var percentiles = "0,25,50,75,100"
        @Option(help: "Fewest samples of a region that count it in the working set (damo's --acc_thres).") var accessThreshold: UInt64 = 1
        @Option(help: "Leave out this many first snapshots of each target (damo's --exclude_samples; damo's default is 20).")
        var exclude = 0

        func validate() throws {
            guard parsedPercentiles != nil else { throw ValidationError("--percentiles: numbers from 0 to 100, comma-separated") }
            guard exclude >= 0 else { throw ValidationError("--exclude must not be negative") }
        }

        var parsedPercentiles: [Int]? {
            let values = percentiles.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard !values.isEmpty, values.allSatisfy({ $0.map { (0...100).contains($0) } == true }) else { return nil }
            return values.compactMap { $0 }
        }

        func run() throws {
            let session = swamonctl.session
            let records = try source.records(session, live: .recording)
            let report = WorkingSetReport(records, percentiles: parsedPercentiles!, accessThreshold: accessThreshold, excluded: exclude)
            print(session.json ? jsonText(report.json) : report.text(), terminator: "")
        }
    }

    struct HeatmapReport: ParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "heatmap",
            abstract: "Access heatmap over time and address, in the terminal or as an SVG or PNG image.",
            discussion: """
                The address axis shows only where the target had regions: the unmapped gaps between a \
                process's mappings (terabytes between heap and stack) are cut out, and each span of mapped \
                addresses gets columns in proportion to its size. --output FILE.svg writes an image with \
                axes and a legend; FILE.png converts it with rsvg-convert (Debian's librsvg2-bin).
                """)
        @ParentCommand var swamonctl: Swamonctl
        @OptionGroup var source: ReportSource
        @Option(name: .shortAndLong, help: "Write an image (.svg or .png) instead of printing.") var output: String?
        @Option(help: "Time slices (default: 30 in the terminal, 200 in an image; at most one per snapshot).") var rows: Int?
        @Option(help: "Address cells (default: the terminal's width, 120 in an image).") var columns: Int?
        @Option(help: ArgumentHelp("Colours in the terminal: auto, always or never.", valueName: "when")) var color = "auto"

        func validate() throws {
            if let rows, !(1...2000).contains(rows) { throw ValidationError("--rows must be 1 to 2000") }
            if let columns, !(1...2000).contains(columns) { throw ValidationError("--columns must be 1 to 2000") }
            guard ["auto", "always", "never"].contains(color) else { throw ValidationError("--color must be auto, always or never") }
            if let output, !(output.hasSuffix(".svg") || output.hasSuffix(".png")) { throw ValidationError("--output must end in .svg or .png") }
        }

        func run() throws {
            let session = swamonctl.session
            let records = try source.records(session, live: .recording)
            guard !records.isEmpty else { throw session.fail("no snapshot to draw") }
            if let output {
                guard let map = Heatmap(records[0], rows: rows ?? 200, columns: columns ?? 120, minimumSpanColumns: 4) else { throw session.fail("no region to draw") }
                if records.count > 1 {
                    let others = records.dropFirst().map { String($0.targetID) }.joined(separator: ", ")
                    FileHandle.standardError.write(Data("swamonctl: drawing \(records[0].label); --target \(others) draws another\n".utf8))
                }
                try ImageOutput.write(svg: HeatmapSVG.render(map), to: output, session: session)
                return
            }
            let colour = color == "always" || (color == "auto" && isatty(STDOUT_FILENO) == 1)
            var width = Int32(80)
            var size = winsize()
            if ioctl(STDOUT_FILENO, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 20 { width = Int32(size.ws_col) }
            for record in records {
                guard let map = Heatmap(record, rows: rows ?? 30, columns: columns ?? Int(width) - 12) else { continue }
                print(HeatmapText.render(map, colour: colour), terminator: "")
            }
        }
    }

    struct Access: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "The last snapshot as a table: address range, size, access rate, age (as damo report access).")
        @ParentCommand var swamonctl: Swamonctl
        @OptionGroup var source: ReportSource
        @Option(help: ArgumentHelp("address, access, age or size (the last three largest first).", valueName: "key")) var sort = "address"

        func validate() throws {
            guard AccessReport.Order(rawValue: sort) != nil else { throw ValidationError("--sort must be address, access, age or size") }
        }

        func run() throws {
            let session = swamonctl.session
            let reports = try source.records(session, live: .lastSnapshot).compactMap(AccessReport.init)
            let order = AccessReport.Order(rawValue: sort)!
            if session.json { return print(jsonText(reports.map { $0.json(order: order) })) }
            print(reports.map { $0.text(order: order) }.joined(separator: "\n"), terminator: "")
        }
    }

    struct Idle: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Bytes not accessed for at least 10 s, 1 min, 5 min and 30 min: the cold-memory curve.")
        @ParentCommand var swamonctl: Swamonctl
        @OptionGroup var source: ReportSource

        func run() throws {
            let session = swamonctl.session
            let report = IdleReport(try source.records(session, live: .lastSnapshot))
            print(session.json ? jsonText(report.json) : report.text(), terminator: "")
        }
    }
}

/// Where a report's records come from: `--input`, else the running daemon.
struct ReportSource: ParsableArguments {
    @Option(name: .shortAndLong, help: "A record file (swamonctl record or damo record); default: live from swamond.") var input: String?
    @Option(help: "Live: only this context (default: the root context for access and idle, every context otherwise).")
    var context: String?
    @Option(help: ArgumentHelp("Live wss and heatmap: how long to follow aggregations.", valueName: "duration")) var duration = "10s"
    @Option(help: "Only this target (a pid, or 42 for paddr).") var target: Int64?

    enum Live { case lastSnapshot, recording }

    func validate() throws {
        guard Quantities.microseconds(duration).map({ $0 > 0 }) == true else { throw ValidationError("--duration: '\(duration)' is not a duration") }
    }

    func records(_ session: Session, live: Live) throws -> [TargetRecord] {
        var records: [TargetRecord]
        if let input {
            guard let data = FileManager.default.contents(atPath: input) else {
                throw session.fail("cannot read \(input): \(String(cString: strerror(errno)))")
            }
            do { records = try DamoRecordFile.decode(Array(data)) } catch { throw session.fail("\(input): \(error)") }
        } else if live == .recording {
            records = try LiveRecording.record(session, context: context, microseconds: Quantities.microseconds(duration), announce: true)
        } else {
            records = try lastSnapshot(session)
        }
        if let target { records = records.filter { $0.targetID == target } }
        guard !records.isEmpty else { throw session.fail(target.map { "no record of target \($0)" } ?? "no snapshot yet: is monitoring on?") }
        return records
    }

    /// The context's `regions` (its last aggregation) as one snapshot per target, ending now.
    func lastSnapshot(_ session: Session) throws -> [TargetRecord] {
        let client = try session.connect()
        let intervals = try LiveRecording.contextIntervals(session, context ?? "root")
        let text = try session.run(.read(ControlPath(context: context, file: "regions")), on: client)
        guard let rows = ResultsFormat.parseRegions(text) else { throw session.fail("swamond's regions file did not parse") }
        var builder = RecordBuilder()
        let now = DispatchTime.now().uptimeNanoseconds
        var order: [Int64] = []
        var regions: [Int64: [RecordRegion]] = [:]
        for (target, region) in rows {
            if regions[target] == nil { order.append(target) }
            regions[target, default: []].append(region)
        }
        for target in order { builder.add(target: target, intervals: intervals, end: now, regions: regions[target]!) }
        return builder.records
    }
}

/// An SVG written as it is, or converted to PNG by rsvg-convert.
enum ImageOutput {
    static func write(svg: String, to path: String, session: Session) throws {
        if path.hasSuffix(".svg") {
            guard FileManager.default.createFile(atPath: path, contents: Data(svg.utf8)) else { throw session.fail("cannot write \(path)") }
            return
        }
        let converter = ["/usr/bin/rsvg-convert", "/usr/local/bin/rsvg-convert"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let converter else {
            throw session.fail("PNG output needs rsvg-convert (apt-get install librsvg2-bin); --output with .svg needs nothing")
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: converter)
        process.arguments = ["--format", "png", "--output", path]
        let input = Pipe()
        process.standardInput = input
        try process.run()
        input.fileHandleForWriting.write(Data(svg.utf8))
        try input.fileHandleForWriting.close()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else { throw session.fail("rsvg-convert could not convert the heatmap (exit \(process.terminationStatus))") }
    }
}
