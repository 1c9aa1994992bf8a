public import Foundation

/// A real child process for tests: started from a built executable of this package or a system
/// binary, killed and reaped when the test is done with it.
public final class ChildProcess {
    public let process = Process()
    let output = Pipe()

    /// Starts `executable` with its standard output on a pipe (see `readLine`).
    public init(
        _ executable: String, _ arguments: [String] = [], standardError: String? = nil, environment: [String: String] = [:]
    ) throws {
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        process.standardOutput = output
        if let standardError {
            _ = FileManager.default.createFile(atPath: standardError, contents: nil)
            process.standardError = FileHandle(forWritingAtPath: standardError)
        }
        try process.run()
    }

    /// A workload from this package's build directory, returned once it printed its ready line.
    public static func workload(hotMiB: Int = 8, coldMiB: Int = 64) throws -> (ChildProcess, hot: Range<UInt64>, cold: Range<UInt64>) {
        let child = try ChildProcess(productPath("swamon-workload"), ["--hot-mib", "\(hotMiB)", "--cold-mib", "\(coldMiB)"])
        let line = child.readLine()
        // "ready pid P hot A-B cold C-D"
        let fields = line.split(separator: " ")
        func range(_ text: Substring) -> Range<UInt64> {
            let bounds = text.split(separator: "-").map { UInt64($0, radix: 16)! }
            return bounds[0]..<bounds[1]
        }
        precondition(fields.count == 7 && fields[0] == "ready", "unexpected workload output: \(line)")
        return (child, range(fields[4]), range(fields[6]))
    }

    public var pid: Int32 { process.processIdentifier }

    public func readLine() -> String {
        var bytes: [UInt8] = []
        while let byte = try? output.fileHandleForReading.read(upToCount: 1), let first = byte.first, first != 0x0A {
            bytes.append(first)
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// SIGKILL: children spawned from the test runner may inherit a mask that blocks SIGTERM.
    public func kill() {
        if process.isRunning { Foundation.kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    deinit { kill() }
}

/// Path of an executable built by this package (tests run from the package's build directory).
public func productPath(_ name: String) -> String {
    let bundle = Bundle.main.bundleURL.deletingLastPathComponent()
    for candidate in [bundle.appendingPathComponent(name), bundle.deletingLastPathComponent().appendingPathComponent(name)]
    where FileManager.default.isExecutableFile(atPath: candidate.path) {
        return candidate.path
    }
    let build = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent(".build/debug/\(name)")
    return build.path
}

/// Starts `path` with `posix_spawn` (much faster than `Process` for many short-lived children);
/// reap it with `reapProcess`.
public func spawnProcess(_ path: String, _ arguments: [String] = []) throws -> pid_t {
    var pid: pid_t = 0
    let argv = ([path] + arguments).map { strdup($0) } + [nil]
    defer { argv.forEach { free($0) } }
    let result = posix_spawn(&pid, path, nil, nil, argv, environ)
    guard result == 0 else { throw NSError(domain: "posix_spawn", code: Int(result)) }
    return pid
}

public func reapProcess(_ pid: pid_t) {
    var status: Int32 = 0
    while waitpid(pid, &status, 0) == -1 && errno == EINTR {}
}

/// Path of a file of this repository, e.g. `Tests/damo/report.sh`.
public func repositoryPath(_ relative: String) -> String {
    URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent(relative).path
}
