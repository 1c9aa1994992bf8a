import SwamonCore

/// Operations that do nothing: the ported core cases drive the context's steps by hand.
final class NoOperations: Operations {
    func prepareAccessChecks(_ context: MonitoringContext) {}
    func checkAccesses(_ context: MonitoringContext) -> UInt32 { 0 }
}

/// A context as the kernel's KUnit cases build one: minimum region size 1, fixed seed.
func kunitContext(
    targets: [Target] = [],
    attributes: Attributes = .kernelDefault,
    operations: any Operations = NoOperations(),
    seed: UInt64 = 1
) -> MonitoringContext {
    MonitoringContext(
        attributes: attributes,
        targets: targets,
        operations: operations,
        minRegionSize: 1,
        random: SplitMix64(seed: seed),
        clock: { 0 }
    )
}

/// Regions from `(start, end)` pairs.
func regions(_ bounds: [(UInt64, UInt64)]) -> [Region] {
    bounds.map { Region($0.0, $0.1) }
}

/// `(start, end)` pairs of a target's regions, for comparing with the kernel's expected arrays.
func bounds(_ target: Target) -> [[UInt64]] {
    target.regions.map { [$0.start, $0.end] }
}

func ranges(_ bounds: [(UInt64, UInt64)]) -> [AddressRange] {
    bounds.map { AddressRange($0.0, $0.1) }
}
