import Dispatch
import Foundation
import Logging
import SwamonDaemon
import SwamonFuzzing
import SwamonProtocol

/// The registry driven by request sequences, without threads: each input line is a request
/// handled for one of three peers (root, a member of the control group, a reader), chosen by the
/// line's first byte. `monitor_on` writes are left out (they start monitoring threads) and
/// `watch`/`quit` belong to connections. After the sequence, every file of every context must
/// still read without trapping and `status` must answer, for every peer.
func fuzzRegistry(_ bytes: [UInt8]) {
    let registry = Registry(
        configuration: Configuration(socketPath: "/nonexistent/swamond.sock"),
        results: ResultsLog(logger: Logger(label: "fuzz", factory: { _ in SwiftLogNoOpLogHandler() })))
    let peers = [
        Peer.daemon,
        Peer.authorize(pid: 1, uid: 1000, gid: 1000, groups: [4242], controlGroup: 4242),
        Peer.authorize(pid: 1, uid: 1001, gid: 1001, groups: [], controlGroup: 4242),
    ]
    for line in bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true).prefix(64) {
        let peer = peers[Int(line.first!) % peers.count]
        guard let request = try? Request(parsing: Substring(String(decoding: line.dropFirst(), as: UTF8.self))) else { continue }
        switch request {
        case .watch, .quit: continue
        case .write(let path, _) where path.file == RootFile.monitorOn.rawValue: continue
        default: break
        }
        answer(registry.handle(request, from: peer))
    }
    for peer in peers {
        answer(registry.handle(.status, from: peer))
        for context in [nil, "a", "b"] as [String?] {
            for file in ContextFile.allCases {
                answer(registry.handle(.read(ControlPath(context: context, file: file.rawValue)), from: peer))
            }
        }
    }
}

/// Waits for a reply that comes later (none should without a state file or monitoring).
func answer(_ reply: Reply) {
    guard case .later(let work) = reply else { return }
    let done = DispatchSemaphore(value: 0)
    work { _ in done.signal() }
    done.wait()
}

#if FUZZING
/// The entry point SwiftPM links as `main` for this executable: hands control to libFuzzer.
@_cdecl("swamon_fuzz_registry_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>) -> CInt {
    FuzzEntry.runLibFuzzer(argc, argv, fuzzerTestOneInput)
}

/// libFuzzer's own entry (also used when its `main` is the one linked).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzerTestOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    fuzzRegistry(FuzzEntry.bytes(data, size))
    return 0
}
#else
@main
struct ReplayRegistry {
    static func main() {
        let count = FuzzEntry.replay(Array(CommandLine.arguments.dropFirst()), fuzzRegistry)
        print("swamon-fuzz-registry: \(count) inputs replayed, no crash")
    }
}
#endif
