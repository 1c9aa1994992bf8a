import Glibc
import SwamonProtocol

/// The control socket's file when swamond binds it itself (not under socket activation): made
/// only in a directory nobody else can change, with its mode from the start, never taken from a
/// live daemon, and removed at exit only if it is still the file this process made.
public struct SocketFile: Sendable {
    public let path: String
    /// The bound, listening socket, for the server to adopt.
    public let descriptor: CInt
    /// Set when a socket file left by a daemon that died was replaced.
    public let replacedStale: Bool
    private let device: UInt64
    private let inode: UInt64

    /// Longest path `sockaddr_un` holds, without its terminating NUL.
    public static let maxPathLength = UnixSocketAddress.maxPathLength

    /// Makes the socket at `path` with permission bits `mode` and, if given, group `groupID`.
    /// Runs once at startup, before any other thread creates files (it sets the process umask for
    /// the bind, so that the unit's `UMask=` cannot narrow the mode).
    public static func create(path: String, mode: UInt32, groupID: UInt32?) throws(StartupError) -> SocketFile {
        let length = path.utf8.count
        guard path.hasPrefix("/") else { throw StartupError("socket path \(path) is not absolute") }
        guard length <= maxPathLength else {
            throw StartupError("socket path \(path) is \(length) bytes long; a Unix socket path holds at most \(maxPathLength)")
        }
        guard !path.hasSuffix("/") else { throw StartupError("socket path \(path) names a directory") }
        try TrustedDirectory.prepare(containing: path, purpose: "socket directory")

        var existing = stat()
        let replacedStale = lstat(path, &existing) == 0
        if replacedStale {
            guard existing.st_mode & S_IFMT == S_IFSOCK else {
                throw StartupError("\(path) exists and is not a socket (\(fileKind(existing.st_mode))); remove it or choose another --socket")
            }
            if let owner = liveServer(at: path) {
                throw StartupError(
                    "another server\(owner > 0 ? " (pid \(owner))" : "") answers on \(path) (address in use); stop it or choose another --socket")
            }
        }
        // Bound and listening under a temporary name first, then renamed over `path`: a client
        // that sees the path can always connect (no window between bind and listen), and a stale
        // file is replaced in one step.
        let slash = path.lastIndex(of: "/")!
        let temporary = "\(path[...slash]).swamond-\(getpid()).sock"
        let bindPath = temporary.utf8.count <= maxPathLength ? temporary : path
        unlink(temporary)
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw StartupError("cannot create a Unix socket: \(errorText(errno))") }
        // The file gets its mode at creation: from the socket inode's mode less the umask.
        fchmod(fd, mode_t(mode))
        let previousMask = umask(mode_t(~mode & 0o777))
        if bindPath == path { unlink(path) }
        let bound = UnixSocketAddress.with(bindPath) { bind(fd, $0, $1) }
        let bindError = errno
        umask(previousMask)
        guard bound == 0, listen(fd, 256) == 0 else {
            let code = bound == 0 ? errno : bindError
            close(fd)
            if bound == 0 { unlink(bindPath) }
            throw StartupError("cannot bind \(path): \(errorText(code))")
        }
        if let groupID, fchownat(AT_FDCWD, bindPath, uid_t.max, groupID, AT_SYMLINK_NOFOLLOW) != 0 {
            let code = errno
            close(fd)
            unlink(bindPath)
            throw StartupError("cannot give \(path) to group \(groupID): \(errorText(code))")
        }
        if bindPath != path, rename(bindPath, path) != 0 {
            let code = errno
            close(fd)
            unlink(bindPath)
            throw StartupError("cannot move the socket into place at \(path): \(errorText(code))")
        }
        var made = stat()
        guard lstat(path, &made) == 0 else {
            let code = errno
            close(fd)
            throw StartupError("cannot inspect \(path) after binding it: \(errorText(code))")
        }
        return SocketFile(
            path: path, descriptor: fd, replacedStale: replacedStale, device: UInt64(made.st_dev), inode: UInt64(made.st_ino))
    }

    private init(path: String, descriptor: CInt, replacedStale: Bool, device: UInt64, inode: UInt64) {
        self.path = path
        self.descriptor = descriptor
        self.replacedStale = replacedStale
        self.device = device
        self.inode = inode
    }

    /// Removes the socket file at exit, only if it is still the one `create` made.
    @discardableResult
    public func removeIfOurs() -> Bool {
        var current = stat()
        guard lstat(path, &current) == 0, UInt64(current.st_dev) == device, UInt64(current.st_ino) == inode else { return false }
        return unlink(path) == 0
    }

    /// The pid of a server accepting on the socket at `path` (0 if it cannot be told), or nil
    /// when nothing listens there (a stale file).
    public static func liveServer(at path: String) -> Int32? {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        guard UnixSocketAddress.with(path, { connect(fd, $0, $1) }) == 0 else { return nil }
        var credentials = PeerCredentials()
        var size = socklen_t(MemoryLayout<PeerCredentials>.size)
        guard getsockopt(fd, SOL_SOCKET, PeerCredentials.option, &credentials, &size) == 0 else { return 0 }
        return credentials.pid
    }
}

