import ArgumentParser
import Foundation
import SwamonClient
import SwamonProtocol

struct Watch: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Follow aggregations as they happen: one line per target per aggregation, until interrupted.",
        discussion: "By default each line says when, which context and target, how many regions and how much was accessed. --raw prints the protocol's watch line (every region), --json one object per line.")
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Only this context.") var context: String?
    @Flag(help: "Print the protocol's watch lines as they arrive.") var raw = false

    func run() throws {
        let session = swamonctl.session
        let client = try session.connect()
        if case .error(let error) = try session.exchange(.watch(context: context), on: client) { throw session.refused(error) }
        do {
            while let line = try client.readLine() {
                if raw {
                    print(line)
                } else if let aggregation = ResultsFormat.parseWatchLine(line) {
                    print(session.json ? jsonText(aggregation.json) : aggregation.human)
                }
                fflush(nil)
            }
        } catch {
            throw session.fail(error.description, code: Session.unreachable)
        }
    }
}

/// How `swamonctl watch` prints one decoded `aggregation …` line.
extension ResultsFormat.WatchLine {
    var json: [String: Any] {
        [
            "context": context, "target": target, "time_ns": monotonicNanoseconds, "nr_regions": regions.count,
            "total_bytes": totalBytes, "accessed_bytes": accessedBytes,
            "regions": regions.map { ["start": $0.start, "end": $0.end, "nr_accesses": $0.nrAccesses, "age": $0.age] },
        ]
    }

    /// "22:41:03 root pid 4242: 27 regions, 30.1 MiB of 625 MiB accessed (max nr_accesses 20)".
    var human: String {
        var realNow = timespec()
        var monotonicNow = timespec()
        clock_gettime(CLOCK_REALTIME, &realNow)
        clock_gettime(CLOCK_MONOTONIC, &monotonicNow)
        let age = Double(UInt64(monotonicNow.tv_sec) * 1_000_000_000 + UInt64(monotonicNow.tv_nsec)) - Double(monotonicNanoseconds)
        let when = Date(timeIntervalSince1970: Double(realNow.tv_sec) + Double(realNow.tv_nsec) / 1e9 - age / 1e9)
        let who = target == TargetIDsFormat.paddrTargetID ? "paddr" : "pid \(target)"
        let hottest = regions.map(\.nrAccesses).max() ?? 0
        return "\(Self.clock.string(from: when)) \(context) \(who): \(regions.count) regions, \(humanBytes(accessedBytes)) of \(humanBytes(totalBytes)) accessed (max nr_accesses \(hottest))"
    }

    static let clock: DateFormatter = {
        let formatter = DateFormatter()
        formatter.dateFormat = "HH:mm:ss"
        return formatter
    }()
}
