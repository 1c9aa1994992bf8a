import ArgumentParser
import Foundation
import SwamonClient
import SwamonCore
import SwamonProtocol

/// How one swamonctl invocation talks to swamond and reports: one connection, answers printed
/// as text or JSON, refusals turned into exit status 1 and unreachable daemons into 2.
struct Session {
    let path: String
    let json: Bool

    static let unreachable = ExitCode(2)

    func connect() throws -> ControlClient {
        do { return try ControlClient(path: path) } catch {
            throw fail(error.description, code: Self.unreachable)
        }
    }

    /// Sends one request and returns the reply's content; a refusal is printed and exits 1.
    func run(_ request: Request, on client: ControlClient? = nil) throws -> String {
        switch try exchange(request, on: client) {
        case .ok(let content): return content
        case .error(let error): throw refused(error)
        }
    }

    /// Sends one request and returns swamond's answer, refusal or not.
    func exchange(_ request: Request, on client: ControlClient? = nil) throws -> Response {
        let client = try client ?? connect()
        do { return try client.send(request) } catch { throw fail(error.description, code: Self.unreachable) }
    }

    /// A context's attrs as swamond reads them back; nil when that is not five numbers.
    func attributes(context: String?, on client: ControlClient? = nil) throws -> Attributes? {
        let text = try run(.read(ControlPath(context: context, file: "attrs")), on: client)
        return try? AttrsFormat.parse(text)
    }

    /// Writes a file; prints `{"ok": true}` under --json.
    func write(_ path: ControlPath, _ content: String) throws {
        _ = try run(.write(path, content: content))
        if json { print(jsonText(["ok": true])) }
    }

    /// Prints a refusal (errno and message, with hints in swamonctl's words) and returns exit 1.
    func refused(_ error: ControlError) -> ExitCode {
        let message = Self.hinted(error.message)
        if json {
            print(jsonText(["ok": false, "errno": error.name.rawValue, "message": message]))
        } else {
            FileHandle.standardError.write(Data("swamonctl: \(error.name.rawValue): \(message)\n".utf8))
        }
        return ExitCode.failure
    }

    /// Prints a client-side failure and returns `code`.
    func fail(_ message: String, code: ExitCode = .failure) -> ExitCode {
        if json {
            print(jsonText(["ok": false, "errno": NSNull(), "message": message]))
        } else {
            FileHandle.standardError.write(Data("swamonctl: \(message)\n".utf8))
        }
        return code
    }

    /// swamond's hints name protocol files ("write target_ids first"); swamonctl users type commands.
    static func hinted(_ message: String) -> String {
        var text = message
        for (protocolHint, command) in [
            ("write 'off' to monitor_on first", "stop monitoring first (swamonctl stop)"),
            ("write target_ids first", "set targets first (swamonctl targets PID…)"),
            ("write 'paddr' to target_ids", "use swamonctl targets paddr"),
            ("write 'paddr' to operations", "use swamonctl write operations paddr"),
            ("make it with mk_contexts", "make it with swamonctl contexts add NAME"),
            ("only contexts made by mk_contexts can be removed", "only contexts made by swamonctl contexts add can be removed"),
            ("try 'help'", "see swamonctl --help"),
        ] {
            text = text.replacingOccurrences(of: protocolHint, with: command)
        }
        return text
    }
}

/// JSON text of `value` with sorted keys, one line.
func jsonText(_ value: Any) -> String {
    guard let data = try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes]) else {
        return "null"
    }
    return String(decoding: data, as: UTF8.self)
}

/// A `[CONTEXT/]FILE` argument, checked before anything is sent.
func parsedPath(_ text: String) throws -> ControlPath {
    do { return try ControlPath(parsing: Substring(text)) } catch { throw ValidationError(error.message) }
}
