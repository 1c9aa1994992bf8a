import NIOCore
import Synchronization
import SwamonCore

/// Live `watch` subscribers. Monitoring threads hand each line to every matching subscriber,
/// which never blocks them: a subscriber whose connection cannot take more drops the line and
/// counts it.
final class WatchHub: Sendable {
    final class Subscriber: Sendable {
        let context: String?
        let channel: any Channel
        let peer: Peer
        /// Per target id: whether this peer may see it (the ptrace rule), decided once.
        let visible = Mutex<[Target.ID: Bool]>([:])
        /// Lines handed to the event loop but not yet written.
        let pending = Atomic<Int>(0)
        let drops = Atomic<UInt64>(0)
        /// Beyond this many lines in flight, new lines are dropped.
        static let maxPending = 64

        init(context: String?, channel: any Channel, peer: Peer) {
            self.context = context
            self.channel = channel
            self.peer = peer
        }

        /// Runs on a monitoring thread; never waits. The line is written only if the
        /// connection is below its write-buffer watermark when the event loop gets to it.
        func deliver(_ line: String) {
            guard pending.load(ordering: .relaxed) < Self.maxPending else {
                drops.add(1, ordering: .relaxed)
                return
            }
            pending.add(1, ordering: .relaxed)
            channel.eventLoop.execute { [self] in
                defer { pending.subtract(1, ordering: .relaxed) }
                guard channel.isActive else { return }
                guard channel.isWritable else {
                    drops.add(1, ordering: .relaxed)
                    return
                }
                var buffer = channel.allocator.buffer(capacity: line.utf8.count + 1)
                buffer.writeString(line)
                buffer.writeInteger(UInt8(ascii: "\n"))
                channel.writeAndFlush(buffer, promise: nil)
            }
        }
    }

    private let subscribers = Mutex<[ObjectIdentifier: Subscriber]>([:])
    /// Lines dropped for subscribers that have since left.
    private let pastDrops = Atomic<UInt64>(0)

    func add(_ subscriber: Subscriber) {
        subscribers.withLock { $0[ObjectIdentifier(subscriber)] = subscriber }
    }

    func remove(_ subscriber: Subscriber) {
        subscribers.withLock { $0[ObjectIdentifier(subscriber)] = nil }
        pastDrops.add(subscriber.drops.load(ordering: .relaxed), ordering: .relaxed)
    }

    /// Hands `line` about `target` to every subscriber of `context` allowed to see that target
    /// (`mayInspect`, asked once per subscriber and target); the line is built only if needed.
    func broadcast(
        context: String, target: Target.ID, mayInspect: (Peer) -> Bool, _ line: @autoclosure () -> String
    ) {
        let matching = subscribers.withLock { $0.values.filter { $0.context == nil || $0.context == context } }.filter { subscriber in
            if subscriber.peer.isRoot { return true }
            if let known = subscriber.visible.withLock({ $0[target] }) { return known }
            let allowed = mayInspect(subscriber.peer)
            subscriber.visible.withLock { $0[target] = allowed }
            return allowed
        }
        guard !matching.isEmpty else { return }
        let text = line()
        for subscriber in matching { subscriber.deliver(text) }
    }

    /// Subscribers now, and lines dropped so far (all subscribers, past and present).
    var counts: (subscribers: Int, drops: UInt64) {
        let current = subscribers.withLock { Array($0.values) }
        return (current.count, current.reduce(pastDrops.load(ordering: .relaxed)) { $0 + $1.drops.load(ordering: .relaxed) })
    }
}
