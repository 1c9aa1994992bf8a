import Dispatch
import FoundationEssentials
import Glibc
import Logging
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

/// Every context, in creation order (index 0 is the root context), behind one lock. The control
/// server reads and writes configuration through it; monitoring threads report into it once per
/// aggregation and when they end. Nothing here touches a running context's regions.
public final class Registry: Sendable {
    /// The configuration swamond started with; `settings` holds the part SIGHUP can change.
    let configuration: Configuration
    let settings: Mutex<LiveSettings>
    let contexts: Mutex<[ContextState]>
    let watchers = WatchHub()
    let results: ResultsLog
    let startedAt = Date()
    /// Writes the state file off the event loop; nil without `state_file`.
    let saver: StateSaver?
    let connectionLimits: ConnectionLimits
    /// Set by `shutdown`: contexts that end then are not saved as stopped, so a restart resumes.
    let shuttingDown = Atomic<Bool>(false)
    /// Rewrites `metrics_textfile` after aggregations (at most once a second); nil without it.
    let textfile: MetricsTextfile?
    /// The control-group hierarchy `unit:` and `cgroup:` targets are found in; nil when none is
    /// mounted.
    let controlGroups: ControlGroups?

    /// What a configuration reload (SIGHUP) changes without a restart. New connections and new
    /// contexts see the new values; running contexts keep theirs.
    struct LiveSettings {
        var controlGroup: String
        var controlGroupID: UInt32?
        var defaultAttributes: Attributes
        var accessCheck: AccessCheckSetting
        var sampling: SamplingSetting
        var journalEvery: UInt64

        init(_ configuration: Configuration) {
            controlGroup = configuration.controlGroup
            controlGroupID = groupID(named: configuration.controlGroup)
            defaultAttributes = configuration.defaultAttributes
            accessCheck = configuration.accessCheck
            sampling = configuration.sampling
            journalEvery = configuration.journalEvery
        }
    }

    public init(configuration: Configuration, results: ResultsLog) {
        self.configuration = configuration
        self.results = results
        settings = Mutex(LiveSettings(configuration))
        saver = configuration.stateFile.isEmpty ? nil : StateSaver(path: configuration.stateFile)
        connectionLimits = ConnectionLimits(configuration)
        textfile = configuration.metricsTextfile.isEmpty ? nil : MetricsTextfile(path: configuration.metricsTextfile, logger: results.logger)
        controlGroups = ControlGroups.system()
        contexts = Mutex([
            ContextState(
                name: ContextName.root, attributes: configuration.defaultAttributes, accessCheck: configuration.accessCheck,
                sampling: configuration.sampling)
        ])
    }

    /// Credentials of a new connection, turned into what it may do.
    public func peer(pid: Int32, uid: UInt32, gid: UInt32, groups: [UInt32]) -> Peer {
        Peer.authorize(pid: pid, uid: uid, gid: gid, groups: groups, controlGroup: controlGroupID)
    }

    /// The control group's gid, or nil when no such group exists (then only root may write).
    public var controlGroupID: UInt32? { settings.withLock(\.controlGroupID) }

