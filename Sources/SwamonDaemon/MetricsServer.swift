import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// `GET /metrics` over HTTP/1.1 on its own event loop, so a scrape never waits behind control
/// requests (or they behind it). Rendering copies the registry's published state; it never
/// touches a monitoring thread. Everything else is 404. At most `maxConnections` at once; a
/// connection idle for 30 s is closed.
public final class MetricsServer: Sendable {
    static let maxConnections = 64
    let group: MultiThreadedEventLoopGroup
    let channel: any Channel

    /// Binds `address` (`metrics_listen`).
    public static func bind(_ address: MetricsAddress, logger: Logger, render: @escaping @Sendable () -> [UInt8]) throws -> MetricsServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        do {
            let channel = try bootstrap(group: group, logger: logger, render: render)
                .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
                .bind(host: address.host, port: address.port).wait()
            return MetricsServer(group: group, channel: channel)
        } catch {
            try? group.syncShutdownGracefully()
            throw error
        }
    }

    /// Serves a listening socket systemd passed (`swamond-metrics.socket`, FileDescriptorName=metrics).
    public static func adopt(descriptor: CInt, logger: Logger, render: @escaping @Sendable () -> [UInt8]) throws -> MetricsServer {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let channel = try bootstrap(group: group, logger: logger, render: render).withBoundSocket(descriptor).wait()
        return MetricsServer(group: group, channel: channel)
    }

    private init(group: MultiThreadedEventLoopGroup, channel: any Channel) {
        self.group = group
        self.channel = channel
    }

    /// Where it listens, e.g. `127.0.0.1:9464` (the port is the kernel's when 0 was asked for).
    public var localAddress: String {
        guard let address = channel.localAddress else { return "?" }
        let host = address.ipAddress ?? "?"
        return (host.contains(":") ? "[\(host)]" : host) + ":\(address.port ?? 0)"
    }

    static func bootstrap(group: MultiThreadedEventLoopGroup, logger: Logger, render: @escaping @Sendable () -> [UInt8]) -> ServerBootstrap {
        let counter = ConnectionCount()
        return ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 64)
            .childChannelInitializer { channel in
                guard counter.enter() else { return channel.close() }
                channel.closeFuture.whenComplete { _ in counter.leave() }
                return channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    try channel.pipeline.syncOperations.addHandler(IdleStateHandler(allTimeout: .seconds(30)))
                    try channel.pipeline.syncOperations.addHandler(MetricsHandler(render: render))
                }
            }
    }

    public func shutdown() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }
}

/// Open metrics connections, bounded.
final class ConnectionCount: Sendable {
    let open = Atomic<Int>(0)

    func enter() -> Bool {
        if open.add(1, ordering: .relaxed).newValue > MetricsServer.maxConnections {
            open.subtract(1, ordering: .relaxed)
            return false
        }
        return true
    }

    func leave() { open.subtract(1, ordering: .relaxed) }
}

/// One HTTP exchange at a time per connection (NIO's pipelining handler orders them).
final class MetricsHandler: ChannelInboundHandler {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    let render: @Sendable () -> [UInt8]
    var request: HTTPRequestHead?

    init(render: @escaping @Sendable () -> [UInt8]) { self.render = render }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): request = head
        case .body: break
        case .end:
            guard let head = request else { return }
            request = nil
            let path = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
            let found = (head.method == .GET || head.method == .HEAD) && path == "/metrics"
            let body = found ? render() : Array("not found: swamond serves GET /metrics\n".utf8)
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? MetricsExposition.contentType : "text/plain; charset=utf-8")
            headers.add(name: "Content-Length", value: String(body.count))
            if !head.isKeepAlive { headers.add(name: "Connection", value: "close") }
            let response = HTTPResponseHead(version: head.version, status: found ? .ok : .notFound, headers: headers)
            context.write(wrapOutboundOut(.head(response)), promise: nil)
            if head.method != .HEAD {
                context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
            }
            let keepAlive = head.isKeepAlive
            let channel = context.channel
            context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { _ in
                if !keepAlive { channel.close(promise: nil) }
            }
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if event is IdleStateHandler.IdleStateEvent { context.close(promise: nil) } else { context.fireUserInboundEventTriggered(event) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
