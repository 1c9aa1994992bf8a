import ArgumentParser
import CEditLine
import Foundation
import SwamonClient
import SwamonProtocol

struct Shell: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Type raw protocol requests at a prompt (the default with no command).",
        discussion: "On a terminal the prompt has line editing and a history kept in ~/.swamonctl_history. Piped input is read line by line; a refused request makes the whole run exit 1.")
    @ParentCommand var swamonctl: Swamonctl

    func run() throws {
        let session = swamonctl.session
        let client = try session.connect()
        let terminal = isatty(0) != 0
        let history = terminal ? ProcessInfo.processInfo.environment["HOME"].map { "\($0)/.swamonctl_history" } : nil
        if let history {
            stifle_history(1000)
            read_history(history)
        }
        defer { if let history { write_history(history) } }
        var failed = false
        while let line = terminal ? Self.prompt() : Swift.readLine(strippingNewline: true) {
            let request = line.trimmingCharacters(in: .whitespaces)
            if request.isEmpty { continue }
            if terminal { add_history(request) }
            let response: Response
            do {
                try client.sendLine(request)
                response = try client.readResponse()
            } catch {
                throw session.fail(error.description, code: Session.unreachable)
            }
            switch response {
            case .ok(let content):
                print(session.json ? jsonText(["ok": true, "content": content]) : content + "ok")
            case .error(let error):
                print(session.json ? jsonText(["ok": false, "errno": error.name.rawValue, "message": error.message]) : "error \(error.name.rawValue) \(error.message)")
                failed = true
            }
            if request == "quit" { break }
        }
        if terminal { print() }  // end the line the prompt was on after ^D
        if failed && !terminal { throw ExitCode.failure }
    }

    /// One line from libedit's prompt, nil at end of input (^D).
    static func prompt() -> String? {
        guard let line = readline("swamon> ") else { return nil }
        defer { free(line) }
        return String(cString: line)
    }
}
