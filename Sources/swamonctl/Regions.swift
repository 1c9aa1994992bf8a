import ArgumentParser
import SwamonProtocol

struct Regions: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show the regions of a context's last aggregation.")
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Context (default: the root context).") var context: String?

    func run() throws {
        let session = swamonctl.session
        let text = try session.run(.read(ControlPath(context: context, file: "regions")))
        let rows = text.split(separator: "\n").map { $0.split(separator: " ") }.filter { $0.count == 5 }
        if session.json {
            print(jsonText(rows.map { row -> [String: Any] in
                [
                    "target": Int(row[0]) ?? 0, "start": UInt64(row[1], radix: 16) ?? 0, "end": UInt64(row[2], radix: 16) ?? 0,
                    "nr_accesses": Int(row[3]) ?? 0, "age": Int(row[4]) ?? 0,
                ]
            }))
            return
        }
        let status = try session.run(.status)
        let line = status.split(separator: "\n").first { $0.hasPrefix("context=\(context ?? "root") ") }
        if let unit = line?.split(separator: " ").first(where: { $0.hasPrefix("unit=") })?.dropFirst(5) {
            // The unit-level view: its processes summed.
            let targets = Set(rows.map { $0[0] })
            var total: UInt64 = 0
            var accessed: UInt64 = 0
            for row in rows {
                let size = (UInt64(row[2], radix: 16) ?? 0) &- (UInt64(row[1], radix: 16) ?? 0)
                total &+= size
                if (Int(row[3]) ?? 0) > 0 { accessed &+= size }
            }
            print("# unit \(unit): \(targets.count) process\(targets.count == 1 ? "" : "es"), \(humanBytes(accessed)) of \(humanBytes(total)) accessed")
        }
        print("target  start-end                        size      nr_accesses  age")
        for row in rows {
            let size = (UInt64(row[2], radix: 16) ?? 0) &- (UInt64(row[1], radix: 16) ?? 0)
            print(
                "\(padded(row[0], 7)) \(padded("\(row[1])-\(row[2])", 32)) \(padded(humanBytes(size), 9)) \(padded(row[3], 12)) \(row[4])")
        }
    }
}

/// `text` padded with spaces to at least `width` characters.
func padded(_ text: some StringProtocol, _ width: Int) -> String {
    text.count >= width ? String(text) : String(text) + String(repeating: " ", count: width - text.count)
}
