import ArgumentParser
import Foundation
import SwamonProtocol

struct Targets: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show or set what a context monitors: processes by pid, a systemd unit, a control group, or physical memory (paddr).",
        discussion: """
            --unit NAME (target_ids unit:NAME) monitors every process of a systemd unit, and --cgroup PATH \
            (cgroup:PATH) every process of a control group: processes that join are added and those that \
            exit dropped at each update interval, and monitoring stops by itself when the unit is gone or \
            empty. A non-root member of the control group may name only its own units (those of its \
            user@UID.service).
            """)
    @ParentCommand var swamonctl: Swamonctl
    @Option(help: "Context (default: the root context).") var context: String?
    @Flag(help: "Monitor nothing (clear the targets).") var clear = false
    @Option(help: ArgumentHelp("Every process of this systemd unit, e.g. nginx.service.", valueName: "name")) var unit: String?
    @Option(help: ArgumentHelp("Every process of this control group, e.g. /system.slice/nginx.service.", valueName: "path"))
    var cgroup: String?
    @Argument(help: ArgumentHelp("Process ids, or the single word paddr (none: show the targets).", valueName: "pid"))
    var pids: [String] = []

    func validate() throws {
        let chosen = [clear || !pids.isEmpty, unit != nil, cgroup != nil].filter { $0 }.count
        if chosen > 1 { throw ValidationError("give pids, --unit, --cgroup or --clear, one of them") }
        if let unit, !TargetIDsFormat.isUnitName(Substring(unit)) {
            throw ValidationError("'\(unit)' is not a unit name: NAME.service, NAME.scope or NAME.slice")
        }
        if let cgroup, !TargetIDsFormat.isControlGroupPath(Substring(cgroup)) {
            throw ValidationError("'\(cgroup)' is not a control group path: /system.slice/NAME.service, without . or ..")
        }
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
        if let unit { return try session.write(path, "unit:\(unit)") }
        if let cgroup { return try session.write(path, "cgroup:\(cgroup)") }
        if clear || !pids.isEmpty {
            return try session.write(path, pids.joined(separator: " "))
        }
        let text = try session.run(.read(path))
        guard session.json else { return print(text, terminator: "") }
        let word = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if word.hasPrefix("unit:") || word.hasPrefix("cgroup:") { return print(jsonText([word])) }
        print(jsonText(text.split(whereSeparator: \.isWhitespace).compactMap { Int($0) }))
    }
}
