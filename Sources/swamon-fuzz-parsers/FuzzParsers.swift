import Foundation
import SwamonCore
import SwamonDaemon
import SwamonFuzzing
import SwamonLinux
import SwamonProtocol
import SwamonReports
import SwamonSysfs
import SystemPackage
import SwamonWorkload

/// Every text swamon parses from outside, fed the same bytes: a request line, each protocol
/// file's content, the configuration file, masim-style workload configurations and the /proc
/// files the backends read. Besides not trapping, what parses must render and parse back to the
/// same value.
func fuzzParsers(_ bytes: [UInt8]) {
    let text = String(decoding: bytes, as: UTF8.self)
    _ = try? Request(parsing: Substring(text))
    if let attributes = try? AttrsFormat.parse(text) {
        _ = try? attributes.validate()
        let again = try? AttrsFormat.parse(AttrsFormat.render(attributes))
        FuzzEntry.require(again == attributes, "attrs do not round-trip: \(text)")
    }
    if let input = try? TargetIDsFormat.parse(text) {
        if case .pids(let pids) = input { _ = TargetIDsFormat.render(pids.map { Target.ID(truncatingIfNeeded: $0) }) }
        if let word = input.word { FuzzEntry.require((try? TargetIDsFormat.parse(word)) == input, "target_ids word does not round-trip: \(text)") }
    }
    for ids in [[], [1], [1, 2, 3], [Target.ID.max]] as [[Target.ID]] {
        if let regions = try? InitRegionsFormat.parse(text, targetIDs: ids) {
            let rendered = InitRegionsFormat.render(targetIDs: ids, regions: regions)
            let again = try? InitRegionsFormat.parse(rendered.split(separator: "\n").joined(separator: " "), targetIDs: ids)
            FuzzEntry.require(again == regions, "init_regions do not round-trip: \(text)")
        }
    }
    if let schemes = try? SchemesFormat.parse(text) {
        let again = try? SchemesFormat.parse(SchemesFormat.inputs(ofReadBack: SchemesFormat.render(schemes)))
        FuzzEntry.require(again == schemes, "schemes do not round-trip: \(text)")
    }
    _ = try? MonitorOnFormat.parse(text)
    _ = try? ContextName.validate(Substring(text))
    var configuration = Configuration(socketPath: "/run/swamond/swamond.sock")
    try? configuration.apply(text, source: "fuzz")
    _ = try? WorkloadConfig(parsing: text)
    _ = ProcMaps.ranges(text)
    _ = ProcSmaps.areas(bytes)
    _ = ProcessCredentials(status: text, procOwner: 0)
    _ = ControlGroups.mountPoint(inMountinfo: text)
    _ = ProcessLabels.unit(ofCgroupFile: text)
    _ = MetricsAddress(text)
    _ = MountInfo.parse(text)
    fuzzSysfs(text)
    _ = JournalTime.parse(text, now: Date(timeIntervalSince1970: 1_796_040_000))
    // What swamonctl reads from swamond and from record files.
    _ = ResultsFormat.parseWatchLine(text)
    _ = ResultsFormat.parseRegions(text)
    fuzzRecords(bytes)
}

/// A record file (swamonctl's, damo's, or anything): what decodes re-encodes to the same records,
/// and every report draws it without trapping.
func fuzzRecords(_ bytes: [UInt8]) {
    guard let records = try? DamoRecordFile.decode(bytes) else { return }
    for format in DamoRecordFile.Format.allCases {
        let again = (try? DamoRecordFile.encode(records, format: format)).flatMap { try? DamoRecordFile.decode($0) }
        FuzzEntry.require(again == records, "a record does not round-trip as \(format.rawValue)")
    }
    _ = WorkingSetReport(records).text()
    _ = IdleReport(records).text()
    for record in records.prefix(4) {
        _ = AccessReport(record)?.text(order: .age)
        if let map = Heatmap(record, rows: 7, columns: 13, minimumSpanColumns: 2) {
            _ = HeatmapText.render(map, colour: true)
            _ = HeatmapSVG.render(map)
        }
    }
}

#if FUZZING
/// The entry point SwiftPM links as `main` for this executable: hands control to libFuzzer.
@_cdecl("swamon_fuzz_parsers_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzEntry.runLibFuzzer(argc, argv, fuzzerTestOneInput)
}

/// libFuzzer's own entry (also used when its `main` is the one linked).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzParsers(FuzzEntry.bytes(data, size))
    return 0
}
#else
@main
struct ReplayParsers {
    static func main() {
        let count = FuzzEntry.replay(Array(CommandLine.arguments.dropFirst()), fuzzParsers)
        print("swamon-fuzz-parsers: \(count) inputs replayed, no crash")
    }
}
#endif

/// swamon-sysfs's stores: a number the kernel's parser takes renders and parses back the same;
/// lines `PATH<TAB>CONTENT` written to a tree over a daemon that says yes to everything never
/// trap, and every directory it then lists resolves.
func fuzzSysfs(_ text: String) {
    if let value = try? KernelInput.unsignedLong(text) {
        FuzzEntry.require((try? KernelInput.unsignedLong(String(value))) == value, "kstrtoul does not round-trip: \(text)")
    }
    if let value = try? KernelInput.int(text) {
        FuzzEntry.require((try? KernelInput.int(String(value))) == value, "kstrtoint does not round-trip: \(text)")
    }
    _ = ResultsFormat.parseTriedRegions(text)
    let tree = SysfsTree(link: AgreeingLink())
    for line in text.split(separator: "\n").prefix(64) {
        let parts = line.split(separator: "\t", maxSplits: 1)
        guard let path = parts.first else { continue }
        try? tree.write(String(path), parts.count > 1 ? String(parts[1]) : "")
        _ = try? tree.read(String(path))
        if case .directory(let names)? = try? tree.node(String(path)) {
            for name in names {
                FuzzEntry.require((try? tree.node("\(path)/\(name)")) != nil, "\(path) lists \(name), which does not resolve")
            }
        }
    }
}

/// A swamond that accepts every request: `ok`, with `off` for a state and nothing else.
final class AgreeingLink: SwamondLink {
    func send(_ request: Request) throws(SwamondLinkError) -> String {
        if case .read(let path) = request, path.file == "state" { return "off\n" }
        return ""
    }
}
