/// The `vaddr` and `fvaddr` operations (DAMON: `mm/damon/vaddr.c`) over any `AddressSpace`.
///
/// `vaddr` builds the initial regions from the three regions of the mappings and refits them
/// every update interval; `fvaddr` monitors only the regions the user gave (`init_regions`) and
/// never changes them.
public final class VirtualAddressOperations: Operations {
    public enum Mode: Sendable {
        case vaddr
        case fvaddr
    }

    public let mode: Mode
    public let addressSpace: any AddressSpace
    /// The kernel's `last_folio_sz` static: the page size of the last real check.
    private var lastPageSize: UInt64 = 4096

    public init(mode: Mode, addressSpace: any AddressSpace) {
        self.mode = mode
        self.addressSpace = addressSpace
    }

    public func initialize(_ context: MonitoringContext) {
        guard mode == .vaddr else { return }
        for t in context.targets.indices where context.targets[t].regions.isEmpty {
            // Without three regions (an exited process, fewer than three mapping groups) the
            // target keeps no regions; the first successful update creates them.
            guard let mappings = addressSpace.mappings(of: context.targets[t].id),
                let ranges = threeRegions(of: mappings, minRegionSize: context.minRegionSize)
            else { continue }
            context.targets[t].initializeRegions(
                from: ranges, minRegions: context.attributes.minRegions, minRegionSize: context.minRegionSize)
        }
    }

    public func update(_ context: MonitoringContext) {
        guard mode == .vaddr else { return }
        for t in context.targets.indices {
            guard let mappings = addressSpace.mappings(of: context.targets[t].id),
                let ranges = threeRegions(of: mappings, minRegionSize: context.minRegionSize)
            else { continue }
            context.targets[t].setRegions(ranges, minRegionSize: context.minRegionSize)
        }
    }

    public func prepareAccessChecks(_ context: MonitoringContext) {
        PageSampling.prepare(context, in: addressSpace)
    }

    public func checkAccesses(_ context: MonitoringContext) -> UInt32 {
        PageSampling.check(context, in: addressSpace, lastPageSize: &lastPageSize)
    }

    public var validatesTargets: Bool { true }

    public func isTargetValid(_ target: Target) -> Bool {
        addressSpace.isValid(target: target.id)
    }

    public func cleanup(_ context: MonitoringContext) {
        addressSpace.release()
    }

    /// DAMON: `damon_va_apply_scheme`.
    public func applyScheme(_ action: Scheme.Action, to range: AddressRange, of target: Target) -> SchemeOutcome {
        addressSpace.applyScheme(action, to: range, target: target.id)
    }
}
