import Foundation
import Testing
import SwamonTestSupport

/// The real client against the real daemon.
@Suite("swamonctl", .serialized)
struct SwamonctlTests {
    func ctl(_ daemon: Daemon, _ arguments: [String], input: String? = nil) throws -> (status: Int32, out: String, err: String) {
        try swamonctl(daemon, arguments, input: input)
    }

    @Test func friendlyCommandsAndExitCodes() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        #expect(try ctl(daemon, ["attrs"]).out == "5000 100000 60000000 10 1000\n")
        #expect(try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "1000"]).status == 0)
        let refused = try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "5"])
        #expect(refused.status == 1 && refused.err.hasPrefix("swamonctl: EINVAL: "))
        #expect(try ctl(daemon, ["targets", "\(target.pid)"]).status == 0)
        #expect(try ctl(daemon, ["targets"]).out == "\(target.pid)\n")
        #expect(try ctl(daemon, ["contexts", "add", "extra"]).status == 0)
        #expect(try ctl(daemon, ["contexts", "add", "extra"]).err.contains("EEXIST"))
        #expect(try ctl(daemon, ["write", "extra/target_ids", "\(target.pid)"]).status == 0)
        #expect(try ctl(daemon, ["read", "extra/target_ids"]).out == "\(target.pid)\n")
        #expect(try ctl(daemon, ["start"]).status == 0)
        #expect(eventually { (try? ctl(daemon, ["regions", "--context", "extra"]).out.split(separator: "\n").count) ?? 0 > 1 })
        #expect(try ctl(daemon, ["stop"]).status == 0)
        let again = try ctl(daemon, ["stop"])
        #expect(again.status == 0 && again.out == "monitoring was not running\n", "stop is idempotent")
        #expect(try ctl(daemon, ["contexts", "rm", "extra"]).status == 0)
        let missing = try runCommand(productPath("swamonctl"), ["status", "--socket", "/nonexistent/s.sock"])
        #expect(missing.status == 2 && missing.err.contains("cannot connect"), "unreachable daemon: exit 2")
    }

    /// Schemes in words: `schemes add` turns sizes, durations and quotas into the 18 numbers;
    /// `schemes` prints them back with their statistics; while running, changes are commits.
    @Test func schemesInWords() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        #expect(try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "1000"]).status == 0)
        let added = try ctl(daemon, ["schemes", "add", "pageout", "--min-size", "8K", "--min-age", "30s", "--max-accesses", "0", "--quota", "100MiB/1s"])
        #expect(added.status == 0, "\(added.err)")
        // 30 s of 100 ms aggregations = 300; 100 MiB per 1000 ms with the default weights 0,1,1.
        #expect(try ctl(daemon, ["read", "schemes"]).out == "8192 18446744073709551615 0 0 300 4294967295 2 0 104857600 1000 0 1 1 0 0 0 0 0 0 0\n")
        #expect(try ctl(daemon, ["schemes", "add", "stat", "--watermarks", "500,400,200/5s"]).status == 0)
        #expect(try ctl(daemon, ["read", "schemes"]).out.split(separator: "\n")[1] == "0 18446744073709551615 0 4294967295 0 4294967295 5 0 0 0 0 0 0 1 5000000 500 400 200 0 0")
        let listed = try ctl(daemon, ["schemes"]).out
        #expect(listed.contains("0: pageout: size 8.0 KiB or more, accesses 0, age 30 s or more; quota 100.0 MiB per 1 s (weights 0,1,1)"), "\(listed)")
        #expect(listed.contains("1: stat: size any, accesses any, age any; active while free memory is 200‰..500‰ (resumes below 400‰), checked every 5 s"), "\(listed)")
        #expect(listed.contains("tried 0 regions (0 B), applied to 0 (0 B), quota used up in 0 windows"))
        let bad = try ctl(daemon, ["schemes", "add", "explode"])
        #expect(bad.status == 64 && bad.err.contains("unknown action 'explode'"))
        // Running: removal becomes a commit and the context keeps going.
        #expect(try ctl(daemon, ["targets", "\(target.pid)"]).status == 0)
        #expect(try ctl(daemon, ["start"]).status == 0)
        #expect(try ctl(daemon, ["schemes", "remove", "0"]).status == 0)
        #expect(try ctl(daemon, ["read", "schemes"]).out.split(separator: "\n").count == 1)
        #expect(try ctl(daemon, ["tune", "attrs", "5000", "200000", "1000000", "10", "1000"]).status == 0)
        #expect(try ctl(daemon, ["attrs"]).out == "5000 200000 1000000 10 1000\n")
        let json = try ctl(daemon, ["--json", "schemes"]).out
        #expect(json.contains("\"action\" : \"stat\"") || json.contains("\"action\":\"stat\""), "\(json)")
        #expect(try ctl(daemon, ["schemes", "clear"]).status == 0)
        #expect(try ctl(daemon, ["schemes"]).out == "no schemes\n")
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
        let contexts = try #require(status["contexts"] as? [[String: Any]])
        #expect(contexts.first?["state"] as? String == "on")
        #expect(contexts.first?["targets"] as? [Int] == [Int(target.pid)], "targets as a list of numbers")
        #expect(contexts.first?["sample_interval_us"] as? Int == 5000, "numbers as numbers")
        #expect((status["daemon"] as? [String: Any])?["pid"] as? Int == Int(daemon.pid))
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

    /// Global options go before the command too (as with systemctl, chronyc, resolvectl).
    @Test func globalOptionsBeforeTheCommand() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let plain = try runCommand(productPath("swamonctl"), ["--socket", daemon.socketPath, "attrs"])
        #expect(plain.status == 0 && plain.out == "5000 100000 60000000 10 1000\n", "\(plain.err)")
        let json = try runCommand(productPath("swamonctl"), ["--json", "--socket", daemon.socketPath, "status"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any])
        #expect(object["daemon"] != nil)
        let help = try runCommand(productPath("swamonctl"), ["--help"])
        for word in ["--socket", "SWAMON_SOCKET", "/run/swamond/swamond.sock", "--json", "Exit status"] {
            #expect(help.out.contains(word), "top-level help names \(word)")
        }
    }

    /// Bad arguments are refused before anything is sent (exit 64) and change nothing.
    @Test func argumentsAreCheckedBeforeSending() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        for (arguments, message) in [
            (["targets", "abc"], "'abc' is not a process id"),
            (["targets", "1", "paddr"], "paddr stands alone"),
            (["contexts", "add", "a b"], "invalid context name 'a b'"),
            (["attrs", "-5", "1", "2", "3", "4"], "sample_us must not be negative: '-5'"),
            (["attrs", "abc", "1", "2", "3", "4"], "sample_us must be a whole number"),
            (["attrs", "1", "2"], "give five numbers"),
            (["read", "a/b/c"], "paths are FILE or CONTEXT/FILE"),
        ] {
            let result = try ctl(daemon, arguments)
            #expect(result.status == 64 && result.err.contains(message), "\(arguments): \(result.err)")
        }
        expectOK(try daemon.ask("read target_ids"), "\(target.pid)\n")
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        #expect(try daemon.ask("status").content.split(separator: "\n").count == 2, "no context was made")
        #expect(try ctl(daemon, ["targets", "--clear"]).status == 0)
        expectOK(try daemon.ask("read target_ids"), "\n")
    }

    /// Refusals name swamonctl commands, not protocol files; start and stop are idempotent.
    @Test func hintsAndIdempotentSwitching() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let noTargets = try ctl(daemon, ["start"])
        #expect(noTargets.status == 1 && noTargets.err.contains("swamonctl targets PID"), "\(noTargets.err)")
        #expect(!noTargets.err.contains("write target_ids"))
        let target = try sleeper()
        defer { target.kill() }
        _ = try ctl(daemon, ["targets", "\(target.pid)"])
        #expect(try ctl(daemon, ["start"]).status == 0)
        let again = try ctl(daemon, ["start"])
        #expect(again.status == 0 && again.out == "monitoring was already on\n")
        let busy = try ctl(daemon, ["attrs", "5000", "100000", "1000000", "10", "1000"])
        #expect(busy.status == 1 && busy.err.contains("swamonctl stop"), "\(busy.err)")
        let json = try ctl(daemon, ["--json", "start"])
        #expect(json.out == "{\"changed\":false,\"ok\":true}\n")
        #expect(try ctl(daemon, ["stop"]).out.isEmpty)
        let unreachable = try runCommand(productPath("swamonctl"), ["--json", "--socket", "/nonexistent/s.sock", "status"])
        let error = try #require(try JSONSerialization.jsonObject(with: Data(unreachable.out.utf8)) as? [String: Any])
        #expect(unreachable.status == 2 && error["ok"] as? Bool == false && (error["message"] as? String)?.contains("cannot connect") == true)
    }

    /// watch prints labelled human lines; --raw the protocol line; --json an object per line.
    @Test func watchLines() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        _ = try ctl(daemon, ["attrs", "5000", "20000", "1000000", "10", "1000"])
        _ = try ctl(daemon, ["targets", "\(target.pid)"])
        _ = try ctl(daemon, ["start"])
        func firstLine(_ arguments: [String]) throws -> String {
            var environment = ProcessInfo.processInfo.environment
            environment["SWAMON_SOCKET"] = daemon.socketPath
            let watcher = try ChildProcess(productPath("swamonctl"), arguments, environment: environment)
            defer { watcher.kill() }
            return watcher.readLine()
        }
        let human = try firstLine(["watch"])
        #expect(human.range(of: #"^\d\d:\d\d:\d\d root pid \d+: \d+ regions, .* of .* accessed \(max nr_accesses \d+\)$"#, options: .regularExpression) != nil, "\(human)")
        #expect(human.contains("pid \(target.pid)"))
        let raw = try firstLine(["watch", "--raw"])
        #expect(raw.hasPrefix("aggregation root \(target.pid) "), "\(raw)")
        let json = try firstLine(["--json", "watch"])
        let object = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        #expect(object["target"] as? Int == Int(target.pid) && (object["regions"] as? [Any])?.isEmpty == false)
    }

    /// The prompt edits lines and keeps history (libedit): the up arrow brings the last request back.
    @Test func promptHasHistory() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let home = daemon.directory + "/home"
        try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
        // A tmux server of the test's own (-L). The server daemonizes keeping every descriptor its
        // client had, so the client is started through Python's subprocess, which closes them
        // all (otherwise the server would hold this process's pipes and sockets open).
        let server = "swamon-test-\(getpid())"
        let session = "swamonctl"
        func tmux(_ arguments: [String]) throws -> String { try runCommand("/usr/bin/tmux", ["-L", server] + arguments).out }
        let start = try runCommand("/usr/bin/python3", [
            "-c",
            "import subprocess, sys; sys.exit(subprocess.call(sys.argv[1:], stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))",
            "/usr/bin/tmux", "-L", server, "new-session", "-d", "-s", session, "-x", "120", "-y", "20",
            "env HOME=\(home) SWAMON_SOCKET=\(daemon.socketPath) \(productPath("swamonctl"))",
        ])
        #expect(start.status == 0)
        defer { _ = try? tmux(["kill-server"]) }
        #expect(eventually { (try? tmux(["capture-pane", "-p", "-t", session]))?.contains("swamon>") == true }, "the prompt (capture-pane trims its trailing space)")
        _ = try tmux(["send-keys", "-t", session, "read attrs", "Enter"])
        #expect(eventually { (try? tmux(["capture-pane", "-p", "-t", session]))?.contains("5000 100000 60000000 10 1000") == true })
        _ = try tmux(["send-keys", "-t", session, "Up", "Enter"])
        #expect(eventually {
            (try? tmux(["capture-pane", "-p", "-t", session]))?.components(separatedBy: "5000 100000 60000000 10 1000").count == 3
        }, "the up arrow recalled 'read attrs': \((try? tmux(["capture-pane", "-p", "-t", session])) ?? "")")
        #expect(!(try tmux(["capture-pane", "-p", "-t", session])).contains("[A"))
        _ = try tmux(["send-keys", "-t", session, "C-d"])
        // libedit keeps history vis(3)-encoded: a space is \040.
        #expect(eventually { (try? String(contentsOfFile: home + "/.swamonctl_history", encoding: .utf8))?.contains("read\\040attrs") == true })
    }

    @Test func completions() throws {
        for shell in ["bash", "zsh", "fish"] {
            let result = try runCommand(productPath("swamonctl"), ["--generate-completion-script", shell])
            #expect(result.status == 0 && result.out.contains("swamonctl"))
        }
    }
}
