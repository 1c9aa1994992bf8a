import NIOCore
import Synchronization
import SwamonLinux

/// One request line, or the news that a line was too long (or could not be held).
enum LineFrame {
    case line(String)
    case tooLong
    case overBudget
}

/// Splits the byte stream into `\n`-terminated lines of at most 1 MiB. A longer line yields one
/// `.tooLong` as soon as it passes the limit; the rest of it is discarded up to its newline, and
/// the connection stays usable. An unfinished line that would take the daemon's total of held
/// input past `max_buffered_input` is discarded the same way (`.overBudget`). Invalid UTF-8 is
/// repaired (U+FFFD) and then fails to parse.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame
    static let maxLineLength = 1 << 20
    private var discarding = false
    let limits: ConnectionLimits
    let pending: PendingInput

    init(limits: ConnectionLimits, pending: PendingInput) {
        self.limits = limits
        self.pending = pending
    }

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: 0x0A) else {
            if !discarding, view.count > Self.maxLineLength {
                discard(.tooLong, context: context)
            } else if !discarding, !hold(view.count) {
                discard(.overBudget, context: context)
            }
            if discarding {
                buffer.moveReaderIndex(forwardBy: view.count)
                hold(0)
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        if discarding || length > Self.maxLineLength {
            if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
            discarding = false
            buffer.moveReaderIndex(forwardBy: length + 1)
            hold(buffer.readableBytes)
            return .continue
        }
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        hold(buffer.readableBytes)
        context.fireChannelRead(wrapInboundOut(.line(line)))
        return .continue
    }

    /// At end of input, a last line without its newline still counts (as `printf 'status' |
    /// socat` sends it).
    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws -> DecodingState {
        while try decode(context: context, buffer: &buffer) == .continue {}
        if buffer.readableBytes > 0 && !discarding {
            let line = buffer.readString(length: buffer.readableBytes) ?? ""
            context.fireChannelRead(wrapInboundOut(.line(line)))
        }
        buffer.moveReaderIndex(to: buffer.writerIndex)
        hold(0)
        return .needMoreData
    }

    private mutating func discard(_ frame: LineFrame, context: ChannelHandlerContext) {
        discarding = true
        context.fireChannelRead(wrapInboundOut(frame))
    }

    /// Counts `bytes` of unfinished input as this connection's share of the daemon-wide budget;
    /// false (and nothing counted) when the share would pass the budget.
    @discardableResult
    private func hold(_ bytes: Int) -> Bool {
        let change = bytes - pending.heldBytes
        if change > 0, limits.bufferedInput.load(ordering: .relaxed) + change > limits.maxBufferedInput { return false }
        limits.bufferedInput.add(change, ordering: .relaxed)
        if pending.heldBytes == 0 && bytes > 0 { pending.since = Syscalls.monotonicNanoseconds() }
        if bytes == 0 { pending.since = 0 }
        pending.heldBytes = bytes
        return true
    }
}
