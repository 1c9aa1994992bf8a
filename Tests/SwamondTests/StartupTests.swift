import Foundation
import Glibc
import Testing
import SwamonTestSupport

/// What a new user meets first: the socket is never taken from a live daemon nor removed from
/// under one, unusable paths and files are said in words, configuration errors name the line.
@Suite("startup", .serialized)
struct StartupTests {
    /// A fresh private directory (root-owned, 0755) for sockets and files.
    func scratch() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("swamond-startup-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        chmod(path, 0o755)
        return path
    }

    func swamond(_ arguments: [String]) throws -> (status: Int32, out: String, err: String) {
        try runCommand(productPath("swamond"), arguments)
    }

    @Test func aSecondDaemonLeavesTheLiveOneAlone() throws {
        let first = try Daemon()
        defer { withExtendedLifetime(first) {} }
        let second = try swamond(["--socket", first.socketPath])
        #expect(second.status == 78)
        #expect(second.err.contains("another swamond (pid \(first.pid)) is using the socket \(first.socketPath)"), "\(second.err)")
        #expect(!second.err.contains("USAGE"), "no usage dump for a startup error")
        #expect(FileManager.default.fileExists(atPath: first.socketPath), "the live daemon keeps its socket")
        expectOK(try first.ask("read attrs"), "5000 100000 60000000 10 1000\n")
    }

