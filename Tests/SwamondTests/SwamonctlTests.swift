import Foundation
import Testing
import SwamonTestSupport

/// The real client against the real daemon.
@Suite("swamonctl", .serialized)
struct SwamonctlTests {
    func ctl(_ daemon: Daemon, _ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        var environment = ProcessInfo.processInfo.environment
        environment["SWAMON_SOCKET"] = daemon.socketPath
        return try runCommand(productPath("swamonctl"), arguments, input: input, environment: environment)
    }

    @Test func friendlyCommandsAndExitCodes() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        #expect(try ctl(daemon, ["attrs"]).out == "5000 100000 60000000 10 1000\n")
        #expect(try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "1000"]).status == 0)
        let refused = try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "5"])
        #expect(refused.status == 1 && refused.err.hasPrefix("swamonctl: EINVAL "))
        #expect(try ctl(daemon, ["targets", "\(target.pid)"]).status == 0)
        #expect(try ctl(daemon, ["targets"]).out == "\(target.pid)\n")
        #expect(try ctl(daemon, ["contexts", "add", "extra"]).status == 0)
        #expect(try ctl(daemon, ["contexts", "add", "extra"]).err.contains("EEXIST"))
        #expect(try ctl(daemon, ["write", "extra/target_ids", "\(target.pid)"]).status == 0)
        #expect(try ctl(daemon, ["read", "extra/target_ids"]).out == "\(target.pid)\n")
        #expect(try ctl(daemon, ["start"]).status == 0)
        #expect(eventually { (try? ctl(daemon, ["regions", "--context", "extra"]).out.split(separator: "\n").count) ?? 0 > 1 })
        #expect(try ctl(daemon, ["stop"]).status == 0)
        #expect(try ctl(daemon, ["stop"]).err.contains("EPERM"))
        #expect(try ctl(daemon, ["contexts", "rm", "extra"]).status == 0)
        let missing = try runCommand(productPath("swamonctl"), ["status", "--socket", "/nonexistent/s.sock"])
        #expect(missing.status == 1 && missing.err.contains("cannot connect"))
    }

    @Test func jsonOutput() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        func json(_ arguments: [String]) throws -> Any {
            let result = try ctl(daemon, arguments + ["--json"])
            return try JSONSerialization.jsonObject(with: Data(result.out.utf8))
        }
        let attrs = try #require(try json(["attrs"]) as? [String: Int])
        #expect(attrs["sample_us"] == 5000 && attrs["max_nr_regions"] == 1000)
        _ = try ctl(daemon, ["attrs", "5000", "50000", "1000000", "10", "1000"])
        _ = try ctl(daemon, ["targets", "\(target.pid)"])
        #expect(try json(["targets"]) as? [Int] == [Int(target.pid)])
        _ = try ctl(daemon, ["start"])
        #expect(eventually { ((try? json(["regions"])) as? [[String: Int]])?.isEmpty == false })
        let regions = try #require(try json(["regions"]) as? [[String: Int]])
        #expect(regions.allSatisfy { $0["target"] == Int(target.pid) && $0["start"]! < $0["end"]! })
        let status = try #require(try json(["status"]) as? [String: Any])
        let contexts = try #require(status["contexts"] as? [[String: String]])
        #expect(contexts.first?["state"] == "on")
        _ = try ctl(daemon, ["stop"])
        let error = try ctl(daemon, ["attrs", "1", "2", "3", "4", "3", "--json"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(error.out.utf8)) as? [String: Any])
        #expect(error.status == 1 && object["errno"] as? String == "EINVAL" && object["ok"] as? Bool == false)
    }

    /// With no command, swamonctl takes raw protocol lines.
    @Test func interactiveMode() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let result = try ctl(daemon, [], input: "read attrs\nwrite attrs 1 2\nversion\n")
        #expect(result.out == "5000 100000 60000000 10 1000\nok\nerror EINVAL attrs takes five numbers: sample_us aggr_us update_us min_nr_regions max_nr_regions\nswamond 0.1.0 protocol 1\nok\n")
        #expect(result.status == 1, "a refused request makes a piped session fail")
    }

    @Test func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try runCommand(productPath("swamonctl"), ["--generate-completion-script", shell])
            #expect(result.status == 0 && result.out.contains("swamonctl"))
        }
    }
}