    /// Takes the reloadable keys of `new` (SIGHUP) and says what changed; keys that need a
    /// restart are named when they differ from the running configuration.
    public func reload(_ new: Configuration) -> [String] {
        var notes: [String] = []
        settings.withLock { live in
            let next = LiveSettings(new)
            if next.controlGroup != live.controlGroup { notes.append("control_group \(live.controlGroup) -> \(next.controlGroup)") }
            if next.defaultAttributes != live.defaultAttributes { notes.append("default_attrs changed (new contexts)") }
            if next.accessCheck != live.accessCheck { notes.append("access_check \(live.accessCheck.rawValue) -> \(next.accessCheck.rawValue) (new contexts)") }
            if next.sampling != live.sampling { notes.append("sampling \(live.sampling.rawValue) -> \(next.sampling.rawValue) (new contexts)") }
            if next.journalEvery != live.journalEvery { notes.append("journal_every \(live.journalEvery) -> \(next.journalEvery)") }
            live = next
        }
        for (key, changed) in [
            ("socket_path", new.socketPath != configuration.socketPath), ("socket_mode", new.socketMode != configuration.socketMode),
            ("state_file", new.stateFile != configuration.stateFile), ("max_targets", new.maxTargets != configuration.maxTargets),
            ("max_contexts", new.maxContexts != configuration.maxContexts),
            ("max_connections", new.maxConnections != configuration.maxConnections),
            ("max_connections_per_uid", new.maxConnectionsPerUID != configuration.maxConnectionsPerUID),
            ("max_buffered_input", new.maxBufferedInput != configuration.maxBufferedInput),
            ("request_timeout", new.requestTimeout != configuration.requestTimeout),
            ("idle_timeout", new.idleTimeout != configuration.idleTimeout),
            ("metrics_listen", new.metricsListen != configuration.metricsListen),
            ("metrics_textfile", new.metricsTextfile != configuration.metricsTextfile),
        ] where changed {
            notes.append("\(key) changed but takes effect only at restart")
        }
        return notes
    }

    public var runningCount: Int { contexts.withLock { $0.filter(\.isRunning).count } }

    func hasContext(named name: String) -> Bool {
        contexts.withLock { $0.contains { $0.name == name } }
    }

    // MARK: Starting and stopping

    /// `monitor_on on`: starts every context (see `start(named:)`); refused while any runs.
    func startAll() throws(ControlError) {
        try start(named: nil)
    }

    /// Starts the contexts named (every context when nil; a context's `state on` names one, a
    /// restart resumes those that ran). Validates each first (targets, operations, backend),
    /// then starts one thread per context and returns once each has reported its thread id.
    /// Unlike the kernel, which leaves earlier contexts running when a later one fails to start,
    /// a refused start starts nothing.
    func start(named names: Set<String>?) throws(ControlError) {
        let runs: [MonitorRun] = try contexts.withLock { (contexts) throws(ControlError) -> [MonitorRun] in
            let chosen = contexts.indices.filter { names?.contains(contexts[$0].name) ?? true }
            if names == nil, contexts.contains(where: \.isRunning) {
                throw ControlError(.EBUSY, "monitoring is already on; write 'off' to monitor_on first")
            }
            if let running = chosen.first(where: { contexts[$0].isRunning }) {
                throw ControlError(.EBUSY, "context \(contexts[running].name) is already on; write 'off' to its state first")
            }
            // Everything that can fail happens before any context changes.
            var plans: [(index: Int, plan: MonitorPlan, run: MonitorRun)] = []
            for index in chosen {
                let plan: MonitorPlan
                do throws(ControlError) { plan = try MonitorPlan(contexts[index], maxTargets: configuration.maxTargets) } catch {
                    throw ControlError(error.name, "context \(contexts[index].name): \(error.message)")
                }
                let run: MonitorRun
                do { run = try MonitorRun(contextName: plan.contextName, sampleInterval: plan.attributes.sampleInterval) } catch {
                    throw ControlError(.ENOMEM, "cannot create the wakeup eventfd of context \(plan.contextName): \(error)")
                }
                plans.append((index, plan, run))
            }
            var runs: [MonitorRun] = []
            for (index, plan, run) in plans {
                contexts[index].run = run
                contexts[index].backendInUse = plan.backend
                contexts[index].samplingInUse = plan.sampling
                contexts[index].snapshots = []
                contexts[index].lastTargets = plan.targets
                contexts[index].targetLabels = [:]
                contexts[index].samples = 0
                contexts[index].aggregations = 0
                contexts[index].samplePeriod = 0
                contexts[index].lastStopReason = nil
                contexts[index].schemeRuns = plan.schemes
                contexts[index].pausedByWatermarks = false
                for s in contexts[index].schemes.indices { contexts[index].schemes[s].stats = Scheme.Stats() }
                results.event(
                    MessageID.backendChosen,
                    "\(plan.contextName): access check \(plan.backend.rawValue) (\(plan.backendReason))",
                    context: plan.contextName, level: .info, ["SWAMON_ACCESS_CHECK": "\(plan.backend.rawValue)"])
                DetachedThread.start(name: "kdamond.\(index)") { [self] in plan.run(run, registry: self) }
                runs.append(run)
            }
            return runs
        }
        for run in runs { run.started.wait() }
    }

