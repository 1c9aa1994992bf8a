import Glibc

/// A plain HTTP/1.1 request over TCP (`Connection: close`): how the benchmarks and the tests read
/// swamond's `/metrics` and Prometheus's API without pulling FoundationNetworking (libcurl) in.
public struct HTTPResponse: Sendable {
    public var status: Int
    /// Header names in lower case.
    public var headers: [String: String]
    public var body: String
}

/// Sends `method path` to an IPv4 `host:port` and reads the answer to its end (10 s timeout).
public func httpRequest(host: String = "127.0.0.1", port: Int, path: String, method: String = "GET") throws(ClientError) -> HTTPResponse {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    guard fd >= 0 else { throw ClientError("socket: \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var timeout = timeval(tv_sec: 10, tv_usec: 0)
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_port = in_port_t(UInt16(truncatingIfNeeded: port).bigEndian)
    guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { throw ClientError("not an IPv4 address: \(host)") }
    let connected = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
    }
    guard connected == 0 else { throw ClientError("connect to \(host):\(port): \(String(cString: strerror(errno)))") }
    let request = Array("\(method) \(path) HTTP/1.1\r\nHost: \(host):\(port)\r\nConnection: close\r\n\r\n".utf8)
    _ = request.withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
    var bytes: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65_536)
    while true {
        let count = chunk.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
        if count <= 0 { break }
        bytes += chunk[..<count]
    }
    guard let split = bytes.indices.first(where: { bytes[$0...].starts(with: [13, 10, 13, 10]) }) else {
        throw ClientError("no HTTP answer from \(host):\(port)")
    }
    let lines = String(decoding: bytes[..<split], as: UTF8.self).split(separator: "\r\n")
    let status = lines.first.flatMap { Int($0.split(separator: " ").dropFirst().first ?? "") } ?? 0
    var headers: [String: String] = [:]
    for line in lines.dropFirst() {
        guard let colon = line.firstIndex(of: ":") else { continue }
        headers[line[..<colon].lowercased()] = String(line[line.index(after: colon)...].drop { $0 == " " })
    }
    return HTTPResponse(status: status, headers: headers, body: String(decoding: bytes[(split + 4)...], as: UTF8.self))
}

/// A loopback TCP port nobody listens on now (bound to 0, read back, closed).
public func freeLoopbackPort() throws(ClientError) -> Int {
    let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
    defer { close(fd) }
    var address = sockaddr_in()
    address.sin_family = sa_family_t(AF_INET)
    address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
    var length = socklen_t(MemoryLayout<sockaddr_in>.size)
    let bound = withUnsafeMutablePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
    }
    guard bound else { throw ClientError("cannot find a free loopback port") }
    return Int(UInt16(bigEndian: address.sin_port))
}
