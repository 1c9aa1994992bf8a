import ArgumentParser
import Dispatch
import Foundation
import Logging
import SwamonDaemon
import SwamonLinux
import SwamonProtocol
import SwamonSystemd

/// The swamon daemon: DAMON's monitoring contexts on their own threads, controlled over a Unix
/// socket with the DAMON debugfs commands.
@main
struct Swamond: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamond",
        abstract: "Monitor data accesses of processes the way Linux DAMON does, from user space.",
        discussion: """
            Control it with swamonctl, or any client that speaks the line protocol of docs/protocol.md.
            Without --config, /etc/swamond.conf is read when it exists. Settings apply in this order:
            defaults, the configuration file, --set, --socket.
            """
    )

    @Option(help: "Configuration file (etc/swamond.conf lists every key with its default).")
    var config: String?

    @Option(help: "Control socket path (overrides socket_path).")
    var socket: String?

    @Option(name: .customLong("set"), help: "Override one configuration key: --set journal_every=10 (repeatable).")
    var overrides: [String] = []

    @Option(help: "Log level: trace, debug, info, notice, warning, error or critical.")
    var logLevel: Logger.Level = .info

    @Option(help: "Where results and log records go: journal, stderr, or auto (the journal when systemd connected stderr to it).")
    var logTarget: LogTarget = .auto

    enum LogTarget: String, ExpressibleByArgument {
        case auto, journal, stderr
    }

    func run() throws {
        var settings = Configuration(
            socketPath: SocketPath.daemonDefault(uid: getuid(), environment: ProcessInfo.processInfo.environment))
        let path = config ?? (FileManager.default.fileExists(atPath: "/etc/swamond.conf") ? "/etc/swamond.conf" : nil)
        do {
            if let path {
                guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
                    throw ConfigurationError("cannot read \(path)")
                }
                try settings.apply(text, source: path)
            }
            for (index, override) in overrides.enumerated() {
                try settings.apply(override, source: "--set #\(index + 1)")
            }
        } catch {
            throw ValidationError("configuration: \(error)")
        }
        if let socket { settings.socketPath = socket }

        let level = logLevel
        let journal = logTarget == .journal
            || (logTarget == .auto && ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil)
        LoggingSystem.bootstrap { label in
            if journal {
                var handler = JournalLogHandler(identifier: "swamond")
                handler.logLevel = level
                return handler
            }
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swamond")
        raiseFileLimit()

        for kind in AccessCheckKind.allCases {
            let reason = AccessCheckProbe.unavailability(of: kind)
            logger.info("access check \(kind.rawValue): \(reason ?? "available")")
        }
        let registry = Registry(configuration: settings, results: ResultsLog(logger: logger, every: settings.journalEvery))
        registry.restoreState()
        let server: ControlServer
        // Asked once: sd_listen_fds() clears LISTEN_FDS, so a second call would answer "none".
        let activated = SocketActivation.listeningDescriptor()
        if let descriptor = activated {
            server = try ControlServer.adopt(descriptor: descriptor, registry: registry)
            logger.notice("swamond \(swamonVersion) serving the socket systemd passed (fd \(descriptor))")
        } else {
            server = try ControlServer.bind(path: settings.socketPath, mode: settings.socketMode, registry: registry)
            logger.notice("swamond \(swamonVersion) listening on \(settings.socketPath)")
        }
        Notifier.ready(status: registry.statusSummary())
        startSupervisor(registry)

        let done = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        for signalNumber in [SIGTERM, SIGINT] {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler { done.signal() }
            source.resume()
            sources.append(source)
        }
        done.wait()
        Notifier.stopping(status: "stopping: ending every monitoring context")
        logger.notice("stopping: ending every monitoring context")
        registry.shutdown()
        server.shutdown()
        // A socket systemd passed is systemd's to remove.
        if activated == nil { unlink(settings.socketPath) }
        logger.notice("stopped")
    }

    /// Keeps systemd's STATUS= current and, when `WatchdogSec=` is set, pings the watchdog at half
    /// its interval — only while every monitoring thread has shown life within one sampling sleep
    /// plus half the watchdog interval, so a hung loop lets systemd restart the service.
    func startSupervisor(_ registry: Registry) {
        let watchdog = Notifier.watchdogInterval()
        let tick = watchdog.map { min($0 / 2, .seconds(1)) } ?? .seconds(1)
        let grace = watchdog.map { $0 / 2 } ?? .seconds(30)
        let thread = Thread {
            var lastStatus = ""
            while true {
                let status = registry.statusSummary()
                if status != lastStatus {
                    Notifier.status(status)
                    lastStatus = status
                }
                if watchdog != nil && registry.monitorsAreAlive(grace: grace) { Notifier.watchdog() }
                let (seconds, attoseconds) = tick.components
                usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
            }
        }
        thread.name = "supervisor"
        thread.start()
    }

    /// Many clients mean many descriptors: use the hard limit.
    func raiseFileLimit() {
        var limit = rlimit()
        if getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max {
            limit.rlim_cur = limit.rlim_max
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}
