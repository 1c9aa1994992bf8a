import Dispatch
import Logging
import Synchronization
import SwamonLinux
import SwamonProtocol

/// `metrics_textfile`: the metrics rewritten for node_exporter's textfile collector — to a
/// temporary file in the same directory, then renamed over the old one, so a scrape never reads
/// half of it. Asked for after every aggregation of any context; writes at most once a second,
/// on a queue of its own (never on the event loop or a monitoring thread).
final class MetricsTextfile: Sendable {
    let path: String
    let logger: Logger
    let queue = DispatchQueue(label: "swamond.metrics-textfile", qos: .utility)
    /// Whether a write is scheduled, and when the last one began (uptime ns).
    let state = Mutex<(scheduled: Bool, last: UInt64)>((false, 0))
    /// Whether the last write failed (said once until one succeeds).
    let failing = Atomic<Bool>(false)

    init(path: String, logger: Logger) {
        self.path = path
        self.logger = logger
    }

    /// Called by monitoring threads after each aggregation.
    func update(_ registry: Registry) {
        let now = DispatchTime.now().uptimeNanoseconds
        let delay: UInt64? = state.withLock { state in
            guard !state.scheduled else { return nil }
            state.scheduled = true
            return state.last == 0 || now >= state.last + 1_000_000_000 ? 0 : state.last + 1_000_000_000 - now
        }
        guard let delay else { return }
        queue.asyncAfter(deadline: .now() + .nanoseconds(Int(delay))) { [self] in
            state.withLock { $0 = (false, DispatchTime.now().uptimeNanoseconds) }
            write(MetricsExposition.render(registry.metricsSnapshot(), version: swamonVersion))
        }
    }

    /// Not synced: the file is rewritten every second and means nothing after a crash.
    func write(_ bytes: [UInt8]) {
        if let failure = AtomicFile.replace(path, with: bytes, sync: false) {
            if !failing.exchange(true, ordering: .relaxed) {
                logger.warning("cannot write metrics_textfile: \(failure); monitoring goes on, the file is retried after each aggregation")
            }
        } else if failing.exchange(false, ordering: .relaxed) {
            logger.notice("metrics_textfile \(path) written again")
        }
    }
}
