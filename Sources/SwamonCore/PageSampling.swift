/// Sampling one page per region, shared by the `vaddr`/`fvaddr` and `paddr` operations (the
/// kernel's `damon_va_prepare_access_checks`/`damon_pa_prepare_access_checks` and the
/// corresponding `check_accesses`).
enum PageSampling {
    /// Picks each region's sampling address and arms its page; runs at the start of every sample.
    static func prepare(_ context: MonitoringContext, in addressSpace: any AddressSpace) {
        let sampling = context.sampling
        let pageSize = context.minRegionSize
        context.withTargetsAndRandom { targets, random in
            for t in targets.indices {
                var addresses: [UInt64] = []
                addresses.reserveCapacity(targets[t].regions.count)
                targets[t].regions.withUnsafeMutableBufferPointer { regions in
                    for r in regions.indices {
                        let address: UInt64
                        switch sampling {
                        case .random:
                            address = randomAddress(in: regions[r].range, using: &random)
                        case .sparse(let sparse):
                            if regions[r].samplingDwell > 0 && regions[r].samplingRange == regions[r].range {
                                regions[r].samplingDwell -= 1
                                address = regions[r].samplingAddress
                            } else {
                                address = sparse.address(in: regions[r].range, pageSize: pageSize, using: &random)
                                regions[r].samplingDwell = sparse.dwell - 1
                                regions[r].samplingRange = regions[r].range
                            }
                        }
                        regions[r].samplingAddress = address
                        addresses.append(address)
                    }
                }
                addressSpace.prepareAccessChecks(target: targets[t].id, addresses: addresses)
            }
        }
    }

    /// Counts the accesses one sampling interval after `prepare`, with the kernel's reuse rule
    /// (`__damon_va_check_access`, `__damon_pa_check_access`): within one target, a region whose
    /// sample lies in the page (folio) that was checked last takes that page's result.
    /// `lastPageSize` is the kernel's `last_folio_sz` static, kept per operations instance.
    static func check(_ context: MonitoringContext, in addressSpace: any AddressSpace, lastPageSize: inout UInt64) -> UInt32 {
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
}
