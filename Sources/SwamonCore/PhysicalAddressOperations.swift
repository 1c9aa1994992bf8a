/// The `paddr` operations (DAMON: `mm/damon/paddr.c`): the target is physical memory. Regions
/// are the user's `init_regions`, or else the biggest System RAM range (what the kernel's sysfs
/// interface does, `damon_set_region_biggest_system_ram_default`); they are never refitted, and
/// the target never becomes invalid, so monitoring runs until it is switched off.
public final class PhysicalAddressOperations: Operations {
    /// Its `mappings` are the System RAM ranges; its access checks take physical addresses.
    public let memory: any AddressSpace
    private var lastPageSize: UInt64 = 4096

    public init(memory: any AddressSpace) {
        self.memory = memory
    }

    public func initialize(_ context: MonitoringContext) {
        for t in context.targets.indices where context.targets[t].regions.isEmpty {
            guard let biggest = memory.mappings(of: context.targets[t].id)?.max(by: { $0.size < $1.size }) else { continue }
            let range = AddressRange(alignUp(biggest.start, context.minRegionSize), alignDown(biggest.end, context.minRegionSize))
            guard range.end > range.start else { continue }
            context.targets[t].regions = [Region(range: range)]
        }
    }

    public func prepareAccessChecks(_ context: MonitoringContext) {
        PageSampling.prepare(context, in: memory)
    }

    public func checkAccesses(_ context: MonitoringContext) -> UInt32 {
        PageSampling.check(context, in: memory, lastPageSize: &lastPageSize)
    }

    public func cleanup(_ context: MonitoringContext) {
        memory.release()
    }
}
