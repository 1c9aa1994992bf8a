public import SwamonProtocol
public import SystemPackage

/// How the tree talks to swamond: one request, its answer's content, or the daemon's error.
/// The real one is a `ControlClient` on the socket; unit tests put a registry behind it.
public protocol SwamondLink: AnyObject {
    func send(_ request: Request) throws(SwamondLinkError) -> String
}

/// Why a request to swamond failed: the daemon refused it, or it could not be asked at all.
public enum SwamondLinkError: Error, Sendable, CustomStringConvertible {
    case refused(ControlError)
    case unreachable(String)

    /// The errno a sysfs write answers with: the daemon's own (the protocol's names are the
    /// kernel's), `EIO` when swamond could not be reached.
    public var errno: Errno {
        switch self {
        case .unreachable: return .ioError
        case .refused(let error):
            switch error.name {
            case .EINVAL: return .invalidArgument
            case .EBUSY: return .resourceBusy
            case .EPERM: return .notPermitted
            case .ENOENT: return .noSuchFileOrDirectory
            case .EEXIST: return .fileExists
            case .ENOMEM: return .noMemory
            case .EACCES: return .permissionDenied
            case .E2BIG: return .argListTooLong
            case .ENOTSUP: return .notSupported
            case .EIO: return .ioError
            case .EMFILE: return .tooManyOpenFiles
            case .ENOSPC: return .noSpace
            case .EAGAIN: return .resourceTemporarilyUnavailable
            }
        }
    }

    public var description: String {
        switch self {
        case .refused(let error): error.description
        case .unreachable(let why): "swamond unreachable: \(why)"
        }
    }
}
