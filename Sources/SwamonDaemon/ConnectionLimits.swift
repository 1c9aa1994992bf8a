import Synchronization

/// What all control connections together may hold, as sshd's `MaxStartups` and `LoginGraceTime`
/// bound unauthenticated ones: connections in all and per uid, and bytes of unfinished request
/// lines. Shared by every connection; each takes and gives back its part.
final class ConnectionLimits: Sendable {
    let maxConnections: Int
    let maxPerUID: Int
    let maxBufferedInput: Int
    private let open = Mutex<(total: Int, perUID: [UInt32: Int])>((0, [:]))
    /// Bytes of unfinished lines held for all connections.
    let bufferedInput = Atomic<Int>(0)
    /// Set when a connection closed since the last memory trim (see `Registry.trimMemory`).
    let closedSinceTrim = Atomic<Bool>(false)

    init(_ configuration: Configuration) {
        maxConnections = configuration.maxConnections
        maxPerUID = configuration.maxConnectionsPerUID
        maxBufferedInput = configuration.maxBufferedInput
    }

    /// Counts a new connection of `uid` in, or says which limit it would pass.
    func admit(uid: UInt32) -> String? {
        open.withLock { open in
            if open.total >= maxConnections { return "swamond serves at most \(maxConnections) connections (max_connections)" }
            if uid != 0, open.perUID[uid, default: 0] >= maxPerUID {
                return "uid \(uid) has \(maxPerUID) connections open, the most one uid may (max_connections_per_uid)"
            }
            open.total += 1
            open.perUID[uid, default: 0] += 1
            return nil
        }
    }

    func release(uid: UInt32) {
        open.withLock { open in
            open.total -= 1
            open.perUID[uid, default: 1] -= 1
            if open.perUID[uid] == 0 { open.perUID[uid] = nil }
        }
        closedSinceTrim.store(true, ordering: .relaxed)
    }
}

/// The state of one connection's unfinished request line, shared by its decoder (which fills
/// it) and its handler (which enforces the time limit and gives the bytes back at close).
/// Both run on the connection's event loop.
final class PendingInput {
    /// Bytes of the unfinished line counted in `ConnectionLimits.bufferedInput`.
    var heldBytes = 0
    /// Monotonic ns when the unfinished line began; 0 when there is none.
    var since: UInt64 = 0
}
