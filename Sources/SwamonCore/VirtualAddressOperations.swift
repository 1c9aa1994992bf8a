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
        context.withTargetsAndRandom { targets, random in
            for t in targets.indices {
                var addresses: [UInt64] = []
                addresses.reserveCapacity(targets[t].regions.count)
                targets[t].regions.withUnsafeMutableBufferPointer { regions in
                    for r in regions.indices {
                        let address = randomAddress(in: regions[r].range, using: &random)
                        regions[r].samplingAddress = address
                        addresses.append(address)
                    }
                }
                addressSpace.prepareAccessChecks(target: targets[t].id, addresses: addresses)
            }
        }
    }

    /// Applies the kernel's reuse rule (`__damon_va_check_access`): within one target, a region
    /// whose sample lies in the page that was checked last takes that page's result.
    public func checkAccesses(_ context: MonitoringContext) -> UInt32 {
        let window = context.attributes.maxAccessCount
        var pageSize = lastPageSize
        defer { lastPageSize = pageSize }
        return context.withTargetsAndRandom { targets, _ in
            var maxCount: UInt32 = 0
            for t in targets.indices {
                let addresses = targets[t].regions.map(\.samplingAddress)
                let results = addressSpace.checkAccesses(target: targets[t].id, addresses: addresses)
                targets[t].regions.withUnsafeMutableBufferPointer { regions in
                    var lastAddress: UInt64 = 0
                    var lastAccessed = false
                    for r in regions.indices {
                        let address = addresses[r]
                        var accessed = false
                        if let results {
                            if r > 0 && alignDown(lastAddress, pageSize) == alignDown(address, pageSize) {
                                accessed = lastAccessed
                            } else {
                                accessed = results[r].accessed
                                pageSize = max(results[r].pageSize, 1)
                                lastAddress = address
                                lastAccessed = accessed
                            }
                        }
                        regions[r].recordSample(accessed: accessed, window: window)
                        maxCount = max(maxCount, regions[r].accessCount)
                    }
                }
            }
            return maxCount
        }
    }

    public var validatesTargets: Bool { true }

    public func isTargetValid(_ target: Target) -> Bool {
        addressSpace.isValid(target: target.id)
    }

    public func cleanup(_ context: MonitoringContext) {
        addressSpace.release()
    }
}
