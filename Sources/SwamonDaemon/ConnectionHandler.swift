import Dispatch
import Glibc
import NIOCore
import SwamonProtocol

/// `struct ucred` as `SO_PEERCRED` returns it.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0
}

/// One control connection: answers its request lines strictly in order, one at a time. A reply
/// that takes time (stopping monitoring) runs on a background queue while reading from this
/// connection pauses; other connections are never held up.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = LineFrame
    typealias OutboundOut = ByteBuffer

    private let registry: Registry
    private var peer: Peer?
    private var pending = CircularBuffer<LineFrame>()
    private var busy = false
    private var inputClosed = false
    private var closing = false
    private var subscriber: WatchHub.Subscriber?

    init(registry: Registry) {
        self.registry = registry
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard let provider = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(Glibc.SOL_SOCKET), name: SocketOptionName(17 /* SO_PEERCRED */))
        credentials.assumeIsolated().whenComplete { result in
            switch result {
            case .success(let credentials):
                self.peer = self.registry.peer(pid: credentials.pid, uid: credentials.uid, gid: credentials.gid)
                self.drain(context: context)
            case .failure:
                context.close(promise: nil)
            }
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard subscriber == nil, !closing else { return }
        pending.append(unwrapInboundIn(data))
        drain(context: context)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            drain(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        if let subscriber {
            registry.watchers.remove(subscriber)
            self.subscriber = nil
        }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Answers queued lines until one must wait, the queue is empty, or the connection ends.
    private func drain(context: ChannelHandlerContext) {
        guard let peer else { return }
        while !busy, !closing, subscriber == nil, let frame = pending.popFirst() {
            let request: Request
            switch frame {
            case .tooLong:
                send(.error(ControlError(.E2BIG, "request line longer than 1 MiB; the rest of that line was discarded")), context)
                continue
            case .line(let line):
                do {
                    request = try Request(parsing: Substring(line))
                } catch {
                    send(.error(error), context)
                    continue
                }
            }
            switch request {
            case .quit:
                send(.ok, context)
                close(context)
            case .watch(let name):
                if let name, !registry.hasContext(named: name) {
                    send(.error(ControlError(.ENOENT, "no context '\(name.prefix(64))'")), context)
                    continue
                }
                send(.ok, context)
                let subscriber = WatchHub.Subscriber(context: name, channel: context.channel)
                self.subscriber = subscriber
                registry.watchers.add(subscriber)
                pending.removeAll()
            default:
                switch registry.handle(request, from: peer) {
                case .now(let response):
                    send(response, context)
                case .later(let work):
                    busy = true
                    context.channel.setOption(ChannelOptions.autoRead, value: false).whenComplete { _ in }
                    let promise = context.eventLoop.makePromise(of: Response.self)
                    DispatchQueue.global().async { promise.succeed(work()) }
                    promise.futureResult.assumeIsolated().whenSuccess { response in
                        self.send(response, context)
                        self.busy = false
                        context.channel.setOption(ChannelOptions.autoRead, value: true).whenComplete { _ in }
                        self.drain(context: context)
                    }
                }
            }
        }
        if inputClosed, pending.isEmpty, !busy, subscriber == nil, !closing {
            close(context)
        }
    }

    private func send(_ response: Response, _ context: ChannelHandlerContext) {
        let text = response.text
        var buffer = context.channel.allocator.buffer(capacity: text.utf8.count)
        buffer.writeString(text)
        context.writeAndFlush(wrapOutboundOut(buffer), promise: nil)
    }

    private func close(_ context: ChannelHandlerContext) {
        closing = true
        pending.removeAll()
        context.close(promise: nil)
    }
}
