public import SwamonCore

/// How one backend arms and tests the pages sampled in a process. Made on the control thread
/// when monitoring starts, then used by that context's monitoring thread only.
public protocol AccessCheck: AnyObject, Sendable {
    /// Runs at the start of a sample with that sample's addresses, in region order.
    func prepare(_ process: any ProcessFiles, addresses: [UInt64])
    /// Runs one sampling interval later with the same addresses; nil when the process is gone.
    func check(_ process: any ProcessFiles, addresses: [UInt64]) -> [PageAccess]?
}

/// The address spaces of live processes, for `VirtualAddressOperations`: mappings from
/// `/proc/PID/maps`, access checks from the chosen backend, validity from each pidfd.
public final class ProcessAddressSpace: AddressSpace {
    private var processes: [Target.ID: MonitoredProcess]
    private let accessCheck: any AccessCheck
    /// Each target's mappings as read for the schemes of the current aggregation (a region that
    /// crosses gaps is advised piece by piece): read at most once per target per pass, dropped
    /// when the next sample starts.
    private var mappingsForSchemes: [Target.ID: [AddressRange]] = [:]

    public init(processes: [MonitoredProcess], accessCheck: any AccessCheck) {
        self.processes = Dictionary(processes.map { (Target.ID($0.pid), $0) }, uniquingKeysWith: { first, _ in first })
        self.accessCheck = accessCheck
    }

    /// Takes in a process that joined the monitored control group (on the monitoring thread).
    public func add(_ process: MonitoredProcess) {
        processes[Target.ID(process.pid)] = processes[Target.ID(process.pid)] ?? process
    }

    /// Lets go of a process that left (its pidfd closes with its last holder).
    public func remove(_ target: Target.ID) {
        processes[target] = nil
        mappingsForSchemes[target] = nil
    }

    public func mappings(of target: Target.ID) -> [AddressRange]? {
        guard let maps = processes[target]?.read("maps") else { return nil }
        return ProcMaps.ranges(String(decoding: maps, as: UTF8.self))
    }

    public func prepareAccessChecks(target: Target.ID, addresses: [UInt64]) {
        mappingsForSchemes[target] = nil
        guard let process = processes[target] else { return }
        accessCheck.prepare(process, addresses: addresses)
    }

    public func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]? {
        guard let process = processes[target] else { return nil }
        return accessCheck.check(process, addresses: addresses)
    }

    public func applyScheme(_ action: Scheme.Action, to range: AddressRange, target: Target.ID) -> SchemeOutcome {
        guard let process = processes[target], !process.hasExited else { return .applied(0) }
        return ProcessAdvice.apply(action, to: range, pidfd: process.pidfd) {
            if let known = self.mappingsForSchemes[target] { return known }
            let read = self.mappings(of: target)
            if let read { self.mappingsForSchemes[target] = read }
            return read
        }
    }

    /// As the kernel's `damon_va_target_valid`: while the task exists, which includes an exited
    /// process its parent has not reaped yet.
    public func isValid(target: Target.ID) -> Bool {
        processes[target].map { !$0.isReaped } ?? false
    }
}
