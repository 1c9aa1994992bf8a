import Glibc
public import SwamonProtocol

/// A blocking connection to swamond: send one request line, read lines up to the status line.
public final class ControlClient {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private var start = 0

    public init(path: String) throws(ClientError) {
        fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError("cannot create a socket: \(String(cString: strerror(errno)))") }
        guard path.utf8.count <= UnixSocketAddress.maxPathLength else {
            close(fd)
            throw ClientError("socket path too long: \(path)")
        }
        let connected = UnixSocketAddress.with(path) { connect(fd, $0, $1) }
        guard connected == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            throw ClientError("cannot connect to swamond at \(path): \(reason) (is it running? --socket or SWAMON_SOCKET names another socket)")
        }
    }

    deinit { close(fd) }

    /// Sends `request` and returns the daemon's answer. A daemon that refuses the connection
    /// (a connection limit) answers and closes before the request arrives: its answer is still
    /// read and returned.
    public func send(_ request: Request) throws(ClientError) -> Response {
        do {
            try sendLine(request.line)
        } catch {
            if let refusal = try? readResponse() { return refusal }
            throw error
        }
        return try readResponse()
    }

    public func sendLine(_ line: String) throws(ClientError) {
        var bytes = Array(line.utf8)
        bytes.append(0x0A)
        var offset = 0
        while offset < bytes.count {
            // MSG_NOSIGNAL: a closed connection is an error to report, not a SIGPIPE that kills.
            let written = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if written < 0 {
                if errno == EINTR { continue }
                throw ClientError("connection lost while sending: \(String(cString: strerror(errno)))")
            }
            offset += written
        }
    }

    public func readResponse() throws(ClientError) -> Response {
        var content: [Substring] = []
        while true {
            guard let line = try readLine() else { throw ClientError("swamond closed the connection") }
            if Response.isStatusLine(Substring(line)) {
                return Response(contentLines: content, statusLine: Substring(line))
            }
            content.append(Substring(line))
        }
    }

    /// Whether `readLine` can return without reading: a whole line is already buffered.
    public var hasBufferedLine: Bool { buffer[start...].contains(0x0A) }

    /// The socket, for `poll` beside other descriptors (the caller only waits on it).
    public var descriptor: Int32 { fd }

    /// The next line without its newline, or nil at end of stream.
    public func readLine() throws(ClientError) -> String? {
        while true {
            if let newline = buffer[start...].firstIndex(of: 0x0A) {
                let line = String(decoding: buffer[start..<newline], as: UTF8.self)
                start = newline + 1
                if start > 65_536 {
                    buffer.removeFirst(start)
                    start = 0
                }
                return line
            }
            var chunk = [UInt8](repeating: 0, count: 65_536)
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw ClientError("connection lost: \(String(cString: strerror(errno)))")
            }
            if count == 0 { return nil }
            buffer.append(contentsOf: chunk[..<count])
        }
    }
}

public struct ClientError: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}
