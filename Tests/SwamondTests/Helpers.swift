import Foundation
import Glibc
import Testing
import SwamonTestSupport

/// Asserts a response is `ok` (with `content`, when given).
func expectOK(_ response: (content: String, status: String), _ content: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status == "ok", "status: \(response.status)", sourceLocation: sourceLocation)
    if let content { #expect(response.content == content, sourceLocation: sourceLocation) }
}

/// Asserts a response is `error <errno> …` with a non-empty message.
func expectError(_ response: (content: String, status: String), _ errno: String, sourceLocation: SourceLocation = #_sourceLocation) {
    #expect(response.status.hasPrefix("error \(errno) "), "status: \(response.status)", sourceLocation: sourceLocation)
    #expect(response.status.count > "error \(errno) ".count + 5, "a message says what to do", sourceLocation: sourceLocation)
    #expect(response.content.isEmpty, sourceLocation: sourceLocation)
}

/// Waits until `condition` holds, up to `seconds`.
func eventually(_ seconds: Double = 10, _ condition: () throws -> Bool) rethrows -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if try condition() { return true }
        usleep(20_000)
    }
    return try condition()
}

/// A long-running process owned by root, to use as a target.
func sleeper() throws -> ChildProcess { try ChildProcess("/bin/sleep", ["600"]) }

/// Runs a command to completion; returns its exit status, standard output and standard error.
@discardableResult
func runCommand(_ executable: String, _ arguments: [String], input: String? = nil, environment: [String: String]? = nil)
    throws -> (status: Int32, out: String, err: String)
{
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable)
    process.arguments = arguments
    if let environment { process.environment = environment }
    let out = Pipe()
    let err = Pipe()
    let inPipe = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = inPipe
    try process.run()
    if let input { inPipe.fileHandleForWriting.write(Data(input.utf8)) }
    try inPipe.fileHandleForWriting.close()
    let outData = out.fileHandleForReading.readDataToEndOfFile()
    let errData = err.fileHandleForReading.readDataToEndOfFile()
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}

/// Fields of the `context=NAME` line of `status`.
func statusFields(_ daemon: Daemon, context: String = "root") throws -> [String: String] {
    let status = try daemon.ask("status").content
    let line = status.split(separator: "\n").first { $0.hasPrefix("context=\(context) ") } ?? ""
    var fields: [String: String] = [:]
    for word in line.split(separator: " ") {
        let parts = word.split(separator: "=", maxSplits: 1)
        if parts.count == 2 { fields[String(parts[0])] = String(parts[1]) }
    }
    return fields
}

/// Bytes of `start..<end` inside `range`.
func overlap(_ start: UInt64, _ end: UInt64, _ range: Range<UInt64>) -> UInt64 {
    min(end, range.upperBound) > max(start, range.lowerBound) ? min(end, range.upperBound) - max(start, range.lowerBound) : 0
}

/// Whether ≥ 90 % of `start..<end` lies in `range`. Monitoring regions need not end where
/// mappings do: the one over a workload's first mapping usually starts on the guard page below it.
func mostlyInside(_ start: UInt64, _ end: UInt64, _ range: Range<UInt64>) -> Bool {
    overlap(start, end, range) * 10 >= (end - start) * 9
}

/// Runs swamonctl against `daemon` as the test's own identity.
func swamonctl(_ daemon: Daemon, _ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
    var environment = ProcessInfo.processInfo.environment
    environment["SWAMON_SOCKET"] = daemon.socketPath
    return try runCommand(productPath("swamonctl"), arguments, input: input, environment: environment)
}

/// Runs swamonctl against `daemon` as another identity (`setpriv` arguments).
func swamonctl(_ daemon: Daemon, as identity: [String], _ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
    var environment = ProcessInfo.processInfo.environment
    environment["SWAMON_SOCKET"] = daemon.socketPath
    return try runCommand("/usr/bin/setpriv", identity + [productPath("swamonctl")] + arguments, environment: environment)
}

/// A sleeping process of uid 65534 in group `users` (AuthorizationTests.member), returned once it
/// runs under that uid.
func memberSleeper() throws -> ChildProcess {
    let process = try ChildProcess("/usr/bin/setpriv", AuthorizationTests.member + ["/bin/sleep", "600"])
    #expect(eventually {
        (try? String(contentsOfFile: "/proc/\(process.pid)/status", encoding: .utf8))?.contains("Uid:\t65534") == true
    })
    return process
}
