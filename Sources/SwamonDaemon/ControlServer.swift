import Glibc
import Logging
import NIOCore
import NIOPosix

/// The control socket: accepts connections on a Unix socket it binds, or on one it was handed
/// (socket activation), and gives each a `ConnectionHandler`.
public final class ControlServer: Sendable {
    let registry: Registry
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel

    /// Serves the socket file swamond made itself (`SocketFile.create`).
    public static func serve(_ socket: SocketFile, registry: Registry) throws -> ControlServer {
        try adopt(descriptor: socket.descriptor, registry: registry)
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
        let limits = registry.connectionLimits
        let logger = registry.results.logger
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 256)
            .serverChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(AcceptPause(logger: logger))
                }
            }
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let input = PendingInput()
                    try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(LineDecoder(limits: limits, pending: input)))
                    try channel.pipeline.syncOperations.addHandler(ConnectionHandler(registry: registry, limits: limits, input: input))
                }
            }
    }

    /// Stops accepting and closes every connection.
    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// This process's limit of open descriptors (`RLIMIT_NOFILE`, soft).
func descriptorLimit() -> UInt64 {
    var limit = rlimit()
    return getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 ? UInt64(limit.rlim_cur) : 0
}

/// Out of descriptors (or memory), accept(2) fails at once for as long as it lasts, and NIO
/// keeps the listening socket registered while its read is pending, so it would retry in a
/// busy loop. This pauses accepting for a second after such a failure (clients wait in the
/// backlog meanwhile) and says so at most once a minute.
final class AcceptPause: ChannelInboundHandler {
    typealias InboundIn = any Channel
    private let logger: Logger
    private var lastComplaint: NIODeadline?

    init(logger: Logger) {
        self.logger = logger
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        guard let error = error as? IOError, [EMFILE, ENFILE, ENOBUFS, ENOMEM].contains(error.errnoCode),
            let options = context.channel.syncOptions
        else { return context.fireErrorCaught(error) }
        let now = NIODeadline.now()
        if lastComplaint.map({ now - $0 > .minutes(1) }) ?? true {
            lastComplaint = now
            logger.error(
                "cannot accept control connections: \(String(cString: strerror(error.errnoCode))) (the limit is \(descriptorLimit()) open descriptors); pausing a second between tries, clients wait meanwhile")
        }
        try? options.setOption(.autoRead, value: false)
        let channel = context.channel
        context.eventLoop.assumeIsolated().scheduleTask(in: .seconds(1)) {
            try? channel.syncOptions?.setOption(.autoRead, value: true)
        }
    }
}
