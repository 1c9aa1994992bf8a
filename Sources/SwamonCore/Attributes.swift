/// Monitoring attributes (DAMON: `struct damon_attrs`, the debugfs `attrs` file). Intervals are in
/// microseconds, as in the kernel interface.
public struct Attributes: Equatable, Sendable {
    public var sampleInterval: UInt64
    public var aggregationInterval: UInt64
    /// DAMON: `ops_update_interval` (the 5.15 `primitive_update_interval`).
    public var updateInterval: UInt64
    public var minRegions: UInt64
    public var maxRegions: UInt64

    public init(
        sampleInterval: UInt64,
        aggregationInterval: UInt64,
        updateInterval: UInt64,
        minRegions: UInt64,
        maxRegions: UInt64
    ) {
        self.sampleInterval = sampleInterval
        self.aggregationInterval = aggregationInterval
        self.updateInterval = updateInterval
        self.minRegions = minRegions
        self.maxRegions = maxRegions
    }

    /// The kernel's defaults (`damon_new_ctx()`): 5 ms, 100 ms, 60 s, 10, 1000.
    public static let kernelDefault = Attributes(
        sampleInterval: 5_000,
        aggregationInterval: 100_000,
        updateInterval: 60_000_000,
        minRegions: 10,
        maxRegions: 1_000
    )

    /// Samples per aggregation: the largest value `accessCount` can reach
    /// (DAMON: `damon_max_nr_accesses`).
    public var maxAccessCount: UInt32 {
        UInt32(clamping: aggregationInterval / max(sampleInterval, 1))
    }

    /// Longest interval accepted, µs (about 11.6 days). The kernel takes any `unsigned long` and
    /// wraps where it converts; a bound keeps every nanosecond computation inside 64 bits.
    public static let maxInterval: UInt64 = 1_000_000_000_000
    /// Most regions accepted (`max_nr_regions`). The kernel has no bound, but a monitor asked to
    /// keep 2^63 regions would split until memory runs out; a million regions of a few dozen
    /// bytes each is far beyond any real use.
    public static let maxRegionLimit: UInt64 = 1 << 20

    /// Checks the rules of `damon_set_attrs()` in current kernels: at least three regions,
    /// `min <= max`, a non-zero sampling interval no longer than the aggregation interval.
    /// (5.15 accepted zero and `sample > aggr`; the later kernels reject them because they
    /// divide by the sampling interval.) Then swamon's bounds: `maxInterval`, `maxRegionLimit`.
    public func validate() throws(AttributesError) {
        for (name, value) in [("sample_us", sampleInterval), ("aggr_us", aggregationInterval), ("update_us", updateInterval)]
        where value > Self.maxInterval {
            throw .intervalTooLong(name: name, value: value)
        }
        if maxRegions > Self.maxRegionLimit { throw .tooManyRegions(maxRegions) }
        if minRegions < 3 { throw .tooFewRegions(minRegions) }
        if minRegions > maxRegions { throw .minAboveMax(min: minRegions, max: maxRegions) }
        if sampleInterval == 0 { throw .zeroSampleInterval }
        if aggregationInterval < sampleInterval {
            throw .aggregationShorterThanSample(sample: sampleInterval, aggregation: aggregationInterval)
        }
    }
}

/// Why a set of attributes was refused. Every case maps to `EINVAL` on the wire.
public enum AttributesError: Error, Equatable, Sendable, CustomStringConvertible {
    case tooFewRegions(UInt64)
    case minAboveMax(min: UInt64, max: UInt64)
    case zeroSampleInterval
    case aggregationShorterThanSample(sample: UInt64, aggregation: UInt64)
    case intervalTooLong(name: String, value: UInt64)
    case tooManyRegions(UInt64)

    public var description: String {
        switch self {
        case .tooFewRegions(let n): "min_nr_regions (\(n)) must be at least 3"
        case .minAboveMax(let min, let max): "invalid nr_regions: min (\(min)) > max (\(max))"
        case .zeroSampleInterval: "the sampling interval must not be 0"
        case .aggregationShorterThanSample(let s, let a):
            "the aggregation interval (\(a) us) must not be shorter than the sampling interval (\(s) us)"
        case .intervalTooLong(let name, let value):
            "\(name) (\(value)) must be at most \(Attributes.maxInterval) us (about 11.6 days)"
        case .tooManyRegions(let n): "max_nr_regions (\(n)) must be at most \(Attributes.maxRegionLimit)"
        }
    }
}
