import ArgumentParser
import Foundation
import SwamonLinux

/// `swamonctl damo ARGS…`: the real damo on swamond. damo finds DAMON only at
/// `<sysfs>/kernel/mm/damon`, so damo runs in a private mount namespace in which swamon-sysfs is
/// mounted there; the host's tree (possibly a real kdamond's) is never touched, and nothing
/// mounted here is seen outside.
struct Damo: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "damo",
        abstract: "Run damo (DAMON's user-space tool) against swamond.",
        discussion: """
            Runs 'damo ARGS...' in a private mount namespace (unshare --mount --propagation private; \
            for a non-root user also --user --map-root-user) where swamon-sysfs serves DAMON's sysfs tree \
            over /sys/kernel/mm/damon, so every damo command that speaks sysfs works on kernels without \
            DAMON. Before damo starts, the mount there is checked (in /proc/self/mountinfo) to be \
            swamon-sysfs and private; otherwise nothing runs. Kdamond N is swamond's context kdamondN. \
            Example: swamonctl damo start --ops vaddr --target_pid 1234; swamonctl damo report access; \
            swamonctl damo stop. Put -- before damo's arguments when they start with a dash.
            """)

    @ParentCommand var swamonctl: Swamonctl

    @Option(help: ArgumentHelp("The damo to run (default: $SWAMON_DAMO, else damo on PATH); any program that reads sysfs works.", valueName: "path"))
    var damo: String?

    @Option(help: ArgumentHelp("The swamon-sysfs to mount (default: beside swamonctl, else on PATH).", valueName: "path"))
    var sysfs: String?

    @Flag(help: .hidden) var inNamespace = false

    /// The mount namespace `swamonctl damo` was started in (`mnt:[inode]`): the re-run inside
    /// `unshare` refuses to mount anything if it is still in it.
    @Option(help: .hidden) var outerNamespace: String?

    /// Test-only: build the tmpfs stand-in for /sys/kernel/mm even where DAMON's directory exists.
    @Flag(help: .hidden) var emulateMissingDamon = false

    @Argument(parsing: .captureForPassthrough, help: "damo's arguments.")
    var passthrough: [String] = []

    /// damo's arguments, without the `--` that may separate them from ours.
    var arguments: [String] { passthrough.first == "--" ? Array(passthrough.dropFirst()) : passthrough }

    static let damonDirectory = "/sys/kernel/mm/damon"

    func run() throws {
        let session = swamonctl.session
        let damoPath = try resolve(damo ?? ProcessInfo.processInfo.environment["SWAMON_DAMO"] ?? "damo", what: "damo", session)
        let sysfsPath = try resolve(sysfs ?? siblingSysfs(), what: "swamon-sysfs", session)
        // Whoever started swamonctl may have left signals blocked (a thread pool's mask is
        // inherited through fork and exec); damo and swamon-sysfs must get Ctrl-C and SIGTERM.
        var none = sigset_t()
        sigemptyset(&none)
        sigprocmask(SIG_SETMASK, &none, nil)
        guard inNamespace else {
            return try enterNamespace(damo: damoPath, sysfs: sysfsPath, session)
        }
        guard let outerNamespace, let own = Self.mountNamespace(), own != outerNamespace else {
            throw session.fail("refusing to mount: not in a mount namespace of its own (started in \(outerNamespace ?? "?"), now in \(Self.mountNamespace() ?? "?"))")
        }
        let mounts = MountInfo.parse(try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8))
        if let shared = mounts.first(where: { $0.isShared && Self.damonDirectory.hasPrefix($0.mountPoint) }) {
            throw session.fail("refusing to mount: \(shared.mountPoint) propagates to other namespaces here (not a private mount namespace)")
        }
        // damo's children that outlive it (a target it terminated but never waited for) come to
        // this process instead of init; reaped when damo ends, so that swamond sees them gone.
        Syscalls.becomeChildSubreaper()
        let scratch = try Scratch(session)
        defer { scratch.remove() }
        if emulateMissingDamon || !FileManager.default.fileExists(atPath: Self.damonDirectory) {
            try DamonStandIn.make(under: "/sys/kernel/mm", originals: scratch.path + "/mm", session)
        }
        try Tracefs.hideDamonEvents(mounts: mounts, scratch: scratch, session)
        let server = Process()
        server.executableURL = URL(fileURLWithPath: sysfsPath)
        server.arguments = ["--socket", session.path, "--supervised", Self.damonDirectory]
        try server.run()
        defer { stop(server) }
        try waitForMount(server, session)
        let child = Process()
        child.executableURL = URL(fileURLWithPath: damoPath)
        child.arguments = arguments
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = try damoHome(session)
        child.environment = environment
        try child.run()
        // Foundation starts damo in a process group of its own, so the terminal's Ctrl-C reaches
        // only this process: it is passed on to damo (which stops DAMON and writes what it has),
        // and this process waits for damo, then takes the tree down.
        signal(SIGINT, SIG_IGN)
        let interrupt = DispatchSource.makeSignalSource(signal: SIGINT, queue: .global())
        let damoPID = child.processIdentifier
        interrupt.setEventHandler { kill(damoPID, SIGINT) }
        interrupt.resume()
        defer { interrupt.cancel() }
        child.waitUntilExit()
        reapOrphans(except: server.processIdentifier)
        if child.terminationStatus != 0 { throw ExitCode(child.terminationStatus) }
    }

    /// Reaps the zombies among this process's children (orphans of damo that exited); live ones
    /// are left to run on. Children are named one by one so that swamon-sysfs, which Foundation
    /// waits for itself, is never reaped here.
    func reapOrphans(except server: pid_t) {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            let children = (try? String(contentsOfFile: "/proc/self/task/\(task)/children", encoding: .utf8)) ?? ""
            for pid in children.split(separator: " ").compactMap({ pid_t($0) }) where pid != server {
                var status: Int32 = 0
                _ = waitpid(pid, &status, WNOHANG)
            }
        }
    }

    /// Unmounts the tree (which ends swamon-sysfs's loop) and waits for it; SIGTERM, then
    /// SIGKILL if it is stuck in a request to a daemon that does not answer.
    func stop(_ server: Process) {
        umount2(Self.damonDirectory, Int32(MNT_DETACH))
        for signal in [SIGTERM, SIGKILL] where server.isRunning {
            kill(server.processIdentifier, signal)
            for _ in 0..<50 where server.isRunning { usleep(100_000) }
        }
        if !server.isRunning { server.waitUntilExit() }
    }

    /// Re-runs this command inside a new mount namespace whose mounts are all private.
    func enterNamespace(damo: String, sysfs: String, _ session: Session) throws {
        let unshare = try resolve("unshare", what: "unshare (util-linux)", session)
        var argv = [unshare, "--mount", "--propagation", "private"]
        if geteuid() != 0 { argv += ["--user", "--map-root-user"] }
        guard let namespace = Self.mountNamespace() else { throw session.fail("cannot read /proc/self/ns/mnt") }
        argv += ["--", "/proc/self/exe", "--socket", session.path, "damo", "--in-namespace", "--outer-namespace", namespace, "--damo", damo, "--sysfs", sysfs]
        if emulateMissingDamon { argv.append("--emulate-missing-damon") }
        argv += ["--"] + arguments
        // /proc/self/exe is unshare's after exec; pass our own binary instead.
        argv[argv.firstIndex(of: "/proc/self/exe")!] = CommandLine.executablePath
        let cArguments = argv.map { strdup($0) } + [nil]
        execv(unshare, cArguments)
        throw session.fail("cannot run \(unshare): \(String(cString: strerror(errno)))")
    }

    /// Waits until swamon-sysfs is the mount seen at /sys/kernel/mm/damon; refuses anything else.
    func waitForMount(_ server: Process, _ session: Session) throws {
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            guard server.isRunning else { throw session.fail("swamon-sysfs exited before mounting (status \(server.terminationStatus))") }
            let mounts = MountInfo.parse((try? String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)) ?? "")
            if let top = MountInfo.top(at: Self.damonDirectory, in: mounts), top.fileSystemType == "fuse.swamon-sysfs" {
                guard !top.isShared else { throw session.fail("the swamon-sysfs mount would propagate; refusing to run damo") }
                return
            }
            usleep(20_000)
        }
        throw session.fail("swamon-sysfs did not appear at \(Self.damonDirectory) within 10 s; refusing to run damo")
    }

    /// damo keeps what it found out about the kernel in `$HOME/.damo.sysinfo` and trusts it on
    /// later runs; swamond's tree gets its own, so it never mixes with a real DAMON's.
    func damoHome(_ session: Session) throws -> String {
        let environment = ProcessInfo.processInfo.environment
        let cache = environment["XDG_CACHE_HOME"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? ((environment["HOME"] ?? "/root") + "/.cache")
        let home = cache + "/swamon/damo"
        do { try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true) } catch {
            throw session.fail("cannot create damo's home \(home): \(error.localizedDescription)")
        }
        return home
    }

    /// This process's mount namespace, as `/proc/self/ns/mnt` names it (`mnt:[4026531841]`).
    static func mountNamespace() -> String? {
        try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/mnt")
    }

    func siblingSysfs() -> String {
        let own = URL(fileURLWithPath: CommandLine.executablePath).deletingLastPathComponent().appendingPathComponent("swamon-sysfs").path
        return FileManager.default.isExecutableFile(atPath: own) ? own : "swamon-sysfs"
    }

    /// An absolute path for `name`: itself when it has a slash, else the first match on PATH.
    func resolve(_ name: String, what: String, _ session: Session) throws -> String {
        if name.contains("/") {
            guard FileManager.default.isExecutableFile(atPath: name) else { throw session.fail("\(what) not found at \(name)", code: ExitCode(64)) }
            return name
        }
        for directory in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin").split(separator: ":") {
            let candidate = "\(directory)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        throw session.fail("\(what) not found on PATH (pip install damo, or give --damo)", code: ExitCode(64))
    }
}

extension CommandLine {
    /// This executable's path (`/proc/self/exe`).
    static var executablePath: String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? arguments[0]
    }
}
