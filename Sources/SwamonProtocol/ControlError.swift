/// The symbolic errno names the protocol answers with: those the kernel's debugfs writes return,
/// plus `EACCES` (peer not authorised), `E2BIG` (line too long), `ENOTSUP` (backend missing), `EIO`
/// (a change could not be saved to the state file), `EMFILE` (out of file descriptors) and `ENOSPC`
/// (a configured limit such as max_contexts is reached) and `EAGAIN` (a connection limit; try later).
public enum ErrorName: String, Sendable, CaseIterable {
    case EINVAL, EBUSY, EPERM, ENOENT, EEXIST, ENOMEM, EACCES, E2BIG, ENOTSUP, EIO, EMFILE, ENOSPC, EAGAIN
}

/// A refused request: the errno name and one sentence saying what was wrong and what to do.
public struct ControlError: Error, Equatable, Sendable, CustomStringConvertible {
    public var name: ErrorName
    public var message: String

    public init(_ name: ErrorName, _ message: String) {
        self.name = name
        self.message = message
    }

    public var description: String { "\(name.rawValue) \(message)" }
}
