/// The address-space specific half of monitoring (DAMON: `struct damon_operations`, the 5.15
/// "primitives"). The monitoring thread calls these in the kernel's order (see
/// `MonitoringContext.runIteration`); nothing here is called concurrently.
public protocol Operations: AnyObject {
    /// Builds initial regions; runs once when monitoring starts. Targets that already have
    /// regions (user-given `init_regions`) are left alone.
    func initialize(_ context: MonitoringContext)
    /// Refits regions to the current address space; runs every update interval.
    func update(_ context: MonitoringContext)
    /// Picks each region's sampling address and arms its page; runs at the start of every sample.
    func prepareAccessChecks(_ context: MonitoringContext)
    /// Counts accesses to the armed pages, one sampling interval after `prepareAccessChecks`;
    /// returns the largest access count of any region.
    func checkAccesses(_ context: MonitoringContext) -> UInt32
    /// Runs at every aggregation after the regions were reset and split.
    func resetAggregated(_ context: MonitoringContext)
    /// False when targets never become invalid (the kernel's NULL `target_valid`: `paddr`
    /// never stops by itself); then `isTargetValid` is not asked.
    var validatesTargets: Bool { get }
    /// Whether `target` can still be monitored; asked at the top of every iteration.
    func isTargetValid(_ target: Target) -> Bool
    /// Releases what the operations hold; runs once when monitoring ends.
    func cleanup(_ context: MonitoringContext)
    /// Applies a scheme's action to `range` of `target` (DAMON: `apply_scheme`); runs at
    /// aggregations, for each region a scheme tries.
    func applyScheme(_ action: Scheme.Action, to range: AddressRange, of target: Target) -> SchemeOutcome
}

extension Operations {
    public func initialize(_ context: MonitoringContext) {}
    public func update(_ context: MonitoringContext) {}
    public func resetAggregated(_ context: MonitoringContext) {}
    public var validatesTargets: Bool { false }
    public func isTargetValid(_ target: Target) -> Bool { true }
    public func cleanup(_ context: MonitoringContext) {}
    /// Operations that cannot act count every try and apply nothing, like `stat`.
    public func applyScheme(_ action: Scheme.Action, to range: AddressRange, of target: Target) -> SchemeOutcome {
        .applied(0)
    }
}

/// Hooks into the monitoring loop (DAMON: `struct damon_callback`). A hook that throws stops
/// monitoring; the error is kept in `MonitoringContext.stopReason`.
public struct Callbacks {
    /// After `Operations.initialize`, before the first sample.
    public var beforeStart: ((MonitoringContext) throws -> Void)?
    /// After access checks were prepared, before the sampling sleep.
    public var afterSampling: ((MonitoringContext) throws -> Void)?
    /// At each aggregation, after the merge and before the schemes and the reset: the
    /// observation point, and where online commits take effect.
    public var afterAggregation: ((MonitoringContext) throws -> Void)?
    /// At each aggregation with schemes, after they were applied: their statistics are current.
    public var afterSchemes: ((MonitoringContext) -> Void)?
    /// After each watermark check that keeps monitoring paused.
    public var afterWatermarkWait: ((MonitoringContext) -> Void)?
    /// After each operations update (every update interval), once the regions were refitted:
    /// where a target set that follows a control group takes in and drops processes.
    public var afterUpdate: ((MonitoringContext) -> Void)?
    /// When no target is valid any more, before monitoring stops for that: may add targets (or
    /// request the stop with its own reason).
    public var whenTargetsGone: ((MonitoringContext) -> Void)?
    /// Once, after the loop ended and the regions were dropped.
    public var beforeTerminate: ((MonitoringContext) -> Void)?

    public init(
        beforeStart: ((MonitoringContext) throws -> Void)? = nil,
        afterSampling: ((MonitoringContext) throws -> Void)? = nil,
        afterAggregation: ((MonitoringContext) throws -> Void)? = nil,
        afterSchemes: ((MonitoringContext) -> Void)? = nil,
        afterWatermarkWait: ((MonitoringContext) -> Void)? = nil,
        beforeTerminate: ((MonitoringContext) -> Void)? = nil
    ) {
        self.afterSchemes = afterSchemes
        self.afterWatermarkWait = afterWatermarkWait
        self.beforeStart = beforeStart
        self.afterSampling = afterSampling
        self.afterAggregation = afterAggregation
        self.beforeTerminate = beforeTerminate
    }
}
