import ArgumentParser
import Foundation
import SwamonProtocol

/// `start` and `stop` are idempotent, as systemctl's are: asking for the state monitoring is
/// already in says so and succeeds.
struct Start: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Start monitoring every context (monitor_on on).")
    @ParentCommand var swamonctl: Swamonctl
    func run() throws {
        try switchMonitoring(swamonctl.session, on: true)
    }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop monitoring every context (monitor_on off).")
    @ParentCommand var swamonctl: Swamonctl
    func run() throws {
        try switchMonitoring(swamonctl.session, on: false)
    }
}

func switchMonitoring(_ session: Session, on: Bool) throws {
    let client = try session.connect()
    let switchFile = ControlPath(file: RootFile.monitorOn.rawValue)
    switch try session.exchange(.write(switchFile, content: on ? "on" : "off"), on: client) {
    case .ok:
        if session.json { print(jsonText(["ok": true, "changed": true])) }
    case .error(let error):
        // EBUSY for on and EPERM for off mean "already so" only when the switch reads that way.
        let already = (on && error.name == .EBUSY) || (!on && error.name == .EPERM)
        guard already, case .ok(let state) = try session.exchange(.read(switchFile), on: client),
            state == (on ? "on\n" : "off\n")
        else { throw session.refused(error) }
        if session.json { return print(jsonText(["ok": true, "changed": false])) }
        print(on ? "monitoring was already on" : "monitoring was not running")
    }
}