    /// `monitor_on off`: asks every running context to stop and waits until each thread ended
    /// (within one sampling interval). Runs off the event loop.
    func stopAll() throws(ControlError) {
        let runs = contexts.withLock { $0.compactMap(\.run) }
        guard !runs.isEmpty else { throw ControlError(.EPERM, "monitoring is not on") }
        _ = stop(runs, until: .distantFuture)
    }

    /// A context's `state off`: stops that context only and waits until its thread ended.
    /// Runs off the event loop.
    func stop(contextAt index: Int) throws(ControlError) {
        let run = try contexts.withLock { (contexts) throws(ControlError) -> MonitorRun in
            guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
            guard let run = contexts[index].run else { throw ControlError(.EPERM, "context \(contexts[index].name) is not on") }
            return run
        }
        _ = stop([run], until: .distantFuture)
    }

    /// Asks `runs` to stop and waits for each until `deadline`; returns the contexts that did not
    /// stop. Each finished signal is passed on, so an `off` and a shutdown waiting on the same run
    /// both get through.
    private func stop(_ runs: [MonitorRun], until deadline: DispatchTime) -> [String] {
        for run in runs { run.requestStop() }
        var stuck: [String] = []
        for run in runs {
            if run.finished.wait(timeout: deadline) == .timedOut {
                stuck.append(run.contextName)
            } else {
                run.finished.signal()
            }
        }
        return stuck
    }

    /// Asks every running context to stop and waits at most `timeout` for each; used at
    /// shutdown, where a hung monitoring thread must not keep the process alive (systemd would
    /// otherwise have to kill it after `TimeoutStopSec=`). Returns the contexts that did not stop.
    @discardableResult
    public func shutdown(timeout: Duration = .seconds(10)) -> [String] {
        shuttingDown.store(true, ordering: .releasing)
        let runs = contexts.withLock { $0.compactMap(\.run) }
        let (seconds, attoseconds) = timeout.components
        let deadline = DispatchTime.now() + .nanoseconds(Int(seconds) * 1_000_000_000 + Int(attoseconds / 1_000_000_000))
        let stuck = stop(runs, until: deadline)
        if !stuck.isEmpty {
            results.logger.error("monitoring of \(stuck.joined(separator: ", ")) did not stop within \(timeout); exiting anyway")
        }
        return stuck
    }

    // MARK: Supervision

    /// Gives freed memory back to the system once connections have closed (a client that
    /// pipelined megabytes leaves them in malloc's free lists otherwise). Runs on the
    /// supervisor's tick.
    public func trimMemoryAfterClosedConnections() {
        if connectionLimits.closedSinceTrim.exchange(false, ordering: .relaxed) { Syscalls.trimHeap() }
    }

    /// True when every running monitoring thread showed life within one sampling sleep plus
    /// `grace` — what the systemd watchdog pings stand for. A hung loop makes this false.
    public func monitorsAreAlive(grace: Duration) -> Bool {
        contexts.withLock { $0.compactMap(\.run) }.allSatisfy { $0.isAlive(grace: grace) }
    }

    /// One line for systemd's STATUS=: what runs, with which backend, on how many targets.
    public func statusSummary() -> String {
        contexts.withLock { contexts in
            let running = contexts.filter(\.isRunning)
            guard !running.isEmpty else {
                return "idle: \(contexts.count) context\(contexts.count == 1 ? "" : "s"), monitoring off"
            }
            let targets = running.reduce(0) { $0 + $1.targets.ids.count }
            let backends = Set(running.compactMap { $0.backendInUse?.rawValue }).sorted().joined(separator: ", ")
            return "\(running.count) of \(contexts.count) contexts monitoring \(targets) target\(targets == 1 ? "" : "s") (access check \(backends))"
        }
    }

    // MARK: Reports from monitoring threads

