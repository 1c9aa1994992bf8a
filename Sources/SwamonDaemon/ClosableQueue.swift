import Synchronization

/// Work handed from the control side to one monitoring thread: queued by clients, taken by the
/// thread at its next aggregation, and closed as the thread ends (after which nothing more can
/// be queued, so the caller deals with it itself).
final class ClosableQueue<Element: Sendable>: Sendable {
    private let pending = Mutex<[Element]?>([])

    /// Queues `element`; false once the queue is closed.
    func enqueue(_ element: Element) -> Bool {
        pending.withLock { pending in
            guard pending != nil else { return false }
            pending!.append(element)
            return true
        }
    }

    /// What was queued since the last call; runs on the monitoring thread.
    func take() -> [Element] {
        pending.withLock { pending in
            defer { if pending != nil { pending = [] } }
            return pending ?? []
        }
    }

    /// Closes the queue and returns what was never taken.
    func close() -> [Element] {
        pending.withLock { pending in
            defer { pending = nil }
            return pending ?? []
        }
    }
}
