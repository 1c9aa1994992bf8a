import ArgumentParser
import Foundation
import SwamonProtocol

/// `swamonctl [--socket PATH] [--json] COMMAND …`: global options go before or after the
/// command, as with systemctl, chronyc and resolvectl.
@main
struct Swamonctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamonctl",
        abstract: "Control swamond, the user-space DAMON daemon.",
        discussion: """
            With no command, swamonctl is a prompt for raw protocol requests ('read attrs', 'write monitor_on on', ...) \
            with line editing and history.

            The socket is --socket, else $SWAMON_SOCKET, else \(SocketPath.system) when it exists, else the \
            per-user path swamond uses when run by a non-root user ($XDG_RUNTIME_DIR/swamond/swamond.sock or \
            /tmp/swamond-UID/swamond.sock).

            --json prints one JSON document per command (typed numbers; errors as {"ok": false, "errno": "EINVAL", \
            "message": "..."} on stdout).

            Exit status: 0 on success; 1 when swamond refused the request (its errno and message are printed); \
            2 when swamond cannot be reached; 64 for a usage error (nothing was sent).
            """,
        version: "swamonctl \(swamonVersion) (protocol \(protocolVersion))",
        subcommands: [
            Shell.self, Status.self, Start.self, Stop.self, Attrs.self, Targets.self, Contexts.self, Regions.self,
            Watch.self, Record.self, Report.self, Schemes.self, Tune.self, Damo.self, Read.self, Write.self,
        ],
        defaultSubcommand: Shell.self
    )

    @Option(help: ArgumentHelp("swamond's control socket (default: see DESCRIPTION).", valueName: "path"))
    var socket: String?

    @Flag(help: "Print machine-readable JSON.")
    var json = false

    var session: Session {
        Session(
            path: socket
                ?? SocketPath.clientDefault(
                    uid: getuid(), environment: ProcessInfo.processInfo.environment,
                    systemExists: FileManager.default.fileExists(atPath: SocketPath.system)),
            json: json)
    }
}
