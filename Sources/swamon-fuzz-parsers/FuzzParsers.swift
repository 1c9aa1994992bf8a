import Foundation
import SwamonCore
import SwamonDaemon
import SwamonFuzzing
import SwamonLinux
import SwamonProtocol
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
    if let input = try? TargetIDsFormat.parse(text), case .pids(let pids) = input {
        _ = TargetIDsFormat.render(pids.map { Target.ID(truncatingIfNeeded: $0) })
    }
    for ids in [[], [1], [1, 2, 3], [Target.ID.max]] as [[Target.ID]] {
        if let regions = try? InitRegionsFormat.parse(text, targetIDs: ids) {
            let rendered = InitRegionsFormat.render(targetIDs: ids, regions: regions)
            let again = try? InitRegionsFormat.parse(rendered.split(separator: "\n").joined(separator: " "), targetIDs: ids)
            FuzzEntry.require(again == regions, "init_regions do not round-trip: \(text)")
        }
    }
    if let schemes = try? SchemesFormat.parse(text) {
        let inputs = SchemesFormat.render(schemes).split(separator: "\n").map { $0.split(separator: " ").prefix(18).joined(separator: " ") }
        let again = try? SchemesFormat.parse(inputs.joined(separator: " "))
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
