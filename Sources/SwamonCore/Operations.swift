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
}

extension Operations {
    public func initialize(_ context: MonitoringContext) {}
    public func update(_ context: MonitoringContext) {}
    public func resetAggregated(_ context: MonitoringContext) {}
    public var validatesTargets: Bool { false }
    public func isTargetValid(_ target: Target) -> Bool { true }
    public func cleanup(_ context: MonitoringContext) {}
}

/// Hooks into the monitoring loop (DAMON: `struct damon_callback`). A hook that throws stops
/// monitoring; the error is kept in `MonitoringContext.stopReason`.
public struct Callbacks {
    /// After `Operations.initialize`, before the first sample.
    public var beforeStart: ((MonitoringContext) throws -> Void)?
    /// After access checks were prepared, before the sampling sleep.
    public var afterSampling: ((MonitoringContext) throws -> Void)?
    /// At each aggregation, after the merge and before the reset: the observation point.
    public var afterAggregation: ((MonitoringContext) throws -> Void)?
    /// Once, after the loop ended and the regions were dropped.
    public var beforeTerminate: ((MonitoringContext) -> Void)?

    public init(
        beforeStart: ((MonitoringContext) throws -> Void)? = nil,
        afterSampling: ((MonitoringContext) throws -> Void)? = nil,
        afterAggregation: ((MonitoringContext) throws -> Void)? = nil,
        beforeTerminate: ((MonitoringContext) -> Void)? = nil
    ) {
        self.beforeStart = beforeStart
        self.afterSampling = afterSampling
        self.afterAggregation = afterAggregation
        self.beforeTerminate = beforeTerminate
    }
}
