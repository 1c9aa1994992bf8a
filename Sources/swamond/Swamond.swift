import ArgumentParser
import Dispatch
import FoundationEssentials
import Glibc
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
            defaults, the configuration file, --set, --socket and --metrics-listen. GET /metrics on \
            metrics_listen (or on a socket systemd passes as 'metrics', swamond-metrics.socket) is the \
            Prometheus exposition of docs/metrics.md. The shipped swamond.service starts it with
            --set state_file=/var/lib/swamond/state, which overrides the file's state_file.

            Signals: SIGTERM and SIGINT stop every context and exit; SIGHUP re-reads the configuration
            (control_group, default_attrs, access_check, sampling and journal_every take effect at once;
            socket_path, socket_mode and state_file at the next start); SIGUSR1 and SIGUSR2 log one status
            line; SIGPIPE, SIGALRM and other stray signals are ignored.

            Exit status: 0 after a clean stop; 78 (EX_CONFIG) when the configuration, the socket or the state
            file is unusable (the reason is printed); 1 otherwise.
            """,
        version: "swamond \(swamonVersion) (protocol \(protocolVersion))"
    )

    @Option(help: "Configuration file (etc/swamond.conf lists every key with its default).")
    var config: String?

    @Option(help: "Control socket path (overrides socket_path).")
    var socket: String?

    @Option(help: ArgumentHelp("Serve Prometheus metrics on HOST:PORT (overrides metrics_listen; empty = off).", valueName: "host:port"))
    var metricsListen: String?

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
        // One malloc arena for every thread: glibc would give each monitoring thread its own
        // (up to 8 per core), each holding freed memory of its own; with 8 contexts that is
        // about 1 MiB resident for nothing. Allocation stays per-thread cached (tcache); the
        // threads allocate little per sample, so the shared arena's lock is rarely contended.
        // MALLOC_ARENA_MAX in the environment still decides when given.
        if ProcessInfo.processInfo.environment["MALLOC_ARENA_MAX"] == nil { Syscalls.limitHeapArenas(to: 1) }
        do {
            try serve()
        } catch let error as StartupError {
            // A reason in words, without the usage text (nothing was wrong with the arguments).
            writeStandardError("swamond: \(error)\n")
            throw ExitCode(Self.configurationExitCode)
        }
    }

    /// systemd's exit status for a configuration error (EX_CONFIG): no restart loop helps it.
    static let configurationExitCode: Int32 = 78

    /// Reads the configuration: defaults, then the file, then `--set`, then `--socket`.
    func loadConfiguration() throws(StartupError) -> Configuration {
        var settings = Configuration(
            socketPath: SocketPath.daemonDefault(uid: getuid(), environment: ProcessInfo.processInfo.environment))
        let path = config ?? (access("/etc/swamond.conf", F_OK) == 0 ? "/etc/swamond.conf" : nil)
        do {
            if let path {
                let text: String
                do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
                    let reason = access(path, R_OK) != 0 ? String(cString: strerror(errno)) : "not UTF-8 text"
                    throw ConfigurationError("cannot read \(path): \(reason)")
                }
                try settings.apply(text, source: path)
            }
            for (index, override) in overrides.enumerated() {
                try settings.apply(override, source: "--set #\(index + 1)")
            }
        } catch {
            throw StartupError("configuration: \(error)")
        }
        if let socket { settings.socketPath = socket }
        if let metricsListen {
            do { try settings.apply("metrics_listen = \(metricsListen)", source: "--metrics-listen") } catch { throw StartupError("\(error)") }
        }
        return settings
    }

    func serve() throws {
        let settings = try loadConfiguration()
        let level = logLevel
        let journal = logTarget == .journal
            || (logTarget == .auto && ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil)
        LoggingSystem.bootstrap { label in
            if journal {
                var handler = JournalLogHandler(identifier: "swamond")
                handler.logLevel = level
                return handler
            }
            var handler = TerminalLogHandler()
            handler.logLevel = level
            return handler
        }
        let logger = Logger(label: "swamond")
        raiseFileLimit()

        // Asked once: sd_listen_fds() clears LISTEN_FDS, so a second call would answer "none".
        let passed = SocketActivation.listeningDescriptors()
        let activated = passed.control
        var locks: [InstanceLock] = []
        var socketFile: SocketFile?
        if activated == nil {
            // The lock first: a second daemon on this path stops here, before touching the socket.
            try TrustedDirectory.prepare(containing: settings.socketPath, purpose: "socket directory")
            locks += try [InstanceLock.take("\(settings.socketPath).lock", guarding: "the socket \(settings.socketPath)") { logger.warning("\($0)") }].compactMap { $0 }
        }
        if !settings.stateFile.isEmpty {
            try TrustedDirectory.prepare(containing: settings.stateFile, purpose: "state directory")
            locks += try [InstanceLock.take("\(settings.stateFile).lock", guarding: "the state file \(settings.stateFile)") { logger.warning("\($0)") }].compactMap { $0 }
        }

        for kind in AccessCheckKind.allCases {
            let reason = AccessCheckProbe.unavailability(of: kind)
            logger.info("access check \(kind.rawValue): \(reason ?? "available")")
        }
        let registry = Registry(configuration: settings, results: ResultsLog(logger: logger))
        if registry.controlGroupID == nil {
            logger.warning(
                "control group '\(settings.controlGroup)' does not exist: only root may write; create it (groupadd \(settings.controlGroup)) or set control_group")
        }
        // Signals are handled before the socket exists: a client that sees the socket may stop
        // the daemon at once, and a SIGTERM must never be lost or kill it uncleanly.
        let done = DispatchSemaphore(value: 0)
        var sources: [any DispatchSourceSignal] = []
        func handle(_ signalNumber: Int32, _ action: @escaping @Sendable () -> Void) {
            signal(signalNumber, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
            source.setEventHandler(handler: action)
            source.resume()
            sources.append(source)
        }
        for signalNumber in [SIGTERM, SIGINT] {
            handle(signalNumber) { done.signal() }
        }
        handle(SIGHUP) {
            do {
                let notes = registry.reload(try loadConfiguration())
                logger.notice("SIGHUP: configuration reloaded\(notes.isEmpty ? ", nothing changed" : ": " + notes.joined(separator: "; "))")
            } catch {
                logger.error("SIGHUP: configuration not reloaded, the running one stays: \(error)")
            }
        }
        for signalNumber in [SIGUSR1, SIGUSR2] {
            handle(signalNumber) { logger.notice("signal \(signalNumber): \(registry.statusSummary())") }
        }
        for signalNumber in [SIGPIPE, SIGALRM, SIGVTALRM, SIGPROF, SIGIO, SIGURG, SIGXFSZ] {
            signal(signalNumber, SIG_IGN)
        }
        // Before the control socket: a metrics address that cannot be bound stops startup cleanly.
        let render: @Sendable () -> [UInt8] = { MetricsExposition.render(registry.metricsSnapshot(), version: swamonVersion) }
        var metrics: MetricsServer?
        if let descriptor = passed.metrics {
            metrics = try MetricsServer.adopt(descriptor: descriptor, logger: logger, render: render)
            logger.notice("serving metrics on the socket systemd passed (fd \(descriptor)): GET /metrics")
        } else if let address = MetricsAddress(settings.metricsListen) {
            do { metrics = try MetricsServer.bind(address, logger: logger, render: render) } catch {
                throw StartupError("metrics_listen \(settings.metricsListen): cannot listen: \(error)")
            }
            logger.notice("serving metrics on http://\(metrics!.localAddress)/metrics")
        }
        registry.restoreState()
        let server: ControlServer
        if let descriptor = activated {
            server = try ControlServer.adopt(descriptor: descriptor, registry: registry)
            logger.notice("swamond \(swamonVersion) serving the socket systemd passed (fd \(descriptor))")
        } else {
            let made = try SocketFile.create(path: settings.socketPath, mode: settings.socketMode, groupID: registry.controlGroupID)
            if made.replacedStale { logger.notice("replaced a stale socket file at \(made.path) (no server answered on it)") }
            socketFile = made
            server = try ControlServer.serve(made, registry: registry)
            logger.notice("swamond \(swamonVersion) listening on \(settings.socketPath)")
        }
        // After the socket: its bind sets the process umask, and the saver creates files.
        do { try registry.startSaving() } catch {
            server.shutdown()
            socketFile?.removeIfOurs()
            throw error
        }
        Notifier.ready(status: registry.statusSummary())
        startSupervisor(registry)

        done.wait()
        Notifier.stopping(status: "stopping: ending every monitoring context")
        logger.notice("stopping: ending every monitoring context")
        registry.shutdown()
        server.shutdown()
        metrics?.shutdown()
        // A socket systemd passed is systemd's to remove; ours only while it is still ours.
        if let socketFile, !socketFile.removeIfOurs() {
            logger.warning("left \(socketFile.path) in place: it is no longer the socket this swamond made")
        }
        withExtendedLifetime(locks) {}
        logger.notice("stopped")
    }

    /// Keeps systemd's STATUS= current and, when `WatchdogSec=` is set, pings the watchdog at half
    /// its interval — only while every monitoring thread has shown life within one sampling sleep
    /// plus half the watchdog interval, so a hung loop lets systemd restart the service.
    func startSupervisor(_ registry: Registry) {
        let watchdog = Notifier.watchdogInterval()
        let tick = watchdog.map { min($0 / 2, .seconds(1)) } ?? .seconds(1)
        let grace = watchdog.map { $0 / 2 } ?? .seconds(30)
        DetachedThread.start(name: "supervisor") {
            var lastStatus = ""
            while true {
                let status = registry.statusSummary()
                if status != lastStatus {
                    Notifier.status(status)
                    lastStatus = status
                }
                if watchdog != nil && registry.monitorsAreAlive(grace: grace) { Notifier.watchdog() }
                registry.trimMemoryAfterClosedConnections()
                let (seconds, attoseconds) = tick.components
                usleep(UInt32(seconds * 1_000_000 + attoseconds / 1_000_000_000_000))
            }
        }
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
