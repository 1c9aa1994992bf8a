import Glibc

/// Where the control socket is when nobody says otherwise: the system path for root (and for
/// clients when it exists), a per-user runtime path for everyone else.
public enum SocketPath {
    public static let system = "/run/swamond/swamond.sock"

    /// The daemon's default: `/run/swamond/swamond.sock` for root, else
    /// `$XDG_RUNTIME_DIR/swamond/swamond.sock`, else `/tmp/swamond-<uid>/swamond.sock`.
    public static func daemonDefault(uid: UInt32, environment: [String: String]) -> String {
        if uid == 0 { return system }
        if let runtime = environment["XDG_RUNTIME_DIR"], runtime.hasPrefix("/") { return "\(runtime)/swamond/swamond.sock" }
        return "/tmp/swamond-\(uid)/swamond.sock"
    }

    /// The client's default: `$SWAMON_SOCKET`, else the system path when it exists, else the
    /// daemon's default for this user.
    public static func clientDefault(uid: UInt32, environment: [String: String], systemExists: Bool) -> String {
        if let explicit = environment["SWAMON_SOCKET"], !explicit.isEmpty { return explicit }
        if systemExists { return system }
        return daemonDefault(uid: uid, environment: environment)
    }
}

/// A `sockaddr_un` for a path, as `connect` and `bind` take it; shared by the daemon and the client.
public enum UnixSocketAddress {
    /// Longest path `sockaddr_un` holds, without its terminating NUL (107 on Linux).
    public static let maxPathLength = MemoryLayout.size(ofValue: sockaddr_un().sun_path) - 1

    /// Calls `body` with the address of `path` (cut at `maxPathLength` bytes; check first).
    public static func with<R>(_ path: String, _ body: (UnsafePointer<sockaddr>, socklen_t) -> R) -> R {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8.prefix(maxPathLength))
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        return withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { body($0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
    }
}
