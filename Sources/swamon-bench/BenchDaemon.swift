import ArgumentParser
import Foundation
import SwamonClient
import SwamonProtocol

/// A swamond of the benchmark's own (socket in a scratch directory, killed at the end) with
/// `contexts` contexts, each monitoring a workload of its own with `regions` regions.
final class BenchDaemon {
    let directory: String
    let socket: String
    let logPath: String
    let process = Process()
    let control: ControlClient
    var workloads: [Workload] = []

    init(arguments: [String] = []) throws {
        directory = NSTemporaryDirectory() + "swamon-bench-\(getpid())"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        socket = "\(directory)/swamond.sock"
        logPath = "\(directory)/swamond.log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        process.executableURL = siblingExecutable("swamond")
        process.arguments = ["--socket", socket, "--log-target", "stderr", "--set", "journal_every=0"] + arguments
        process.standardError = FileHandle(forWritingAtPath: logPath)
        try process.run()
        while !FileManager.default.fileExists(atPath: socket) { usleep(50_000) }
        control = try ControlClient(path: socket)
    }

    deinit {
        workloads.forEach { $0.stop() }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
        try? FileManager.default.removeItem(atPath: directory)
    }

    var pid: Int32 { process.processIdentifier }

    /// The content of a successful answer.
    func ask(_ line: String) throws -> String {
        try control.sendLine(line)
        switch try control.readResponse() {
        case .ok(let content): return content
        case .error(let error): throw ValidationError("\(line): \(error.name.rawValue) \(error.message)")
        }
    }

    /// Makes the contexts (root, c1, …), one workload each, the referenced access check, min =
    /// max regions, aggregation 20 samples; starts them and waits until each has aggregated three
    /// times. Returns the contexts' names and their region counts.
    func monitor(contexts: Int, regions: Int, sampleUs: Int) throws -> (names: [String], regions: [Int]) {
        let names = ["root"] + (1..<contexts).map { "c\($0)" }
        for name in names.dropFirst() { _ = try ask("write mk_contexts \(name)") }
        for name in names {
            let workload = try Workload(hotMiB: 2, coldMiB: 30)
            workloads.append(workload)
            _ = try ask("write \(name)/attrs \(sampleUs) \(sampleUs * 20) \(sampleUs * 200) \(regions) \(regions)")
            _ = try ask("write \(name)/access_check referenced")
            _ = try ask("write \(name)/target_ids \(workload.pid)")
        }
        _ = try ask("write monitor_on on")
        let deadline = Date().addingTimeInterval(120)
        var counts: [Int] = []
        repeat {
            usleep(200_000)
            counts = try contextFields().map { fields in
                (Int(fields["aggregations"] ?? "") ?? 0) >= 3 ? Int(fields["regions"] ?? "") ?? 0 : 0
            }
        } while counts.contains(0) && Date() < deadline
        return (names, counts)
    }

    /// The `key=value` words of each `context=` line of `status`.
    func contextFields() throws -> [[String: String]] {
        try ask("status").split(separator: "\n").filter { $0.hasPrefix("context=") }.map { line in
            var fields: [String: String] = [:]
            for word in line.split(separator: " ") {
                let pair = word.split(separator: "=", maxSplits: 1)
                if pair.count == 2 { fields[String(pair[0])] = String(pair[1]) }
            }
            return fields
        }
    }
}
