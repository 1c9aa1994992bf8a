public import SwamonCore

/// A scripted address space: processes with fixed mappings whose "hot" ranges are accessed in
/// every sampling interval and whose other pages are never touched. Time is counted in samples
/// (access checks), so a run is fully deterministic and never sleeps.
///
/// Used by the demo, the core benchmark and the property tests; the Linux backends replace it
/// in the daemon.
public final class SimulatedAddressSpace: AddressSpace {
    /// A stretch of the script: for `samples` sampling intervals (0 = for ever), `hot` is accessed.
    public struct Phase: Sendable {
        public var samples: UInt64
        public var hot: [AddressRange]

        public init(samples: UInt64 = 0, hot: [AddressRange]) {
            self.samples = samples
            self.hot = hot
        }
    }

    public struct Process: Sendable {
        public var mappings: [AddressRange]
        /// Played in order, then from the start again.
        public var phases: [Phase]
        public var exited = false
        /// Access checks answered so far: the process's clock.
        public var checks: UInt64 = 0

        public init(mappings: [AddressRange], phases: [Phase]) {
            self.mappings = mappings
            self.phases = phases
        }
    }

    public let pageSize: UInt64
    public private(set) var processes: [Target.ID: Process] = [:]
    /// Pages armed by the last prepare step, per target; a check of an unarmed page is a bug.
    private var armed: [Target.ID: [UInt64]] = [:]

    public init(pageSize: UInt64 = 4096) {
        self.pageSize = pageSize
    }

    public func add(_ id: Target.ID, _ process: Process) { processes[id] = process }

    /// Makes the process exit: it loses its address space and stops being a valid target.
    public func exit(_ id: Target.ID) { processes[id]?.exited = true }

    public func setMappings(_ id: Target.ID, _ mappings: [AddressRange]) { processes[id]?.mappings = mappings }

    /// The ranges being accessed at the process's current point in its script.
    public func hotRanges(of id: Target.ID) -> [AddressRange] {
        guard let process = processes[id], !process.phases.isEmpty else { return [] }
        let cycle = process.phases.reduce(UInt64(0)) { $0 + $1.samples }
        if process.phases.contains(where: { $0.samples == 0 }) || cycle == 0 {
            var clock = process.checks
            for phase in process.phases {
                if phase.samples == 0 || clock < phase.samples { return phase.hot }
                clock -= phase.samples
            }
            return process.phases.last!.hot
        }
        var clock = process.checks % cycle
        for phase in process.phases {
            if clock < phase.samples { return phase.hot }
            clock -= phase.samples
        }
        return []
    }

    public func mappings(of target: Target.ID) -> [AddressRange]? {
        guard let process = processes[target], !process.exited else { return nil }
        return process.mappings
    }

    public func prepareAccessChecks(target: Target.ID, addresses: [UInt64]) {
        armed[target] = addresses.map { alignDown($0, pageSize) }
    }

    public func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]? {
        guard let process = processes[target], !process.exited else { return nil }
        precondition(
            armed[target] == addresses.map { alignDown($0, pageSize) },
            "checked pages differ from the armed ones")
        let hot = hotRanges(of: target)
        processes[target]?.checks += 1
        return addresses.map { address in
            PageAccess(accessed: hot.contains { $0.contains(address) }, pageSize: pageSize)
        }
    }

    public func isValid(target: Target.ID) -> Bool {
        processes[target].map { !$0.exited } ?? false
    }

    public func release() { armed = [:] }
}

extension SimulatedAddressSpace.Process {
    /// A process laid out like a real one on x86-64: program and heap low, a big anonymous
    /// mapping with the libraries mapped right above it in the mmap area, the stack at the top;
    /// the two large gaps separate the three groups. `hotBytes` of the anonymous mapping, from
    /// its start, are accessed in every sample; the rest of it is never touched.
    public static func typical(anonymousBytes: UInt64, hotBytes: UInt64) -> Self {
        let librariesStart: UInt64 = 0x7f10_0000_0000
        let anonStart = alignDown(librariesStart - 0x20_0000 - anonymousBytes, 0x1000)
        let mappings = [
            AddressRange(0x5555_5555_4000, 0x5555_5556_0000),  // program text and data
            AddressRange(0x5555_5556_0000, 0x5555_5558_1000),  // heap
            AddressRange(anonStart, anonStart + anonymousBytes),  // the workload's buffer
            AddressRange(librariesStart, librariesStart + 0x20_0000),  // libraries
            AddressRange(0x7ffc_0000_0000, 0x7ffc_0002_1000),  // stack
        ]
        return Self(mappings: mappings, phases: [SimulatedAddressSpace.Phase(hot: [AddressRange(anonStart, anonStart + hotBytes)])])
    }

    /// Where `typical` puts the anonymous mapping.
    public var anonymousMapping: AddressRange { mappings[2] }
}
