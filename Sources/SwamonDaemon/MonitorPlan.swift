import Dispatch
import Glibc
import Logging
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

/// Everything one monitoring thread needs, taken from its context when `monitor_on on` is
/// written and checked then: the thread never reads the registry's configuration again.
struct MonitorPlan: Sendable {
    let contextName: String
    let attributes: Attributes
    let operations: OperationsKind
    let targets: [MonitoredProcess]
    let initRegions: [[AddressRange]]
    let backend: AccessCheckKind
    let backendReason: String
    let accessCheck: any AccessCheck

    /// Refuses a context that cannot start, with the kernel's errno where it has one.
    init(_ state: ContextState) throws(ControlError) {
        contextName = state.name
        attributes = state.attributes
        operations = state.operations
        guard !state.targets.isEmpty else {
            throw ControlError(.EINVAL, "context \(state.name) has no targets; write target_ids first")
        }
        switch (state.operations, state.targets) {
        case (.paddr, .processes):
            throw ControlError(.EINVAL, "context \(state.name) has operations paddr but process targets; write 'paddr' to target_ids")
        case (.vaddr, .paddr), (.fvaddr, .paddr):
            throw ControlError(.EINVAL, "context \(state.name) has a paddr target but operations \(state.operations.rawValue); write 'paddr' to operations")
        case (_, .processes(let processes)):
            targets = processes
        case (.paddr, .paddr):
            targets = []
        }
        initRegions = state.initRegions.isEmpty ? Array(repeating: [], count: state.targets.ids.count) : state.initRegions
        if state.operations == .fvaddr, initRegions.contains(where: \.isEmpty) {
            throw ControlError(.EINVAL, "context \(state.name) uses fvaddr, which monitors only init_regions; give every target init regions")
        }

        switch state.accessCheck {
        case .auto:
            switch AccessCheckProbe.automatic() {
            case .success(let kind):
                backend = kind
                backendReason = "auto: the first that works here"
            case .failure(let failure):
                throw ControlError(.ENOTSUP, "no access check works on this kernel: \(failure.reasons.joined(separator: "; "))")
            }
        case .backend(let kind):
            if let reason = AccessCheckProbe.unavailability(of: kind) {
                throw ControlError(.ENOTSUP, "access check \(kind.rawValue) cannot run here: \(reason)")
            }
            backend = kind
            backendReason = "configured"
        }
        if state.operations == .paddr {
            let reason = AccessCheckProbe.unavailability(of: .pageIdle) ?? "swamond does not implement paddr monitoring yet"
            throw ControlError(.ENOTSUP, "paddr monitoring needs the page_idle access check: \(reason)")
        }
        switch backend {
        case .referenced: accessCheck = ReferencedAccessCheck()
        case .softDirty: accessCheck = SoftDirtyAccessCheck()
        case .pageIdle:
            do { accessCheck = try PageIdleAccessCheck() } catch {
                throw ControlError(.ENOTSUP, "access check page_idle cannot open \(AccessCheckProbe.pageIdleBitmap): \(error)")
            }
        }
    }

    /// `SWAMOND_TEST_FAULT`, read once: the fault a test asked for, if any.
    static let faultSwitch = getenv("SWAMOND_TEST_FAULT").map { String(cString: $0) }


    /// The monitoring thread's body: the kernel's `kdamond_fn` with this daemon's callbacks.
    func run(_ run: MonitorRun, registry: Registry) {
        run.threadID.store(Syscalls.threadID(), ordering: .releasing)
        run.started.signal()

        let space = ProcessAddressSpace(processes: targets, accessCheck: accessCheck)
        let context = MonitoringContext(
            attributes: attributes,
            targets: zip(targets, initRegions).map { process, ranges in
                Target(id: Target.ID(process.pid), regions: ranges.map { Region(range: $0) })
            },
            operations: VirtualAddressOperations(mode: operations == .fvaddr ? .fvaddr : .vaddr, addressSpace: space),
            minRegionSize: Syscalls.pageSize,
            random: SplitMix64(seed: UInt64.random(in: 0...UInt64.max)),
            clock: Syscalls.monotonicNanoseconds
        )
        var exited = Set<Int32>()
        let name = contextName
        let pids = targets.map(\.pid)
        registry.results.event(
            MessageID.started,
            "\(name): monitoring started (targets \(pids.map(String.init).joined(separator: " ")), access check \(backend.rawValue))",
            context: name)
        let hangForTest = Self.faultSwitch == "hang-monitor"
        context.callbacks.afterAggregation = { context in
            if hangForTest && context.aggregations >= 3 {
                // Test-only fault (SWAMOND_TEST_FAULT=hang-monitor): a loop that never returns,
                // so that the watchdog's reaction can be tested. Never set in production.
                while true { Glibc.sleep(3600) }
            }
            registry.publish(
                run, snapshots: context.snapshots(), samples: context.passedSamples, aggregations: context.aggregations)
            for process in targets where !exited.contains(process.pid) && process.hasExited {
                exited.insert(process.pid)
                registry.results.event(
                    MessageID.targetExited, "\(name): target \(process.pid) exited", context: name, level: .info,
                    ["SWAMON_TARGET": "\(process.pid)"])
            }
        }
        context.run(sleep: { microseconds in
            run.beat()
            if Syscalls.sleep(microseconds: microseconds, wakeup: run.wakeup) || run.stopRequested.load(ordering: .acquiring) {
                context.stopRequested = true
            }
            run.beat()
        })
        let reason =
            run.stopRequested.load(ordering: .acquiring)
            ? "monitor_on off" : context.stopReason.map { "error: \($0)" } ?? "every target exited"
        registry.finished(run, reason: reason)
    }
}
