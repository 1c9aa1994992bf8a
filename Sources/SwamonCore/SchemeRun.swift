/// A scheme as a running context applies it: the scheme, its statistics, and the runtime half
/// of the kernel's `struct damos` (quota window, prioritisation cut-off, resume point, watermark
/// state). Made when monitoring starts; kept across `commit` of the same scheme index.
public struct SchemeRun: Equatable, Sendable {
    public var scheme: Scheme
    public var stats = Scheme.Stats()

    /// Why the operations refused this scheme's action (e.g. `EINVAL` for an advice the kernel
    /// does not know); a refused scheme stays inactive until monitoring restarts or a commit.
    public struct Refusal: Equatable, Sendable {
        public var errno: Int32
        public var reason: String
        public init(errno: Int32, reason: String) {
            self.errno = errno
            self.reason = reason
        }
    }
    public internal(set) var refusal: Refusal?

    /// DAMON: `wmarks.activated`; true until a watermark check says otherwise.
    public internal(set) var watermarkActive = true
    /// The last watermark metric read, per mille (nil: none read yet or no metric).
    public internal(set) var lastMetric: UInt64?
    /// When the metric was last read (monotonic ns): an active scheme reads it again only once
    /// its check interval has passed.
    var lastWatermarkCheck: UInt64?

    // Quota window (DAMON: `struct damos_quota`'s private fields).
    /// Bytes charged in the current window.
    public internal(set) var chargedBytes: UInt64 = 0
    /// When the current window started (monotonic ns); nil before the first window.
    var chargedFrom: UInt64?
    /// Bytes charged in all earlier windows, and the time every try took since monitoring
    /// started: the measured apply throughput (DAMON: `total_charged_sz`, `total_charged_ns`).
    var totalChargedBytes: UInt64 = 0
    public internal(set) var totalChargedNanoseconds: UInt64 = 0
    /// Effective size quota of this window (DAMON: `esz`); 0 means no quota.
    public internal(set) var effectiveQuota: UInt64 = 0
    /// Regions scoring below this are not tried in this window (DAMON: `min_score`).
    public internal(set) var minScore: UInt32 = 0
    /// Where the last window stopped: the target index and the address after which the next
    /// window resumes (DAMON: `charge_target_from`, `charge_addr_from`).
    var chargeTarget: Int?
    var chargeAddress: UInt64 = 0

    public init(_ scheme: Scheme) {
        self.scheme = scheme
    }

    /// Marks the scheme refused (when monitoring starts, for an advice the kernel lacks).
    public mutating func refuse(_ refusal: Refusal) { self.refusal = refusal }

    /// Whether the scheme is applied at the next aggregation.
    public var isActive: Bool { watermarkActive && refusal == nil }
}

/// What applying a scheme's action to one region did.
public enum SchemeOutcome: Equatable, Sendable {
    /// The bytes the action changed (0 for `stat`, or when nothing could be done to the range).
    case applied(UInt64)
    /// The kernel refused the action itself (an unknown advice, no permission): the scheme is
    /// made inactive and monitoring goes on.
    case refused(SchemeRun.Refusal)
}
