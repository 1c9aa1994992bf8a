/// A DAMON-based operation scheme (DAMOS, Linux 5.16): which regions it matches, what it does to
/// them, how much it may do per time window, and when it is active. The fields are those of one
/// record of the debugfs `schemes` file, in that order.
public struct Scheme: Equatable, Sendable {
    /// Action numbers as the debugfs file spells them (fixed by an explicit mapping in the kernel),
    /// plus swamond's `collapse` (6): `MADV_COLLAPSE`, what `hugepage` can mean for another
    /// process.
    public enum Action: UInt32, Sendable, CaseIterable {
        case willneed = 0
        case cold = 1
        case pageout = 2
        case hugepage = 3
        case nohugepage = 4
        case stat = 5
        case collapse = 6

        public var name: String {
            switch self {
            case .willneed: "willneed"
            case .cold: "cold"
            case .pageout: "pageout"
            case .hugepage: "hugepage"
            case .nohugepage: "nohugepage"
            case .stat: "stat"
            case .collapse: "collapse"
            }
        }
    }

    public struct Quota: Equatable, Sendable {
        /// Time quota per reset interval, ms (0 = none).
        public var milliseconds: UInt64
        /// Size quota per reset interval, bytes (0 = none).
        public var bytes: UInt64
        public var resetIntervalMilliseconds: UInt64
        public var weightSize: UInt32
        public var weightAccesses: UInt32
        public var weightAge: UInt32

        public init(
            milliseconds: UInt64 = 0, bytes: UInt64 = 0, resetIntervalMilliseconds: UInt64 = 0, weightSize: UInt32 = 0,
            weightAccesses: UInt32 = 0, weightAge: UInt32 = 0
        ) {
            self.milliseconds = milliseconds
            self.bytes = bytes
            self.resetIntervalMilliseconds = resetIntervalMilliseconds
            self.weightSize = weightSize
            self.weightAccesses = weightAccesses
            self.weightAge = weightAge
        }
    }

    public struct Watermarks: Equatable, Sendable {
        public enum Metric: UInt32, Sendable {
            case none = 0
            /// Free memory rate, per mille.
            case freeMemoryRate = 1
        }
        public var metric: Metric
        public var intervalMicroseconds: UInt64
        public var high: UInt64
        public var mid: UInt64
        public var low: UInt64

        public init(metric: Metric = .none, intervalMicroseconds: UInt64 = 0, high: UInt64 = 0, mid: UInt64 = 0, low: UInt64 = 0) {
            self.metric = metric
            self.intervalMicroseconds = intervalMicroseconds
            self.high = high
            self.mid = mid
            self.low = low
        }
    }

    /// What the scheme did since monitoring started (DAMON: `struct damos_stat`). Updated at
    /// each aggregation by the monitoring thread; reset by `monitor_on on`.
    public struct Stats: Equatable, Sendable {
        /// Regions (and their bytes) the action was tried on: matched, within quota.
        public var triedCount: UInt64 = 0
        public var triedBytes: UInt64 = 0
        /// Regions the action changed at least one byte of, and the bytes it changed.
        public var appliedCount: UInt64 = 0
        public var appliedBytes: UInt64 = 0
        /// Quota windows that ended with their quota used up.
        public var quotaExceeds: UInt64 = 0
        public init() {}
    }

    public var sizeRange: ClosedRange<UInt64>
    public var accessCountRange: ClosedRange<UInt32>
    public var ageRange: ClosedRange<UInt32>
    public var action: Action
    public var quota: Quota
    public var watermarks: Watermarks
    public var stats = Stats()

    public init(
        sizeRange: ClosedRange<UInt64>, accessCountRange: ClosedRange<UInt32>, ageRange: ClosedRange<UInt32>,
        action: Action, quota: Quota = Quota(), watermarks: Watermarks = Watermarks()
    ) {
        self.sizeRange = sizeRange
        self.accessCountRange = accessCountRange
        self.ageRange = ageRange
        self.action = action
        self.quota = quota
        self.watermarks = watermarks
    }

    /// Whether a region matches the access pattern (DAMON: `__damos_valid_target`; closed
    /// ranges). The access count is the moving sum's (`nr_accesses_bp / 10000`), as in the kernel
    /// since 6.7; at an aggregation it equals the aggregated count.
    public func matches(_ region: Region) -> Bool {
        sizeRange.contains(region.size) && accessCountRange.contains(region.accessRateBP / 10_000)
            && ageRange.contains(region.age)
    }

    /// Whether a quota limits the scheme (DAMON: `ms`, `sz` or goals set).
    public var hasQuota: Bool { quota.milliseconds != 0 || quota.bytes != 0 }
}
