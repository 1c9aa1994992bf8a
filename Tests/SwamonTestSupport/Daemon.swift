import Foundation
import Glibc

/// A real `swamond` started from this package's build on a socket in a fresh temporary
/// directory; stopped with SIGTERM (and waited for) when the test lets go of it.
public final class Daemon {
    public let directory: String
    public let socketPath: String
    public let logPath: String
    public let process: ChildProcess

    /// `settings` are configuration lines written to a config file (`key = value`); `launcher`
    /// (e.g. `setpriv …`) runs swamond when given.
    public init(
        settings: [String] = ["journal_every = 0"], directory: String? = nil, arguments: [String] = [],
        environment: [String: String] = [:], launcher: [String] = []
    ) throws {
        let dir = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("swamond-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o755)
        self.directory = dir
        socketPath = "\(dir)/swamond.sock"
        logPath = "\(dir)/swamond.log"
        let config = "\(dir)/swamond.conf"
        try (settings.joined(separator: "\n") + "\n").write(toFile: config, atomically: true, encoding: .utf8)
        let command = launcher + [productPath("swamond"), "--config", config, "--socket", socketPath] + arguments
        process = try ChildProcess(command[0], Array(command.dropFirst()), standardError: logPath, environment: environment)
        for _ in 0..<500 where !FileManager.default.fileExists(atPath: socketPath) && process.process.isRunning {
            usleep(10_000)
        }
        guard FileManager.default.fileExists(atPath: socketPath) else {
            throw TestFailure("swamond did not create its socket; log: \(log)")
        }
    }

    public var pid: Int32 { process.pid }
    public var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }
    public var isRunning: Bool { process.process.isRunning }

    /// A new raw protocol connection.
    public func connect() throws -> RawClient { try RawClient(path: socketPath) }

    /// One request on a fresh connection: the content lines and the status line.
    public func ask(_ line: String) throws -> (content: String, status: String) {
        try connect().ask(line)
    }

    /// Ends the daemon with SIGTERM (SIGKILL after 20 s, as systemd's stop timeout would) and
    /// returns its exit status.
    @discardableResult
    public func stop() -> Int32 {
        if process.process.isRunning { Glibc.kill(pid, SIGTERM) }
        for _ in 0..<2000 where process.process.isRunning { usleep(10_000) }
        if process.process.isRunning { Glibc.kill(pid, SIGKILL) }
        process.process.waitUntilExit()
        return process.process.terminationStatus
    }

    /// Number of open file descriptors of the daemon.
    public var openDescriptors: Int { (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(pid)/fd").count) ?? -1 }

    /// Resident set size of the daemon in KiB.
    public var residentKiB: Int {
        let status = (try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8)) ?? ""
        let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
        return Int(line.split(separator: " ").dropFirst().first ?? "") ?? -1
    }

    deinit {
        stop()
        try? FileManager.default.removeItem(atPath: directory)
    }
}

/// A test's raw connection: writes bytes, reads responses (lines up to `ok`/`error …`).
public final class RawClient {
    public let fd: Int32
    var buffer: [UInt8] = []

    public init(path: String) throws {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        let result = withUnixAddress(path) { connect(fd, $0, $1) }
        guard result == 0 else {
            close(fd)
            throw TestFailure("connect \(path): \(String(cString: strerror(errno)))")
        }
        var timeout = timeval(tv_sec: 20, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    }

    deinit { close(fd) }

    public func send(_ text: String) throws { try send(Array(text.utf8)) }

    public func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { throw TestFailure("write: \(String(cString: strerror(errno)))") }
            offset += n
        }
    }

    /// Closes the sending side (the daemon sees end of input).
    public func shutdownWrite() { shutdown(fd, Int32(SHUT_WR)) }

    /// The next line, without its newline; nil at end of stream.
    public func readLine() throws -> String? {
        while true {
            if let newline = buffer.firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[..<newline], as: UTF8.self)
                buffer.removeFirst(newline + 1)
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65536)
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n == 0 { return nil }
            guard n > 0 else { throw TestFailure("read: \(String(cString: strerror(errno)))") }
            buffer.append(contentsOf: chunk[..<n])
        }
    }

    /// Reads one response: content lines joined with newlines (each ending in one), status line.
    public func response() throws -> (content: String, status: String) {
        var content = ""
        while let line = try readLine() {
            if line == "ok" || line.hasPrefix("error ") { return (content, line) }
            content += line + "\n"
        }
        throw TestFailure("connection closed before a status line; got \(content)")
    }

    public func ask(_ line: String) throws -> (content: String, status: String) {
        try send(line + "\n")
        return try response()
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Calls `body` with `path` as a `sockaddr_un` (for connect or bind).
public func withUnixAddress<Result>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> Result) -> Result {
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        let bytes = Array(path.utf8)
        raw.copyBytes(from: bytes)
        raw[bytes.count] = 0
    }
    return withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
    }
}
