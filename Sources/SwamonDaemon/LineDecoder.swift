import NIOCore

/// One request line, or the news that a line was too long.
enum LineFrame {
    case line(String)
    case tooLong
}

/// Splits the byte stream into `\n`-terminated lines of at most 1 MiB. A longer line yields one
/// `.tooLong` as soon as it passes the limit; the rest of it is discarded up to its newline, and
/// the connection stays usable. Invalid UTF-8 is repaired (U+FFFD) and then fails to parse.
struct LineDecoder: ByteToMessageDecoder {
    typealias InboundOut = LineFrame
    static let maxLineLength = 1 << 20
    private var discarding = false

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        let view = buffer.readableBytesView
        guard let newline = view.firstIndex(of: 0x0A) else {
            if view.count > Self.maxLineLength {
                if !discarding {
                    discarding = true
                    context.fireChannelRead(wrapInboundOut(.tooLong))
                }
                buffer.moveReaderIndex(forwardBy: view.count)
            }
            return .needMoreData
        }
        let length = newline - view.startIndex
        if discarding || length > Self.maxLineLength {
            if !discarding { context.fireChannelRead(wrapInboundOut(.tooLong)) }
            discarding = false
            buffer.moveReaderIndex(forwardBy: length + 1)
            return .continue
        }
        let line = buffer.readString(length: length) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
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
        return .needMoreData
    }
}
