import Foundation
import Glibc
import Testing
import SwamonTestSupport

/// A NOTIFY_SOCKET as systemd provides one: a datagram socket the daemon reports to.
final class NotifyListener {
    let path: String
    let fd: Int32

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("notify-\(UUID().uuidString).sock").path
        fd = socket(AF_UNIX, Int32(SOCK_DGRAM.rawValue), 0)
        let bound = withUnixAddress(path) { bind(fd, $0, $1) }
        guard bound == 0 else { throw TestFailure("bind \(path)") }
    }

    deinit {
        close(fd)
        unlink(path)
    }

    /// Messages received within `seconds`, stopping early once one satisfies `until`.
    func receive(for seconds: Double, until: (String) -> Bool = { _ in false }) -> [String] {
        var messages: [String] = []
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            var entry = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&entry, 1, 100) > 0 else { continue }
            var buffer = [UInt8](repeating: 0, count: 4096)
            let count = recv(fd, &buffer, buffer.count, 0)
            guard count > 0 else { continue }
            let message = String(decoding: buffer[..<count], as: UTF8.self)
            messages.append(message)
            if until(message) { break }
        }
        return messages
    }
}

@Suite("systemd on the host", .serialized)
struct SystemdHostTests {
    /// READY only once the socket listens; STATUS follows what runs; WATCHDOG pings while the
    /// monitoring threads live; STOPPING on SIGTERM — in that order.
    @Test func notifySequence() throws {
        let listener = try NotifyListener()
        let daemon = try Daemon(environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000"])
        defer { withExtendedLifetime(daemon) {} }
        let first = listener.receive(for: 5) { $0.contains("READY=1") }
        #expect(first.last?.contains("READY=1") == true && first.last?.contains("STATUS=idle") == true, "\(first)")
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "READY comes after the socket listens")
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        let running = listener.receive(for: 5) { $0.contains("STATUS=1 of 1 contexts monitoring 1 target") }
        #expect(running.contains { $0.contains("STATUS=1 of 1 contexts monitoring 1 target (access check referenced)") }, "\(running)")
        let pings = listener.receive(for: 2)
        #expect(pings.filter { $0 == "WATCHDOG=1" }.count >= 2, "\(pings)")
        daemon.stop()
        let last = listener.receive(for: 2) { $0.contains("STOPPING=1") }
        #expect(last.contains { $0.hasPrefix("STOPPING=1") }, "\(last)")
    }

    /// A monitoring loop that hangs stops the watchdog pings (so systemd restarts the service).
    @Test func hungLoopStopsWatchdogPings() throws {
        let listener = try NotifyListener()
        let daemon = try Daemon(
            environment: ["NOTIFY_SOCKET": listener.path, "WATCHDOG_USEC": "1000000", "SWAMOND_TEST_FAULT": "hang-monitor"])
        defer { withExtendedLifetime(daemon) {} }
        _ = listener.receive(for: 5) { $0.contains("READY=1") }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write attrs 5000 50000 1000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        // The loop hangs in its third aggregation, before publishing it: wait for the second,
        // then let the watchdog grace (half the interval) run out and drain older pings.
        #expect(try eventually(30) { Int(try statusFields(daemon)["aggregations"] ?? "0") ?? 0 >= 2 })
        usleep(1_500_000)
        _ = listener.receive(for: 0.5)
        let afterHang = listener.receive(for: 2)
        #expect(!afterHang.contains("WATCHDOG=1"), "no pings once the loop hangs: \(afterHang)")
        expectOK(try daemon.ask("read monitor_on"), "on\n")
    }

    /// Nothing READY when startup fails.
    @Test func noReadyWhenStartupFails() throws {
        let listener = try NotifyListener()
        #expect(throws: TestFailure.self) {
            _ = try Daemon(settings: ["default_attrs = 1 2"], environment: ["NOTIFY_SOCKET": listener.path])
        }
        #expect(listener.receive(for: 0.5).isEmpty)
    }
}
