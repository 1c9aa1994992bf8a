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
    /// How sampled pages are chosen, decided from the context's `sampling` and `backend`.
    let sampling: SamplingStrategy
    let sampler: Sampler
    /// The schemes as they start: refused at once where the kernel lacks an advice.
    let schemes: [SchemeRun]
    /// A unit or control group the thread follows, and how many processes it may hold.
    let group: GroupTarget?
    let maxTargets: Int

    /// How pages are checked: through a process backend, or physical frames for `paddr`.
    enum Sampler: Sendable {
        case processes(any AccessCheck)
        case physical(PhysicalAddressSpace)
    }

    /// Refuses a context that cannot start, with the kernel's errno where it has one (the
    /// caller names the context in the message).
    init(_ state: ContextState, maxTargets: Int) throws(ControlError) {
        contextName = state.name
        self.maxTargets = maxTargets
        attributes = state.attributes
        operations = state.operations
        guard !state.targets.isEmpty else {
            throw ControlError(.EINVAL, "no targets; write target_ids first")
        }
        var group: GroupTarget?
        switch (state.operations, state.targets) {
        case (.paddr, .processes), (.paddr, .group):
            throw ControlError(.EINVAL, "operations paddr but process targets; write 'paddr' to target_ids")
        case (_, .group(let written)):
            // Its members now, not when target_ids was written.
            guard let members = written.members(limit: maxTargets), !members.isEmpty else {
                throw ControlError(.EINVAL, "\(written.word) has no processes to monitor")
            }
            targets = members
            group = written
        case (.vaddr, .paddr), (.fvaddr, .paddr):
            throw ControlError(.EINVAL, "a paddr target but operations \(state.operations.rawValue); write 'paddr' to operations")
        case (_, .processes(let processes)):
            targets = processes
        case (.paddr, .paddr):
            targets = []
        }
        self.group = group
        try requireUserSpaceActions(state.schemes, operations: state.operations)
        var schemes = state.schemes.map(SchemeRun.init)
        ProcessAdvice.refuseUnsupported(&schemes)
        self.schemes = schemes
        initRegions = state.initRegions.isEmpty ? Array(repeating: [], count: max(targets.count, state.targets.ids.count)) : state.initRegions
        if state.operations == .fvaddr, initRegions.contains(where: \.isEmpty) {
            throw ControlError(.EINVAL, "fvaddr monitors only init_regions; give every target init regions")
        }

        if state.operations == .paddr {
            // Only idle page tracking sees physical pages.
            if case .backend(let kind) = state.accessCheck, kind != .pageIdle {
                throw ControlError(.ENOTSUP, "paddr monitoring needs the page_idle access check, but access_check is \(kind.rawValue)")
            }
            if let reason = AccessCheckProbe.unavailability(of: .pageIdle) {
                throw ControlError(.ENOTSUP, "paddr monitoring needs the page_idle access check: \(reason)")
            }
            backend = .pageIdle
            backendReason = state.accessCheck == .auto ? "auto: the only one that sees physical pages" : "configured"
            do { sampler = .physical(try PhysicalAddressSpace()) } catch {
                throw ControlError(.ENOTSUP, "paddr monitoring cannot open the page_idle bitmap and /proc/kpageflags: \(error)")
            }
            sampling = state.sampling.strategy(for: backend, seed: UInt64.random(in: 0...UInt64.max))
            return
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
        sampling = state.sampling.strategy(for: backend, seed: UInt64.random(in: 0...UInt64.max))
        switch backend {
        case .referenced: sampler = .processes(ReferencedAccessCheck())
        case .softDirty: sampler = .processes(SoftDirtyAccessCheck())
        case .pageIdle:
            do { sampler = .processes(try PageIdleAccessCheck()) } catch {
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

        let monitored: [Target]
        let monitoring: any Operations
        var space: ProcessAddressSpace?
        switch sampler {
        case .processes(let accessCheck):
            let processSpace = ProcessAddressSpace(processes: targets, accessCheck: accessCheck)
            space = processSpace
            monitored = zip(targets, initRegions).map { process, ranges in
                Target(id: Target.ID(process.pid), regions: ranges.map { Region(range: $0) })
            }
            monitoring = VirtualAddressOperations(mode: operations == .fvaddr ? .fvaddr : .vaddr, addressSpace: processSpace)
        case .physical(let memory):
            monitored = [Target(id: TargetIDsFormat.paddrTargetID, regions: (initRegions.first ?? []).map { Region(range: $0) })]
            monitoring = PhysicalAddressOperations(memory: memory)
        }
        let context = MonitoringContext(
            attributes: attributes,
            targets: monitored,
            operations: monitoring,
            minRegionSize: Syscalls.pageSize,
            random: SplitMix64(seed: UInt64.random(in: 0...UInt64.max)),
            clock: Syscalls.monotonicNanoseconds
        )
        context.schemes = schemes
        context.sampling = sampling
        context.freeMemoryRate = MemoryInfo.freeRate
        var exited = Set<Int32>()
        var processes = targets
        var groupEnded: String?
        let name = contextName
        let described = operations == .paddr ? "paddr" : targets.map { String($0.pid) }.joined(separator: " ")
        registry.results.event(
            MessageID.started,
            "\(name): monitoring started (targets \(described), access check \(backend.rawValue), \(sampling.name) sampling)",
            context: name)
        let hangForTest = Self.faultSwitch == "hang-monitor"
        let reporter = SchemeReporter(contextName: name, registry: registry, run: run)
        reporter.announce(context)
        // Readers of schemes_tried_regions taken at this aggregation, answered after its scheme pass.
        var triedReaders: [@Sendable (Response) -> Void] = []
        context.callbacks.afterSchemes = { context in
            reporter.afterSchemes(context)
            if let tried = context.triedRegions {
                let text = ResultsFormat.triedRegions(tried)
                for answer in triedReaders { answer(.ok(content: text)) }
                triedReaders = []
                context.triedRegions = nil
            }
        }
        context.callbacks.afterWatermarkWait = { context in
            reporter.published(context)
            // Every scheme is inactive: nothing is tried (the kernel ends the update the same way).
            for answer in run.tried.take() { answer(.ok(content: "")) }
            registry.applyCommits(run, to: context)
        }
        context.callbacks.afterAggregation = { context in
            if hangForTest && context.aggregations >= 3 {
                // Test-only fault (SWAMOND_TEST_FAULT=hang-monitor): a loop that never returns,
                // so that the watchdog's reaction can be tested. Never set in production.
                while true { Glibc.sleep(3600) }
            }
            registry.publish(
                run, snapshots: context.snapshots(), samples: context.passedSamples, aggregations: context.aggregations)
            for process in processes where !exited.contains(process.pid) && process.hasExited {
                exited.insert(process.pid)
                registry.results.event(
                    MessageID.targetExited, "\(name): target \(process.pid) exited", context: name, level: .info,
                    ["SWAMON_TARGET": "\(process.pid)"])
            }
            registry.applyCommits(run, to: context)
            let readers = run.tried.take()
            if !readers.isEmpty {
                if context.schemes.isEmpty {
                    for answer in readers { answer(.ok(content: "")) }
                } else {
                    triedReaders += readers
                    context.triedRegions = []
                }
            }
        }
        if let group, let space {
            let refresh: (MonitoringContext) -> Void = { context in
                groupEnded = follow(group, context: context, space: space, processes: &processes, exited: &exited, run: run, registry: registry)
                if groupEnded != nil { context.stopRequested = true }
            }
            context.callbacks.afterUpdate = refresh
            context.callbacks.whenTargetsGone = refresh
        }
        var lastWake: UInt64 = 0
        context.run(sleep: { microseconds in
            let now = run.beat()
            let working = lastWake == 0 ? 0 : now - lastWake
            if working > context.attributes.sampleInterval * 1000 {
                let total = run.overruns.add(1, ordering: .relaxed).newValue
                if total == 1 {
                    registry.results.event(
                        MessageID.fallingBehind,
                        "\(name): falling behind: one sample's checks took \(working / 1000) µs, longer than the sampling interval of \(context.attributes.sampleInterval) µs; the real sampling period is longer than configured (see overruns and sample_period_us in status)",
                        context: name, level: .warning, ["SWAMON_WORK_US": "\(working / 1000)"])
                }
            }
            // Long sleeps (a watermark wait) go in steps, each a sign of life for the watchdog.
            var remaining = microseconds
            repeat {
                let step = min(remaining, max(context.attributes.sampleInterval, 100_000))
                remaining -= step
                if Syscalls.sleep(microseconds: step, wakeup: run.wakeup) || run.stopRequested.load(ordering: .acquiring) {
                    context.stopRequested = true
                    break
                }
                if remaining > 0 { run.beat() }
            } while remaining > 0
            lastWake = run.beat()
        })
        let reason =
            run.stopRequested.load(ordering: .acquiring)
            ? "monitor_on off" : groupEnded ?? context.stopReason.map { "error: \($0)" } ?? "every target exited"
        // The kernel answers a pending update of tried regions when the kdamond ends, with
        // what it had (here: nothing, as no scheme pass finished for them).
        for answer in triedReaders + run.tried.close() { answer(.ok(content: "")) }
        registry.finished(run, reason: reason)
    }

    /// At each operations update of a unit or control-group target: drops members that exited,
    /// takes in those that joined (up to max_targets, each by the writer's ptrace rule), and
    /// says why monitoring must end when the group is gone or empty.
    func follow(
        _ group: GroupTarget, context: MonitoringContext, space: ProcessAddressSpace, processes: inout [MonitoredProcess],
        exited: inout Set<Int32>, run: MonitorRun, registry: Registry
    ) -> String? {
        guard let pids = group.memberPIDs(limit: maxTargets) else { return "\(group.word) is gone" }
        let gone = Set(processes.filter(\.hasExited).map(\.pid))
        if !gone.isEmpty {
            context.removeTargets { gone.contains(Int32(truncatingIfNeeded: $0.id)) }
            for pid in gone { space.remove(Target.ID(pid)) }
            processes.removeAll { gone.contains($0.pid) }
            exited.subtract(gone)
        }
        let held = Set(processes.map(\.pid))
        let joined = pids.filter { !held.contains($0) }.prefix(max(0, maxTargets - processes.count)).compactMap(group.admit)
        if !joined.isEmpty {
            for process in joined { space.add(process) }
            processes += joined
            context.addTargets(joined.map { Target(id: Target.ID($0.pid), regions: []) })
            registry.results.event(
                MessageID.targetJoined, "\(contextName): \(group.word): now monitoring pid \(joined.map { String($0.pid) }.joined(separator: ", "))",
                context: contextName, level: .info, ["SWAMON_TARGET": "\(joined.map { String($0.pid) }.joined(separator: " "))", "SWAMON_UNIT": "\(group.unitName)"])
        }
        if !gone.isEmpty || !joined.isEmpty { registry.replaceTargets(run, with: processes) }
        return processes.isEmpty ? "\(group.word) has no processes left" : nil
    }
}
