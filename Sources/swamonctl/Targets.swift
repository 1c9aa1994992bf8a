import ArgumentParser
import SwamonProtocol

struct Targets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set what a context monitors: processes by pid, or physical memory (paddr).")
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Context (default: the root context).") var context: String?
    @Flag(help: "Monitor nothing (clear the targets).") var clear = false
    @Argument(help: ArgumentHelp("Process ids, or the single word paddr (none: show the targets).", valueName: "pid"))
    var pids: [String] = []

    func validate() throws {
        if clear && !pids.isEmpty { throw ValidationError("--clear takes no pids") }
        if pids == ["paddr"] { return }
        for pid in pids {
            guard let number = Int32(pid), number > 0 else {
                throw ValidationError(
                    pids.contains("paddr") ? "paddr stands alone: it cannot be mixed with pids" : "'\(pid)' is not a process id (a positive whole number)")
            }
            _ = number
        }
    }

    func run() throws {
        let session = swamonctl.session
        let path = ControlPath(context: context, file: "target_ids")
        if clear || !pids.isEmpty {
            return try session.write(path, pids.joined(separator: " "))
        }
        let text = try session.run(.read(path))
        guard session.json else { return print(text, terminator: "") }
        print(jsonText(text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }))
    }
}
