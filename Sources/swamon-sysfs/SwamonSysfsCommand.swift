import ArgumentParser
import CFuse
import FoundationEssentials
import Glibc
import SwamonLinux
import SwamonProtocol
import SwamonSysfs

@main
struct SwamonSysfsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamon-sysfs",
        abstract: "Serve DAMON's sysfs admin tree (Linux 6.12) over swamond through FUSE.",
        discussion: """
            Mounts at MOUNTPOINT a tree that holds admin/kdamonds/… as the kernel's \
            /sys/kernel/mm/damon does; kdamond N is swamond's context kdamondN. Files stage inputs; \
            writing 'on' or 'commit' to a kdamond's state sends them to swamond, which decides what \
            the caller may monitor. Runs in the foreground until unmounted or signalled. \
            'swamonctl damo' mounts it over /sys/kernel/mm/damon in a private mount namespace so \
            that damo finds it.
            """)

    @Option(help: "swamond's control socket (default: $SWAMON_SOCKET, else /run/swamond/swamond.sock, else the per-user path)")
    var socket: String?

    @Flag(help: "Print every FUSE request (libfuse's -d).")
    var debug = false

    /// Set by swamonctl damo: Ctrl-C is for damo, which still needs the tree to turn DAMON off
    /// and write its record; swamonctl ends the tree after damo, and if swamonctl itself is
    /// killed, the tree ends with it.
    @Flag(help: .hidden) var supervised = false

    @Argument(help: "Where to mount the tree (an existing directory).")
    var mountpoint: String

    func run() throws {
        let parent = getppid()
        let socketPath =
            socket
            ?? SocketPath.clientDefault(
                uid: getuid(), environment: ProcessInfo.processInfo.environment, systemExists: access(SocketPath.system, F_OK) == 0)
        let tree = SysfsTree(link: SocketLink(path: socketPath)) { reason in
            let line = Array("swamon-sysfs: \(reason)\n".utf8)
            _ = line.withUnsafeBytes { Glibc.write(STDERR_FILENO, $0.baseAddress, $0.count) }
        }
        do { try tree.load() } catch {
            throw ValidationError("cannot read swamond's contexts at \(socketPath): \(error)")
        }
        // libfuse ends its loop on these; a parent may have left them blocked.
        var handled = sigset_t()
        sigemptyset(&handled)
        for signal in [SIGINT, SIGTERM, SIGHUP] { sigaddset(&handled, signal) }
        sigprocmask(SIG_UNBLOCK, &handled, nil)
        let server = FuseServer(tree: tree)
        var operations = FuseOperations.make()
        var arguments = ["swamon-sysfs", "-o", "default_permissions,fsname=swamon-sysfs,subtype=swamon-sysfs"]
        if debug { arguments.append("-d") }
        let cArguments = UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>.allocate(capacity: arguments.count + 1)
        for (index, argument) in arguments.enumerated() { cArguments[index] = strdup(argument) }
        cArguments[arguments.count] = nil
        defer {
            for index in arguments.indices { free(cArguments[index]) }
            cArguments.deallocate()
        }
        var fuseArguments = fuse_args(argc: Int32(arguments.count), argv: cArguments, allocated: 0)
        let data = Unmanaged.passRetained(server).toOpaque()
        guard let fuse = swamon_fuse_new(&fuseArguments, &operations, data) else {
            throw ValidationError("libfuse refused its options")
        }
        defer { fuse_destroy(fuse) }
        guard fuse_mount(fuse, mountpoint) == 0 else {
            throw ValidationError("cannot mount at \(mountpoint) (is /dev/fuse there, and are you root or in your own user namespace?)")
        }
        defer { fuse_unmount(fuse) }
        guard fuse_set_signal_handlers(fuse_get_session(fuse)) == 0 else {
            throw ValidationError("cannot install signal handlers")
        }
        defer { fuse_remove_signal_handlers(fuse_get_session(fuse)) }
        if supervised {
            signal(SIGINT, SIG_IGN)
            Syscalls.endWithParent(signal: SIGTERM, parent: parent)
        }
        let result = fuse_loop(fuse)
        if result < 0 { throw ExitCode(1) }
    }
}
