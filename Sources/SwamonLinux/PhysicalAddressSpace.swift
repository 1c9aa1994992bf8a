public import SwamonCore
public import SystemPackage

/// Physical memory for `PhysicalAddressOperations`: its ranges are System RAM from `/proc/iomem`
/// and a sampled address's page frame is the address divided by the page size, checked with
/// idle page tracking (the only backend that sees physical pages). Made on the control thread
/// when monitoring starts and handed to that context's monitoring thread, the only one that
/// uses it afterwards (hence the unchecked `Sendable`).
public final class PhysicalAddressSpace: AddressSpace, @unchecked Sendable {
    let frames: IdleFrames
    /// Armed at the start of a sample, checked one interval later; the monitoring thread's alone.
    private var armed = ArmedFrames(clock: Syscalls.monotonicNanoseconds)

    public init() throws(Errno) {
        frames = try IdleFrames(onlyLRU: true)
    }

    public func mappings(of target: Target.ID) -> [AddressRange]? {
        guard let iomem = try? FileDescriptor.open("/proc/iomem", .readOnly) else { return nil }
        defer { try? iomem.close() }
        guard let bytes = try? iomem.readAll() else { return nil }
        return SystemRAM.ranges(String(decoding: bytes, as: UTF8.self))
    }

    public func prepareAccessChecks(target: Target.ID, addresses: [UInt64]) {
        let frames = frames
        armed.arm(addresses, in: frames) { unknown in unknown.map { frames.resolve($0 / frames.pageSize) } }
    }

    public func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]? {
        armed.check(in: frames, count: addresses.count)
    }

    public func isValid(target: Target.ID) -> Bool { true }

    public func release() { armed.clear() }
}