/// A directory swamond keeps files in (the socket's, the state file's): it must be a real
/// directory owned by the daemon's user that nobody else may write to (chronyd's rule), so no
/// one can swap the files inside. A missing last component is created (mode 0755).
public enum TrustedDirectory {
    /// Prepares the directory that holds the file at absolute `path`.
    public static func prepare(containing path: String, purpose: String) throws(StartupError) {
        let slash = path.lastIndex(of: "/") ?? path.startIndex
        try prepare(slash == path.startIndex ? "/" : String(path[..<slash]), purpose: purpose)
    }

    public static func prepare(_ directory: String, purpose: String) throws(StartupError) {
        var info = stat()
        if lstat(directory, &info) != 0 {
            let code = errno
            guard code == ENOENT else { throw StartupError("cannot use \(purpose) \(directory): \(errorText(code))") }
            guard mkdir(directory, 0o755) == 0 || errno == EEXIST else {
                let reason = errno == ENOENT ? "its parent directory does not exist" : errorText(errno)
                throw StartupError("cannot create \(purpose) \(directory): \(reason)")
            }
            guard lstat(directory, &info) == 0 else { throw StartupError("cannot use \(purpose) \(directory): \(errorText(errno))") }
        }
        guard info.st_mode & S_IFMT == S_IFDIR else {
            throw StartupError("\(purpose) \(directory) is not a directory (\(fileKind(info.st_mode)))")
        }
        let user = geteuid()
        guard info.st_uid == user || (directory == "/" && info.st_uid == 0) else {
            throw StartupError(
                "\(purpose) \(directory) belongs to uid \(info.st_uid), not to swamond's uid \(user); use a directory of swamond's own")
        }
        guard info.st_mode & 0o022 == 0 else {
            throw StartupError(
                "\(purpose) \(directory) is writable by \(info.st_mode & 0o002 != 0 ? "everyone" : "its group") (mode \(String(info.st_mode & 0o7777, radix: 8))); others could replace swamond's files there. Use a directory only swamond's user can write to")
        }
    }
}

/// A reason swamond cannot start, said in words; the daemon prints it and exits.
public struct StartupError: Error, CustomStringConvertible, Sendable {
    public var description: String
    public init(_ description: String) { self.description = description }
}

func errorText(_ code: Int32) -> String { String(cString: strerror(code)) }

func fileKind(_ mode: mode_t) -> String {
    switch mode & S_IFMT {
    case S_IFREG: "a regular file"
    case S_IFDIR: "a directory"
    case S_IFLNK: "a symbolic link"
    case S_IFSOCK: "a socket"
    case S_IFIFO: "a FIFO"
    default: "a device or special file"
    }
}
