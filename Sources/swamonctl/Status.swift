import ArgumentParser
import Foundation
import SwamonProtocol

struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Show the daemon and every context (key=value words, one line each).")
    @ParentCommand var swamonctl: Swamonctl
    func run() throws {
        let session = swamonctl.session
        let text = try session.run(.status)
        guard session.json else { return print(text, terminator: "") }
        let report = StatusReport(text)
        print(jsonText(["daemon": StatusReport.typed(report.daemon), "contexts": report.contexts.map(StatusReport.typed)]))
    }
}

/// `status` output: `key=value` words, a `daemon` line then one line per context.
struct StatusReport {
    var daemon: [String: String] = [:]
    var contexts: [[String: String]] = []

    init(_ text: String) {
        for line in text.split(separator: "\n") {
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                let parts = word.split(separator: "=", maxSplits: 1)
                fields[String(parts[0])] = parts.count > 1 ? String(parts[1]) : ""
            }
            if line.hasPrefix("daemon") {
                fields["daemon"] = nil
                daemon = fields
            } else {
                contexts.append(fields)
            }
        }
    }

    /// Fields with JSON types: whole numbers as numbers, `targets` as a list of ids, `-` as null,
    /// and `last_stop`'s words with their spaces back.
    static func typed(_ fields: [String: String]) -> [String: Any] {
        var result: [String: Any] = [:]
        for (key, value) in fields {
            switch key {
            case "targets": result[key] = value == "-" ? [] : value.split(separator: ",").map { Int($0).map { $0 as Any } ?? String($0) }
            case "version", "context", "state", "operations", "access_check", "state_file": result[key] = value
            case _ where value == "-": result[key] = NSNull()
            case "last_stop": result[key] = value.replacingOccurrences(of: "_", with: " ")
            default: result[key] = Int(value).map { $0 as Any } ?? value
            }
        }
        return result
    }
}
