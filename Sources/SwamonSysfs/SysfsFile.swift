/// Every file of the tree, with the indices of the directories it is in (kdamond `k`, target
/// `t`, region `r`, scheme `s`); the one context of a kdamond is implied.
public enum SysfsFile: Equatable, Sendable {
    case nrKdamonds
    case state(k: Int)
    case pid(k: Int)
    case nrContexts(k: Int)
    case availableOperations(k: Int)
    case operations(k: Int)
    case interval(k: Int, Interval)
    case regionsBound(k: Int, Bound)
    case nrTargets(k: Int)
    case pidTarget(k: Int, t: Int)
    case nrRegions(k: Int, t: Int)
    case regionBound(k: Int, t: Int, r: Int, RegionBound)
    case nrSchemes(k: Int)
    case action(k: Int, s: Int)
    case pattern(k: Int, s: Int, Pattern, Bound)
    case quota(k: Int, s: Int, Quota)
    case weight(k: Int, s: Int, Weight)
    case watermark(k: Int, s: Int, Watermark)
    case stat(k: Int, s: Int, Stat)
    case triedTotalBytes(k: Int, s: Int)
    case tried(k: Int, s: Int, index: Int, TriedField)

    public enum Interval: String, Sendable, CaseIterable { case sample = "sample_us", aggregation = "aggr_us", update = "update_us" }
    public enum Bound: String, Sendable, CaseIterable { case min, max }
    public enum RegionBound: String, Sendable, CaseIterable { case start, end }
    public enum Pattern: String, Sendable, CaseIterable { case size = "sz", accesses = "nr_accesses", age }
    public enum Quota: String, Sendable, CaseIterable { case milliseconds = "ms", bytes, resetInterval = "reset_interval_ms" }
    public enum Weight: String, Sendable, CaseIterable { case size = "sz_permil", accesses = "nr_accesses_permil", age = "age_permil" }
    public enum Watermark: String, Sendable, CaseIterable { case metric, interval = "interval_us", high, mid, low }
    public enum Stat: String, Sendable, CaseIterable {
        case nrTried = "nr_tried", szTried = "sz_tried", nrApplied = "nr_applied", szApplied = "sz_applied", qtExceeds = "qt_exceeds"
    }
    /// `sz_filter_passed` is 6.14's; damo 3.4.3 cannot write a record of tried regions without
    /// it. With no DAMOS filters in swamond, every byte passes.
    public enum TriedField: String, Sendable, CaseIterable { case start, end, accesses = "nr_accesses", age, bytesPassed = "sz_filter_passed" }

    /// The permission bits sysfs shows: 0400 for what only reads, 0600 for the rest.
    public var mode: UInt16 {
        switch self {
        case .pid, .availableOperations, .stat, .triedTotalBytes, .tried: 0o400
        default: 0o600
        }
    }
}

/// A path of the tree: a directory with its entries, or a file.
public enum SysfsNode: Equatable, Sendable {
    case directory([String])
    case file(SysfsFile)
}