    @Test func aLiveServerThatIsNotSwamondIsNotTakenOver() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/s.sock"
        let listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        #expect(withUnixAddress(path) { bind(listener, $0, $1) } == 0 && listen(listener, 4) == 0)
        let result = try swamond(["--socket", path])
        #expect(result.status == 78 && result.err.contains("another server (pid \(getpid())) answers on \(path)"), "\(result.err)")
        #expect(FileManager.default.fileExists(atPath: path))
    }

    @Test func aStaleSocketIsReplaced() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = "\(directory)/swamond.sock"
        let stale = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        #expect(withUnixAddress(path) { bind(stale, $0, $1) } == 0)
        close(stale)  // the file stays; nobody listens
        let daemon = try Daemon(directory: directory)
        defer { withExtendedLifetime(daemon) {} }
        // The stale file exists from the start: wait for the daemon's own socket to answer.
        #expect(eventually { (try? daemon.ask("version"))?.content == "swamond 0.1.0 protocol 1\n" })
        #expect(eventually { daemon.log.contains("replaced a stale socket file at \(path)") })
    }

    @Test func theSocketIsRemovedAtExitOnlyIfStillItsOwn() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        // Someone replaces the file (as a second daemon of old did): this one must not delete it.
        unlink(daemon.socketPath)
        let other = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(other) }
        #expect(withUnixAddress(daemon.socketPath) { bind(other, $0, $1) } == 0)
        #expect(daemon.stop() == 0)
        #expect(FileManager.default.fileExists(atPath: daemon.socketPath), "another's socket file is left in place")
        #expect(daemon.log.contains("no longer the socket this swamond made"))
        // Its own socket it does remove.
        let clean = try Daemon()
        defer { withExtendedLifetime(clean) {} }
        #expect(clean.stop() == 0)
        #expect(!FileManager.default.fileExists(atPath: clean.socketPath))
    }

    @Test func unusableSocketPathsAreSaidInWords() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let long = "\(directory)/" + String(repeating: "x", count: 120)
        let tooLong = try swamond(["--socket", long])
        #expect(tooLong.status == 78 && tooLong.err.contains("a Unix socket path holds at most 107"), "\(tooLong.err)")

        let orphan = try swamond(["--socket", "\(directory)/missing/deeper/s.sock"])
        #expect(orphan.status == 78 && orphan.err.contains("its parent directory does not exist"), "\(orphan.err)")

        _ = FileManager.default.createFile(atPath: "\(directory)/file", contents: Data("keep".utf8))
        let notSocket = try swamond(["--socket", "\(directory)/file"])
        #expect(notSocket.status == 78 && notSocket.err.contains("exists and is not a socket (a regular file)"), "\(notSocket.err)")
        #expect((try? String(contentsOfFile: "\(directory)/file", encoding: .utf8)) == "keep")

        let open = "\(directory)/open"
        mkdir(open, 0o777)
        chmod(open, 0o1777)
        let shared = try swamond(["--socket", "\(open)/s.sock"])
        #expect(shared.status == 78 && shared.err.contains("is writable by everyone (mode 1777)"), "\(shared.err)")

        let foreign = "\(directory)/foreign"
        mkdir(foreign, 0o755)
        chown(foreign, 65534, 65534)
        let notOurs = try swamond(["--socket", "\(foreign)/s.sock"])
        #expect(notOurs.status == 78 && notOurs.err.contains("belongs to uid 65534"), "\(notOurs.err)")
    }

    @Test func theSocketHasItsModeAndGroupFromTheStart() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0640", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        var info = stat()
        #expect(lstat(daemon.socketPath, &info) == 0)
        #expect(info.st_mode & 0o7777 == 0o640)
        #expect(info.st_gid == 100, "group users")
    }

    @Test func configurationErrorsNameTheLineWithoutUsage() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let config = "\(directory)/bad.conf"
        try "# comment\njournal_every = 1\nmax_targets = lots\n".write(toFile: config, atomically: true, encoding: .utf8)
        let bad = try swamond(["--config", config, "--socket", "\(directory)/s.sock"])
        #expect(bad.status == 78)
        #expect(bad.err == "swamond: configuration: \(config):3: max_targets must be a whole number from 1 to 4096\n", "\(bad.err)")

        let missing = try swamond(["--config", "\(directory)/nope.conf"])
        #expect(missing.err == "swamond: configuration: cannot read \(directory)/nope.conf: No such file or directory\n", "\(missing.err)")
    }

    @Test func versionFlags() throws {
        #expect(try swamond(["--version"]).out == "swamond 0.1.0 (protocol 1)\n")
        #expect(try runCommand(productPath("swamonctl"), ["--version"]).out == "swamonctl 0.1.0 (protocol 1)\n")
    }

    @Test func stateFileDirectoryIsMadeAndAFailedSaveIsVisible() throws {
        let directory = try scratch()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let state = "\(directory)/lib/state"
        let daemon = try Daemon(settings: ["journal_every = 0", "state_file = \(state)"], directory: "\(directory)/run")
        defer { withExtendedLifetime(daemon) {} }
        #expect(eventually { FileManager.default.fileExists(atPath: state) }, "the directory was made and the state written at startup")
        expectOK(try daemon.ask("write attrs 5000 100000 1000000 10 1000"))
        #expect((try? String(contentsOfFile: state, encoding: .utf8))?.contains("write attrs 5000 100000 1000000 10 1000") == true)
        #expect(try daemon.ask("status").content.contains("state_file=saved"))
        // A directory where the file should be: rename(2) fails, and the client hears of it.
        unlink(state)
        mkdir(state, 0o755)
        let failed = try daemon.ask("write attrs 5000 100000 2000000 10 1000")
        expectError(failed, "EIO")
        #expect(failed.status.contains("the change is in effect but was not saved"))
        expectOK(try daemon.ask("read attrs"), "5000 100000 2000000 10 1000\n")
        #expect(try daemon.ask("status").content.contains("state_file=failed"))

        // Unwritable from the start: the daemon does not start.
        let blocked = "\(directory)/blocked"
        mkdir(blocked, 0o755)
        mkdir("\(blocked)/state", 0o755)
        let refused = try swamond(["--socket", "\(directory)/b.sock", "--set", "state_file=\(blocked)/state"])
        #expect(refused.status == 78 && refused.err.contains("state_file \(blocked)/state cannot be written"), "\(refused.err)")
    }

    @Test func anUnknownControlGroupIsWarnedAboutAndLetsNobodyWrite() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "control_group = no-such-group-here", "socket_mode = 0666"])
        defer { withExtendedLifetime(daemon) {} }
        #expect(eventually { daemon.log.contains("control group 'no-such-group-here' does not exist: only root may write") })
        var environment = ProcessInfo.processInfo.environment
        environment["SWAMON_SOCKET"] = daemon.socketPath
        let write = try runCommand(
            "/usr/bin/setpriv", ["--reuid=65534", "--regid=65534", "--clear-groups", productPath("swamonctl"), "attrs", "1", "2", "3", "4", "5"],
            environment: environment)
        #expect(write.status == 1 && write.err.contains("EACCES"))
    }

    /// On a terminal (stderr) an aggregation is one short human line; the fields stay in the journal.
    @Test func stderrGetsShortHumanLines() throws {
        let daemon = try Daemon(settings: ["journal_every = 1"])
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write attrs 5000 20000 1000000 10 1000"))
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        #expect(eventually { daemon.log.contains("root pid \(target.pid): ") })
        let line = try #require(daemon.log.split(separator: "\n").first { $0.contains("root pid \(target.pid): ") })
        #expect(line.contains(" regions, ") && line.contains(" accessed"))
        #expect(!daemon.log.contains("SWAMON_REGIONS") && !daemon.log.contains("MESSAGE_ID"))
        #expect(line.count < 200, "\(line)")
    }
}
