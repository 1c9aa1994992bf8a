import Dispatch
import Glibc
import NIOCore
import Synchronization
import SwamonLinux
import SwamonProtocol

/// `struct ucred` as `SO_PEERCRED` returns it.
struct PeerCredentials: Sendable {
    var pid: Int32 = 0
    var uid: UInt32 = 0
    var gid: UInt32 = 0

    /// `SO_PEERCRED` (Glibc hides it behind `_GNU_SOURCE`).
    static let option: Int32 = 17
}

/// The supplementary groups `SO_PEERGROUPS` returns (sorted ascending, zero-padded); a peer
/// with more than 256 groups is judged by its primary group alone.
struct PeerGroups {
    var gids = InlineArray<256, UInt32>(repeating: 0)
    static let option: Int32 = 59

    /// The groups, less the zero padding (a real group 0 is kept only in first place).
    var list: [UInt32] {
        var result: [UInt32] = []
        for index in gids.indices where gids[index] != 0 || index == 0 { result.append(gids[index]) }
        return result
    }
}

/// One control connection: answers its request lines strictly in order, one at a time, each
/// off the event loop (requests may open `/proc` files). Reading pauses while replies are not
/// being taken (the connection is not writable) or too many requests wait, so a client that
/// never reads cannot make the daemon buffer without bound. Other connections are never held up.
final class ConnectionHandler: ChannelInboundHandler {
    typealias InboundIn = LineFrame
    typealias OutboundOut = ByteBuffer

    private let registry: Registry
    private let limits: ConnectionLimits
    private let input: PendingInput
    private var peer: Peer?
    private var pending = CircularBuffer<LineFrame>()
    private var busy = false
    private var inputClosed = false
    private var closing = false
    private var reading = true
    private var subscriber: WatchHub.Subscriber?
    private var lastRequest = Syscalls.monotonicNanoseconds()
    private var timer: RepeatedTask?

    /// Requests read ahead of the one being answered before reading pauses.
    static let maxPending = 16

    init(registry: Registry, limits: ConnectionLimits, input: PendingInput) {
        self.registry = registry
        self.limits = limits
        self.input = input
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
        guard let provider = context.channel as? any SocketOptionProvider else {
            context.close(promise: nil)
            return
        }
        let credentials: EventLoopFuture<PeerCredentials> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(Glibc.SOL_SOCKET), name: SocketOptionName(PeerCredentials.option))
        let groups: EventLoopFuture<PeerGroups> = provider.unsafeGetSocketOption(
            level: SocketOptionLevel(Glibc.SOL_SOCKET), name: SocketOptionName(PeerGroups.option))
        credentials.and(groups.recover { _ in PeerGroups() }).assumeIsolated().whenComplete { result in
            guard case .success(let (credentials, groups)) = result else { return context.close(promise: nil) }
            if let refusal = self.limits.admit(uid: credentials.uid) {
                self.closing = true
                self.send(.error(ControlError(.EAGAIN, refusal + "; try again later")), context)
                context.close(promise: nil)
                return
            }
            self.peer = self.registry.peer(
                pid: credentials.pid, uid: credentials.uid, gid: credentials.gid, groups: groups.list)
            self.startTimer(context)
            self.drain(context: context)
        }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard subscriber == nil, !closing else { return }
        pending.append(unwrapInboundIn(data))
        drain(context: context)
    }

    func channelWritabilityChanged(context: ChannelHandlerContext) {
        drain(context: context)
        context.fireChannelWritabilityChanged()
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if case ChannelEvent.inputClosed = event {
            inputClosed = true
            drain(context: context)
        }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        timer?.cancel()
        if let subscriber {
            registry.watchers.remove(subscriber)
            self.subscriber = nil
        }
        limits.bufferedInput.subtract(input.heldBytes, ordering: .relaxed)
        input.heldBytes = 0
        if let peer { limits.release(uid: peer.uid) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    /// Closes a connection whose unfinished line is older than `request_timeout`, or that has sat
    /// without any request for `idle_timeout` (a watch stream never idles).
    private func startTimer(_ context: ChannelHandlerContext) {
        let configuration = registry.configuration
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        timer = context.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in
            let (handler, context) = loopBound.value
            guard !handler.closing else { return }
            let now = Syscalls.monotonicNanoseconds()
            if handler.input.since > 0, now &- handler.input.since > configuration.requestTimeout * 1_000_000_000 {
                handler.send(
                    .error(ControlError(.EAGAIN, "request line not finished within \(configuration.requestTimeout) s (request_timeout); closing")),
                    context)
                handler.close(context)
            } else if configuration.idleTimeout > 0, handler.subscriber == nil, !handler.busy, handler.pending.isEmpty,
                now &- handler.lastRequest > configuration.idleTimeout * 1_000_000_000
            {
                handler.close(context)
            }
        }
    }

    /// Answers queued lines until one must wait, the queue is empty, replies are not being
    /// taken, or the connection ends; then decides whether to keep reading.
    private func drain(context: ChannelHandlerContext) {
        defer { updateReading(context) }
        guard let peer else { return }
        while !busy, !closing, subscriber == nil, context.channel.isWritable, let frame = pending.popFirst() {
            lastRequest = Syscalls.monotonicNanoseconds()
            let request: Request
            switch frame {
            case .tooLong:
                send(.error(ControlError(.E2BIG, "request line longer than 1 MiB; the rest of that line was discarded")), context)
                continue
            case .overBudget:
                send(
                    .error(ControlError(
                        .E2BIG,
                        "unfinished request line dropped: swamond holds at most \(limits.maxBufferedInput) bytes of unfinished lines for all clients (max_buffered_input)")),
                    context)
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
                let subscriber = WatchHub.Subscriber(context: name, channel: context.channel, peer: peer)
                self.subscriber = subscriber
                registry.watchers.add(subscriber)
                pending.removeAll()
            default:
                if let response = registry.immediateAnswer(to: request, from: peer) {
                    send(response, context)
                    continue
                }
                busy = true
                let promise = context.eventLoop.makePromise(of: Response.self)
                let registry = self.registry
                DispatchQueue.global().async {
                    switch registry.handle(request, from: peer) {
                    case .now(let response): promise.succeed(response)
                    case .later(let work): work { promise.succeed($0) }
                    }
                }
                promise.futureResult.assumeIsolated().whenSuccess { response in
                    self.send(response, context)
                    self.busy = false
                    self.drain(context: context)
                }
            }
        }
        if inputClosed, pending.isEmpty, !busy, subscriber == nil, !closing {
            close(context)
        }
    }

    /// Reads while there is room for more requests and replies are being taken.
    private func updateReading(_ context: ChannelHandlerContext) {
        let wanted = !closing && pending.count < Self.maxPending && (subscriber != nil || context.channel.isWritable)
        guard wanted != reading else { return }
        reading = wanted
        context.channel.setOption(ChannelOptions.autoRead, value: wanted).whenComplete { _ in }
        if wanted { context.read() }
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
