import ArgumentParser
import SwamonProtocol
import SwamonReports

struct Regions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the regions of a context's last aggregation.")
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Context (default: the root context).") var context: String?

    func run() throws {
        let session = swamonctl.session
        let text = try session.run(.read(ControlPath(context: context, file: "regions")))
        guard let rows = ResultsFormat.parseRegions(text) else { throw session.fail("swamond's regions file did not parse") }
        if session.json {
            print(jsonText(rows.map { target, region -> [String: Any] in
                ["target": target, "start": region.start, "end": region.end, "nr_accesses": region.nrAccesses, "age": region.age]
            }))
            return
        }
        let contextName = context ?? "root"
        if let unit = StatusReport(try session.run(.status)).contexts.first(where: { $0["context"] == contextName })?["unit"] {
            // The unit-level view: its processes summed.
            let targets = Set(rows.map(\.target))
            let total = rows.reduce(UInt64(0)) { $0 &+ $1.region.size }
            let accessed = rows.reduce(UInt64(0)) { $0 &+ ($1.region.nrAccesses > 0 ? $1.region.size : 0) }
            print("# unit \(unit): \(targets.count) process\(targets.count == 1 ? "" : "es"), \(humanBytes(accessed)) of \(humanBytes(total)) accessed")
        }
        print("target  start-end                        size      nr_accesses  age")
        for (target, region) in rows {
            let range = "\(ResultsFormat.hex(region.start))-\(ResultsFormat.hex(region.end))"
            print(
                "\(padded(String(target), 7)) \(padded(range, 32)) \(padded(humanBytes(region.size), 9)) \(padded(String(region.nrAccesses), 12)) \(region.age)")
        }
    }
}

/// `text` padded with spaces to at least `width` characters.
func padded(_ text: some StringProtocol, _ width: Int) -> String {
    text.count >= width ? String(text) : String(text) + String(repeating: " ", count: width - text.count)
}
