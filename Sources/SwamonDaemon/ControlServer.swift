import Glibc
import NIOCore
import NIOPosix

/// The control socket: accepts connections on a Unix socket it binds, or on one it was handed
/// (socket activation), and gives each a `ConnectionHandler`.
public final class ControlServer: Sendable {
    let registry: Registry
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel

    /// Binds `path` (removing a stale socket file), then sets its mode and group so that the
    /// control group can connect.
    public static func bind(path: String, mode: UInt32, registry: Registry) throws -> ControlServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let directory = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)])
        if !directory.isEmpty { mkdir(directory, 0o755) }
        let channel = try bootstrap(group: group, registry: registry)
            .bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true).wait()
        chmod(path, mode_t(mode))
        if let gid = registry.controlGroupID { chown(path, uid_t.max, gid) }
        return ControlServer(registry: registry, group: group, channel: channel)
    }

    /// Serves a listening socket handed over by systemd (`sd_listen_fds`).
    public static func adopt(descriptor: CInt, registry: Registry) throws -> ControlServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try bootstrap(group: group, registry: registry).withBoundSocket(descriptor).wait()
        return ControlServer(registry: registry, group: group, channel: channel)
    }

    private init(registry: Registry, group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.registry = registry
        self.group = group
        self.channel = channel
    }

    static func bootstrap(group: MultiThreadedEventLoopGroup, registry: Registry) -> ServerBootstrap {
        ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder()))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(registry: registry))
                }
            }
    }

    /// Stops accepting and closes every connection.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}
