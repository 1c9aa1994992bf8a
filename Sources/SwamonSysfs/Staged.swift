public import SwamonCore

/// What the sysfs tree holds between writes and `state on`/`commit`, as the kernel's
/// `damon_sysfs_*` objects do: staged inputs, plus the statistics and tried regions the last
/// `update_schemes_*` command copied in. New objects take the kernel's defaults.
public struct StagedKdamond: Equatable, Sendable {
    /// 0 or 1: the kernel refuses more (`nr_contexts` > 1 is `EINVAL`).
    public var contexts: [StagedContext] = []
    public init() {}
}

public struct StagedContext: Equatable, Sendable {
    public var operations = "vaddr"
    public var sampleMicroseconds: UInt64 = 5000
    public var aggregationMicroseconds: UInt64 = 100_000
    public var updateMicroseconds: UInt64 = 60_000_000
    public var regionsRange = StagedRange(min: 10, max: 1000)
    public var targets: [StagedTarget] = []
    public var schemes: [StagedScheme] = []
    public init() {}
}

public struct StagedRange: Equatable, Sendable {
    public var min: UInt64
    public var max: UInt64
    public init(min: UInt64, max: UInt64) {
        self.min = min
        self.max = max
    }
}

public struct StagedTarget: Equatable, Sendable {
    public var pid: Int32 = 0
    public var regions: [StagedRange] = []
    public init(pid: Int32 = 0) { self.pid = pid }
}

public struct StagedScheme: Equatable, Sendable {
    public var action = Scheme.Action.stat
    public var size = StagedRange(min: 0, max: 0)
    public var accesses = StagedRange(min: 0, max: 0)
    public var age = StagedRange(min: 0, max: 0)
    public var quotaMilliseconds: UInt64 = 0
    public var quotaBytes: UInt64 = 0
    public var quotaResetMilliseconds: UInt64 = 0
    public var weightSize: UInt32 = 0
    public var weightAccesses: UInt32 = 0
    public var weightAge: UInt32 = 0
    public var watermarkMetric = Scheme.Watermarks.Metric.none
    public var watermarkInterval: UInt64 = 0
    public var watermarkHigh: UInt64 = 0
    public var watermarkMid: UInt64 = 0
    public var watermarkLow: UInt64 = 0
    /// nr_tried sz_tried nr_applied sz_applied qt_exceeds, as of the last update_schemes_stats.
    public var stats: [UInt64] = [0, 0, 0, 0, 0]
    public var tried: [TriedEntry] = []
    public var triedTotalBytes: UInt64 = 0
    public init() {}

    /// The staged form of a scheme swamond holds (what a tree mounted anew shows).
    public init(_ scheme: Scheme) {
        action = scheme.action
        size = StagedRange(min: scheme.sizeRange.lowerBound, max: scheme.sizeRange.upperBound)
        accesses = StagedRange(min: UInt64(scheme.accessCountRange.lowerBound), max: UInt64(scheme.accessCountRange.upperBound))
        age = StagedRange(min: UInt64(scheme.ageRange.lowerBound), max: UInt64(scheme.ageRange.upperBound))
        (quotaMilliseconds, quotaBytes, quotaResetMilliseconds) = (scheme.quota.milliseconds, scheme.quota.bytes, scheme.quota.resetIntervalMilliseconds)
        (weightSize, weightAccesses, weightAge) = (scheme.quota.weightSize, scheme.quota.weightAccesses, scheme.quota.weightAge)
        let marks = scheme.watermarks
        watermarkMetric = marks.metric
        (watermarkInterval, watermarkHigh, watermarkMid, watermarkLow) = (marks.intervalMicroseconds, marks.high, marks.mid, marks.low)
    }
}

/// One `tried_regions/N` directory; `index` is its name (the kernel numbers them across all
/// schemes of one update).
public struct TriedEntry: Equatable, Sendable {
    public var index: Int
    public var start: UInt64
    public var end: UInt64
    public var accesses: UInt64
    public var age: UInt64
}

/// The actions of the 6.12 sysfs `action` file that swamond can apply, by the names the kernel
/// gives them (which are `Scheme.Action`'s). The kernel's `lru_prio`, `lru_deprio`, `migrate_hot`
/// and `migrate_cold` are absent, as on a kernel built without them: writing them is `EINVAL`.
/// swamond's own `collapse` is no 6.12 name either; it shows only when read back from a context
/// configured over the protocol.
public enum SchemeActions {
    public static let writable = Scheme.Action.allCases.filter { $0 != .collapse }
}
