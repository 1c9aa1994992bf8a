import Foundation
import Testing
import SwamonTestSupport

/// SO_PEERCRED authorisation with real unprivileged clients (`setpriv`).
@Suite("authorisation", .serialized)
struct AuthorizationTests {
    static let nobody = ["--reuid=65534", "--regid=65534", "--clear-groups"]
    /// Debian's `users` group (gid 100) serves as the control group.
    static let member = ["--reuid=65534", "--regid=65534", "--groups=100"]

    @Test func othersMayOnlyRead() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let read = try swamonctl(daemon, as: Self.nobody, ["read", "attrs"])
        #expect(read.status == 0 && read.out == "5000 100000 60000000 10 1000\n")
        let write = try swamonctl(daemon, as: Self.nobody, ["attrs", "1", "2", "3", "4", "5"])
        #expect(write.status == 1)
        #expect(write.err.hasPrefix("swamonctl: EACCES: "))
        let mk = try swamonctl(daemon, as: Self.nobody, ["contexts", "add", "sneaky"])
        #expect(mk.status == 1 && mk.err.contains("EACCES"))
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        expectError(try daemon.ask("read sneaky/attrs"), "ENOENT")
        let status = try swamonctl(daemon, as: Self.nobody, ["status"])
        #expect(status.status == 0 && status.out.contains("context=root"))
    }

    @Test func groupMembersMayWriteButOnlyTheirOwnProcesses() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = users"])
        defer { withExtendedLifetime(daemon) {} }
        let own = try memberSleeper()
        defer { own.kill() }
        let rootOwned = try sleeper()
        defer { rootOwned.kill() }
        let attrs = try swamonctl(daemon, as: Self.member, ["attrs", "5000", "100000", "1000000", "10", "1000"])
        #expect(attrs.status == 0, "\(attrs.err)")
        let foreign = try swamonctl(daemon, as: Self.member, ["targets", "\(rootOwned.pid)"])
        #expect(foreign.status == 1 && foreign.err.contains("EACCES"))
        let paddr = try swamonctl(daemon, as: Self.member, ["targets", "paddr"])
        #expect(paddr.status == 1 && paddr.err.contains("EACCES"))
        let mine = try swamonctl(daemon, as: Self.member, ["targets", "\(own.pid)"])
        #expect(mine.status == 0, "\(mine.err)")
        expectOK(try daemon.ask("read target_ids"), "\(own.pid)\n")
    }

    /// A control group that does not exist on this host lets nobody but root write: not the
    /// members of any group, not the socket's other users.
    @Test func anUnknownControlGroupLetsNobodyWrite() throws {
        let daemon = try Daemon(settings: ["journal_every = 0", "socket_mode = 0666", "control_group = swamon-no-such-group"])
        defer { withExtendedLifetime(daemon) {} }
        for identity in [Self.member, Self.nobody, ["--reuid=65534", "--regid=100", "--clear-groups"]] {
            let write = try swamonctl(daemon, as: identity, ["attrs", "1", "2", "3", "4", "5"])
            #expect(write.status == 1 && write.err.hasPrefix("swamonctl: EACCES: "), "\(identity): \(write.err)")
            let read = try swamonctl(daemon, as: identity, ["read", "attrs"])
            #expect(read.status == 0, "reading stays open to the socket's users")
        }
        expectOK(try daemon.ask("read attrs"), "5000 100000 60000000 10 1000\n")
        expectOK(try daemon.ask("write attrs 1 2 3 4 5"))
    }
}
