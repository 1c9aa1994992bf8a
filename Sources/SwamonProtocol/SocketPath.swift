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