    /// Runs on the monitoring thread after each aggregation.
    func publish(_ run: MonitorRun, snapshots: [AggregationSnapshot], samples: UInt64, aggregations: UInt64) {
        let overruns = run.overruns.load(ordering: .relaxed)
        let unlabelled = contexts.withLock { contexts in
            contexts.first { $0.run === run }.map { context in context.lastTargets.filter { context.targetLabels[Target.ID($0.pid)] == nil } } ?? []
        }
        // Read outside the lock, once per target and run: /proc/PID/comm and /proc/PID/cgroup.
        let newLabels = unlabelled.map { (Target.ID($0.pid), ProcessLabels.read($0)) }
        let (samplePeriod, targets, attributes, labels) = contexts.withLock {
            contexts -> (UInt64, [MonitoredProcess], Attributes?, [Target.ID: ProcessLabels]) in
            guard let index = contexts.firstIndex(where: { $0.run === run }) else { return (0, [], nil, [:]) }
            if let previous = contexts[index].snapshots.first, let now = snapshots.first, now.samples > previous.samples {
                contexts[index].samplePeriod = (now.timestamp - previous.timestamp) / (now.samples - previous.samples)
            }
            for (id, labels) in newLabels { contexts[index].targetLabels[id] = labels }
            contexts[index].totals.addRun(
                samples: (contexts[index].samples, samples), aggregations: (contexts[index].aggregations, aggregations),
                overruns: (contexts[index].overruns, overruns))
            contexts[index].snapshots = snapshots
            contexts[index].overruns = overruns
            contexts[index].samples = samples
            contexts[index].aggregations = aggregations
            return (contexts[index].samplePeriod, contexts[index].lastTargets, contexts[index].attributes, contexts[index].targetLabels)
        }
        textfile?.update(self)
        let journalEvery = settings.withLock(\.journalEvery)
        for snapshot in snapshots {
            watchers.broadcast(
                context: run.contextName, target: snapshot.targetID,
                mayInspect: { peer in self.mayInspect(snapshot.targetID, among: targets, by: peer) },
                ResultsFormat.watchLine(context: run.contextName, snapshot))
            results.aggregation(
                context: run.contextName, aggregation: aggregations, every: journalEvery, snapshot, attributes: attributes,
                unit: labels[snapshot.targetID]?.unit ?? "", samplePeriod: samplePeriod, overruns: overruns)
        }
    }

    /// Runs on the monitoring thread when a unit or control-group target gained or lost
    /// processes: who may see results is decided against the new set.
    func replaceTargets(_ run: MonitorRun, with processes: [MonitoredProcess]) {
        contexts.withLock { contexts in
            guard let index = contexts.firstIndex(where: { $0.run === run }) else { return }
            contexts[index].lastTargets = processes
        }
    }

    /// Whether `peer` may see results about `target`, one of `processes` (the ptrace rule of
    /// `authorizeInspection`); physical memory, which no process holds, is root's only.
    func mayInspect(_ target: Target.ID, among processes: [MonitoredProcess], by peer: Peer) -> Bool {
        guard !peer.isRoot else { return true }
        guard let process = processes.first(where: { Target.ID($0.pid) == target }) else { return false }
        return (try? authorizeInspection(of: process, by: peer)) != nil
    }

    /// Runs on the monitoring thread as it ends (the dbgfs `before_terminate`): the context's
    /// targets and init regions are dropped, so `target_ids` must be written again before the
    /// next `on`.
    func finished(_ run: MonitorRun, reason: String) {
        contexts.withLock { contexts in
            guard let index = contexts.firstIndex(where: { $0.run === run }) else { return }
            contexts[index].run = nil
            contexts[index].targets = .processes([])
            contexts[index].initRegions = []
            contexts[index].lastStopReason = reason
        }
        results.event(MessageID.stopped, "\(run.contextName): monitoring stopped: \(reason)", context: run.contextName)
        applyLeftoverCommits(run, contextName: run.contextName)
        if !shuttingDown.load(ordering: .acquiring) { _ = saveState() }
        run.finished.signal()
    }
}
