import Dispatch
import FoundationEssentials
import Glibc
import Synchronization
import SystemPackage
import SwamonCore
import SwamonLinux
public import SwamonProtocol

/// How a request is answered: at once, or later by work that may take a while (stopping
/// monitoring waits up to one sampling interval; a change waits for the state file's write) and
/// runs off the event loop. `later`'s work is given the function that delivers the answer.
public enum Reply: Sendable {
    case now(Response)
    case later(@Sendable (_ answer: @escaping @Sendable (Response) -> Void) -> Void)
}

/// A resolved path: a root file, or a file of the context at an index.
enum Resolved {
    case root(RootFile)
    case context(Int, ContextFile)
}

extension Registry {
    /// The answer to a request that needs neither I/O nor a wait and stays small, computed on the
    /// caller's thread (the event loop), so it is not handed to another thread and back — two
    /// wake-ups per request, most of the latency when many clients ask at once. `help` and
    /// `version` always; `status` and reads of the other files only while the registry's lock is
    /// free (a start holds it while it opens targets and writes to the journal, and the event
    /// loop must not wait for that), and not `regions` or `init_regions` (their text grows with
    /// the regions; a non-root reader's `regions` is filtered through /proc) nor
    /// `schemes_tried_regions` (answered after an aggregation). nil when the request must take
    /// the other way.
    public func immediateAnswer(to request: Request, from peer: Peer) -> Response? {
        switch request {
        case .help: return .ok(content: Self.help)
        case .version: return .ok(content: Self.versionText)
        case .status:
            let daemon = daemonStatusLine()
            return contexts.withLockIfAvailable { contexts in .ok(content: daemon + contextStatusLines(contexts)) }
        case .read(let path):
            guard !Self.filesAnsweredOffTheLoop.contains(path.file) else { return nil }
            return contexts.withLockIfAvailable { contexts -> Response in
                do throws(ControlError) { return .ok(content: try fileText(path, in: contexts)) } catch { return .error(error) }
            }
        case .write, .watch, .quit: return nil
        }
    }

    /// Answers one request from `peer`. `watch` and `quit` are the connection's business.
    public func handle(_ request: Request, from peer: Peer) -> Reply {
        do {
            switch request {
            case .read(let path):
                if let reply = try readLater(path, by: peer) { return reply }
                return .now(.ok(content: try read(path, by: peer)))
            case .write(let path, let content): return try write(path, content, from: peer)
            case .help: return .now(.ok(content: Self.help))
            case .version: return .now(.ok(content: Self.versionText))
            case .status: return .now(.ok(content: status()))
            case .watch, .quit: return .now(.ok)
            }
        } catch {
            return .now(.error(error))
        }
    }

    static let versionText = "swamond \(swamonVersion) protocol \(protocolVersion)\n"

    /// Reads `immediateAnswer` leaves to the other way, whatever the lock.
    static let filesAnsweredOffTheLoop = Set([ContextFile.regions, .initRegions, .schemesTriedRegions].map(\.rawValue))

    static let help = """
        read [CONTEXT/]FILE            print a file (as the DAMON debugfs file would)
        write [CONTEXT/]FILE [CONTENT] write a file (as echo CONTENT > FILE would)
        root files: monitor_on mk_contexts rm_contexts
        context files: attrs target_ids init_regions schemes kdamond_pid regions operations access_check
                       sampling schemes_stats schemes_tried_regions commit_attrs commit_schemes state
        status                         contexts, states, backends, targets, regions, samples, drops
        watch [CONTEXT]                stream one line per target per aggregation
        version                        daemon and protocol version
        quit                           close the connection

        """

    func resolve(_ path: ControlPath, in contexts: [ContextState]) throws(ControlError) -> Resolved {
        guard let contextName = path.context, contextName != ContextName.root else {
            if let file = RootFile(rawValue: path.file) { return .root(file) }
            if let file = ContextFile(rawValue: path.file) { return .context(0, file) }
            throw ControlError(.ENOENT, "no file '\(path.file.prefix(64))'; try 'help'")
        }
        guard let index = contexts.firstIndex(where: { $0.name == contextName }) else {
            throw ControlError(.ENOENT, "no context '\(contextName.prefix(64))'; make it with mk_contexts")
        }
        guard let file = ContextFile(rawValue: path.file) else {
            throw ControlError(.ENOENT, "no file '\(path.file.prefix(64))' in context \(contextName)")
        }
        return .context(index, file)
    }

    // MARK: Reads

    func read(_ path: ControlPath, by peer: Peer) throws(ControlError) -> String {
        if !peer.isRoot, case .context(let index, .regions) = try contexts.withLock({ (contexts) throws(ControlError) in try resolve(path, in: contexts) }) {
            return try visibleRegions(of: index, to: peer)
        }
        return try contexts.withLock { (contexts) throws(ControlError) -> String in try fileText(path, in: contexts) }
    }

    /// A file's text as root reads it, from the registry's contexts (the caller holds the lock).
    func fileText(_ path: ControlPath, in contexts: [ContextState]) throws(ControlError) -> String {
        switch try resolve(path, in: contexts) {
        case .root(.monitorOn):
            return MonitorOnFormat.render(running: contexts.contains(where: \.isRunning))
        case .root(let file):
            throw ControlError(.EINVAL, "\(file.rawValue) is write-only")
        case .context(let index, let file):
            let state = contexts[index]
            switch file {
            case .attrs: return AttrsFormat.render(state.attributes)
            case .targetIDs: return state.targets.text
            case .initRegions:
                try state.requireStopped()
                return InitRegionsFormat.render(targetIDs: state.targets.ids, regions: state.initRegions)
            case .schemes: return SchemesFormat.render(state.schemes)
            case .kdamondPID:
                guard let run = state.run else { return "none\n" }
                return "\(run.threadID.load(ordering: .acquiring))\n"
            case .regions: return ResultsFormat.regions(state.snapshots)
            case .operations: return state.operations.rawValue + "\n"
            case .accessCheck: return state.accessCheckShown + "\n"
            case .sampling: return state.samplingShown + "\n"
            case .schemesStats: return SchemesFormat.renderStats(state.schemes.map(\.stats))
            case .commitAttrs, .commitSchemes:
                throw ControlError(.EINVAL, "\(file.rawValue) is write-only; read \(file == .commitAttrs ? "attrs" : "schemes") instead")
            case .state: return MonitorOnFormat.render(running: state.isRunning)
            case .schemesTriedRegions:
                // Reached only when the context is not running (readLater takes the rest).
                throw ControlError(.EINVAL, "context \(state.name) is not on; tried regions exist only while it runs")
            }
        }
    }

    /// `schemes_tried_regions` of a running context: answered by its monitoring thread after
    /// the next aggregation's scheme pass. nil for every other read and for a stopped context.
    /// Tried regions are not filtered by target: a non-root peer must be allowed to inspect
    /// every target (checked outside the registry's lock, as it reads /proc).
    func readLater(_ path: ControlPath, by peer: Peer) throws(ControlError) -> Reply? {
        let found = try contexts.withLock { (contexts) throws(ControlError) -> (name: String, targets: [MonitoredProcess], run: MonitorRun?)? in
            guard case .context(let index, .schemesTriedRegions) = try resolve(path, in: contexts) else { return nil }
            return (contexts[index].name, contexts[index].lastTargets, contexts[index].run)
        }
        guard let found else { return nil }
        guard found.targets.allSatisfy({ mayInspect(Target.ID($0.pid), among: found.targets, by: peer) }) else {
            throw ControlError(.EACCES, "the tried regions of context \(found.name) include processes uid \(peer.uid) may not inspect")
        }
        guard let run = found.run else { return nil }
        return .later { answer in
            if !run.tried.enqueue(answer) {
                answer(.error(ControlError(.EINVAL, "\(run.contextName) stopped before its next aggregation")))
            }
        }
    }

    /// `regions` for a non-root peer: only targets it could inspect itself (ptrace rule), as
    /// `/proc/PID/maps` would show them. Checked outside the registry's lock (it reads /proc).
    func visibleRegions(of index: Int, to peer: Peer) throws(ControlError) -> String {
        let (snapshots, targets) = try contexts.withLock { (contexts) throws(ControlError) in
            guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
            return (contexts[index].snapshots, contexts[index].lastTargets)
        }
        return ResultsFormat.regions(snapshots.filter { mayInspect($0.targetID, among: targets, by: peer) })
    }

    // MARK: Writes

    /// A write from a client: applied, then answered once the state file holds the change (an
    /// answer that says so if it could not be saved; the change stays in effect).
    func write(_ path: ControlPath, _ content: String, from peer: Peer) throws(ControlError) -> Reply {
        try peer.requireWrite()
        let resolved = try contexts.withLock { (contexts) throws(ControlError) in try resolve(path, in: contexts) }
        if case .root(.monitorOn) = resolved, try !MonitorOnFormat.parse(content) {
            guard runningCount > 0 else { throw ControlError(.EPERM, "monitoring is not on") }
            return stopLater(what: "monitoring") { [self] () throws(ControlError) in try stopAll() }
        }
        if case .context(let index, .state) = resolved, try !MonitorOnFormat.parse(content) {
            try contexts.withLock { (contexts) throws(ControlError) in
                guard contexts[index].isRunning else { throw ControlError(.EPERM, "context \(contexts[index].name) is not on") }
            }
            return stopLater(what: "the context") { [self] () throws(ControlError) in try stop(contextAt: index) }
        }
        if case .context(let index, let file) = resolved, file == .commitAttrs || file == .commitSchemes,
            let reply = try commitOnline(index, file, content, from: peer)
        {
            return reply
        }
        try apply(path, content, from: peer)
        guard let saver, let ticket = saveState() else { return .now(.ok) }
        return .later { answer in
            saver.whenSaved(ticket) { failure in
                answer(failure.map { .error(ControlError(.EIO, "the change is in effect but was not saved to the state file, so a restart loses it: \($0)")) } ?? .ok)
            }
        }
    }

    /// `off` to `monitor_on` or to a context's `state`: answered once the threads ended and the
    /// state file says so, so a restart right after the answer does not resume. Runs `stop` off
    /// the event loop (it waits up to a sampling interval).
    func stopLater(what: String, _ stop: @escaping @Sendable () throws(ControlError) -> Void) -> Reply {
        .later { [self] answer in
            DispatchQueue.global().async { [self] in
                do throws(ControlError) { try stop() } catch { return answer(.error(error)) }
                guard let saver, let ticket = saveState() else { return answer(.ok) }
                saver.whenSaved(ticket) { failure in
                    answer(failure.map { .error(ControlError(.EIO, "\(what) stopped, but the state file could not be updated, so a restart would resume it: \($0)")) } ?? .ok)
                }
            }
        }
    }

    /// Applies a write (no state-file save): what client writes and the state file's replay share.
    func apply(_ path: ControlPath, _ content: String, from peer: Peer) throws(ControlError) {
        let resolved = try contexts.withLock { (contexts) throws(ControlError) in try resolve(path, in: contexts) }
        switch resolved {
        case .root(.monitorOn):
            if try MonitorOnFormat.parse(content) {
                try startAll()
            } else {
                try stopAll()
            }
        case .root(.mkContexts):
            try makeContext(ContextName.firstWord(of: content))
        case .root(.rmContexts):
            try removeContext(ContextName.firstWord(of: content))
        case .context(let index, let file):
            try writeContextFile(index, file, content, from: peer)
        }
    }

    func makeContext(_ name: Substring) throws(ControlError) {
        try contexts.withLock { (contexts) throws(ControlError) in
            if contexts.contains(where: \.isRunning) {
                throw ControlError(.EBUSY, "contexts cannot be made while monitoring is on")
            }
            try ContextName.validate(name)
            guard contexts.count < configuration.maxContexts else {
                throw ControlError(.ENOSPC, "there are \(contexts.count) contexts, the most swamond keeps (max_contexts)")
            }
            guard !contexts.contains(where: { $0.name == name }) else {
                throw ControlError(.EEXIST, "context \(name) exists already")
            }
            let defaults = settings.withLock { ($0.defaultAttributes, $0.accessCheck, $0.sampling) }
            contexts.append(ContextState(name: String(name), attributes: defaults.0, accessCheck: defaults.1, sampling: defaults.2))
        }
    }

    func removeContext(_ name: Substring) throws(ControlError) {
        try contexts.withLock { (contexts) throws(ControlError) in
            if contexts.contains(where: \.isRunning) {
                throw ControlError(.EBUSY, "contexts cannot be removed while monitoring is on")
            }
            if name == ContextName.root || RootFile(rawValue: String(name)) != nil || ContextFile(rawValue: String(name)) != nil {
                throw ControlError(.EINVAL, "'\(name)' is a file or the root context; only contexts made by mk_contexts can be removed")
            }
            guard let index = contexts.firstIndex(where: { $0.name == name }) else {
                throw ControlError(.ENOENT, "no context '\(name.prefix(64))'")
            }
            contexts.remove(at: index)
        }
    }

    func writeContextFile(_ index: Int, _ file: ContextFile, _ content: String, from peer: Peer) throws(ControlError) {
        switch file {
        case .attrs, .commitAttrs:
            let attributes = try AttrsFormat.parse(content)
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                do throws(AttributesError) { try attributes.validate() } catch {
                    throw ControlError(.EINVAL, error.description)
                }
                state.attributes = attributes
            }
        case .targetIDs:
            let targets = try makeTargets(TargetIDsFormat.parse(content), for: peer)
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                state.targets = targets
                state.initRegions = []
                if case .paddr = targets { state.operations = .paddr } else if state.operations == .paddr { state.operations = .vaddr }
            }
        case .initRegions:
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                if case .group(let group) = state.targets {
                    throw ControlError(.EINVAL, "init_regions needs process ids in target_ids; \(group.word) follows its processes as they come and go")
                }
                state.initRegions = []
                state.initRegions = try InitRegionsFormat.parse(content, targetIDs: state.targets.ids)
            }
        case .schemes, .commitSchemes:
            let schemes = try SchemesFormat.parse(content)
            let targets = try contexts.withLock { (contexts) throws(ControlError) in
                guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
                return contexts[index].targets
            }
            try authorizeSchemes(schemes, on: targets, by: peer)
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                state.schemes = schemes
            }
        case .operations:
            guard let kind = OperationsKind(rawValue: String(content.trimmingSpaces())) else {
                throw ControlError(.EINVAL, "operations must be vaddr, fvaddr or paddr")
            }
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                state.operations = kind
            }
        case .accessCheck:
            guard let setting = AccessCheckSetting(rawValue: String(content.trimmingSpaces())) else {
                throw ControlError(.EINVAL, "access_check must be auto, page_idle, soft_dirty or referenced")
            }
            try update(index) { (state) throws(ControlError) in try state.requireStopped() }
            if case .backend(let kind) = setting, let reason = AccessCheckProbe.unavailability(of: kind) {
                throw ControlError(.ENOTSUP, "access check \(kind.rawValue) cannot run here: \(reason)")
            }
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                state.accessCheck = setting
            }
        case .sampling:
            guard let setting = SamplingSetting(rawValue: String(content.trimmingSpaces())) else {
                throw ControlError(.EINVAL, SamplingSetting.choices)
            }
            try update(index) { (state) throws(ControlError) in
                try state.requireStopped()
                state.sampling = setting
            }
        case .state:
            let name = try contexts.withLock { (contexts) throws(ControlError) in
                guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
                return contexts[index].name
            }
            if try MonitorOnFormat.parse(content) { try start(named: [name]) } else { try stop(contextAt: index) }
        case .kdamondPID, .regions, .schemesStats, .schemesTriedRegions:
            throw ControlError(.EINVAL, "\(file.rawValue) is read-only")
        }
    }

    /// Applies `change` to the context at `index` under the lock; an error changes nothing
    /// unless `change` already did (init_regions drops its regions first, like the kernel).
    func update(_ index: Int, _ change: (inout ContextState) throws(ControlError) -> Void) throws(ControlError) {
        try contexts.withLock { (contexts) throws(ControlError) in
            guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
            try change(&contexts[index])
        }
    }

    /// Turns `target_ids` input into targets held by pidfd. Every pid must exist (else `EINVAL`
    /// and nothing changes); a pid given twice is one target; at most `max_targets`. A non-root
    /// writer may only name processes the kernel would let it inspect, and not paddr.
    func makeTargets(_ input: TargetIDsFormat.Input, for peer: Peer) throws(ControlError) -> TargetSet {
        switch input {
        case .paddr:
            guard peer.isRoot else { throw ControlError(.EACCES, "only root may monitor the physical address space") }
            return .paddr
        case .unit, .cgroup:
            return try makeGroupTarget(input, for: peer)
        case .pids(let given):
            var seen = Set<Int64>()
            let pids = given.filter { seen.insert($0).inserted }
            guard pids.count <= configuration.maxTargets else {
                throw ControlError(
                    .E2BIG, "\(pids.count) targets; a context monitors at most \(configuration.maxTargets) processes (max_targets)")
            }
            var processes: [MonitoredProcess] = []
            for pid in pids {
                guard pid > 0, pid <= Int64(Int32.max) else { throw ControlError(.EINVAL, "no process with pid \(pid)") }
                let process: MonitoredProcess
                do { process = try MonitoredProcess(pid: Int32(pid)) } catch {
                    switch error {
                    case .noSuchProcess, .invalidArgument: throw ControlError(.EINVAL, "no process with pid \(pid)")
                    case .tooManyOpenFiles, .tooManyOpenFilesInSystem:
                        throw ControlError(.EMFILE, "swamond is out of file descriptors and cannot hold pid \(pid); try again later")
                    default: throw ControlError(.EINVAL, "cannot hold pid \(pid): \(error)")
                    }
                }
                try authorizeInspection(of: process, by: peer)
                processes.append(process)
            }
            return .processes(processes)
        }
    }

    /// The kernel's ptrace rule for a non-root peer (`PTRACE_MODE_READ_FSCREDS`): it may name or
    /// see only processes whose uids and gids are all its own and that are dumpable.
    func authorizeInspection(of process: MonitoredProcess, by peer: Peer) throws(ControlError) {
        guard !peer.isRoot else { return }
        guard let credentials = process.credentials else { throw ControlError(.EINVAL, "no process with pid \(process.pid)") }
        guard credentials.mayBeInspected(byUID: peer.uid, gid: peer.gid) else {
            throw ControlError(
                .EACCES,
                "uid \(peer.uid) may not inspect pid \(process.pid): as for ptrace, its real, effective and saved uids and gids must all be the caller's and it must be dumpable")
        }
    }

    /// `commit_attrs` / `commit_schemes` on a running context: validated now, applied by its
    /// monitoring thread at the next aggregation, answered then. nil when the context is stopped
    /// (then the write is the same as writing `attrs` / `schemes`).
    func commitOnline(_ index: Int, _ file: ContextFile, _ content: String, from peer: Peer) throws(ControlError) -> Reply? {
        var commit: (attributes: Attributes?, schemes: [Scheme]?) = (nil, nil)
        if file == .commitAttrs {
            let attributes = try AttrsFormat.parse(content)
            do throws(AttributesError) { try attributes.validate() } catch { throw ControlError(.EINVAL, error.description) }
            commit.attributes = attributes
        } else {
            commit.schemes = try SchemesFormat.parse(content)
        }
        let found = try contexts.withLock { (contexts) throws(ControlError) -> (MonitorRun, TargetSet, OperationsKind)? in
            guard contexts.indices.contains(index) else { throw ControlError(.ENOENT, "the context was removed") }
            guard let run = contexts[index].run else { return nil }
            return (run, contexts[index].targets, contexts[index].operations)
        }
        guard let (run, targets, operations) = found else { return nil }
        if let schemes = commit.schemes {
            try authorizeSchemes(schemes, on: targets, by: peer)
            try requireUserSpaceActions(schemes, operations: operations)
        }
        let (attributes, schemes) = (commit.attributes, commit.schemes)
        return .later { [self] answer in
            if !run.commits.enqueue(PendingCommit(attributes: attributes, schemes: schemes, answer: answer)) {
                // The thread ended meanwhile: a plain write to the stopped context.
                do throws(ControlError) {
                    try writeContextFile(index, file, content, from: peer)
                    _ = saveState()
                    answer(.ok)
                } catch {
                    answer(.error(error))
                }
            }
        }
    }

    // MARK: Status

    /// `status`: a `daemon` line, then one `context` line per context, as `key=value` words.
    func status() -> String {
        daemonStatusLine() + contexts.withLock { contexts in contextStatusLines(contexts) }
    }

    /// `status`'s first line: the daemon itself.
    func daemonStatusLine() -> String {
        let watch = watchers.counts
        let uptime = Int(Date().timeIntervalSince(startedAt))
        var text = "daemon version=\(swamonVersion) protocol=\(protocolVersion) pid=\(getpid()) uptime_s=\(uptime)"
        text += " watchers=\(watch.subscribers) watch_drops=\(watch.drops)"
        text += " state_file=\(saver == nil ? "none" : saver?.lastFailure == nil ? "saved" : "failed")\n"
        return text
    }

    /// `status`'s line per context (the caller holds the registry's lock).
    func contextStatusLines(_ contexts: [ContextState]) -> String {
        var text = ""
        for state in contexts {
            let held = state.isRunning ? state.lastTargets.map { Target.ID($0.pid) } : state.targets.ids
            let targets = (state.operations == .paddr ? state.targets.ids : held).map(String.init).joined(separator: ",")
            let regions = state.snapshots.reduce(0) { $0 + $1.regions.count }
            text += "context=\(state.name) state=\(state.isRunning ? "on" : "off") operations=\(state.operations.rawValue)"
            text += " access_check=\(state.accessCheckShown) sampling=\(state.samplingShown) targets=\(targets.isEmpty ? "-" : targets) regions=\(regions)"
            if case .group(let group) = state.targets { text += " unit=\(group.unitName)" }
            text += " samples=\(state.samples) aggregations=\(state.aggregations)"
            text += " sample_interval_us=\(state.attributes.sampleInterval) sample_period_us=\(state.samplePeriod / 1000)"
            text += " overruns=\(state.overruns)"
            if !state.schemes.isEmpty {
                let active = state.isRunning ? state.schemeRuns.filter(\.isActive).count : state.schemes.count
                text += " schemes=\(state.schemes.count) schemes_active=\(active)"
                text += " schemes_applied_bytes=\(state.schemes.reduce(0) { $0 &+ $1.stats.appliedBytes })"
                text += " schemes_apply_us=\(state.schemeRuns.reduce(0) { $0 &+ $1.totalChargedNanoseconds } / 1000)"
                let refused = state.schemeRuns.enumerated().compactMap { index, run in
                    run.refusal.map { "\(index):\(errnoName($0.errno))" }
                }
                text += " schemes_refused=\(refused.isEmpty ? "-" : refused.joined(separator: ","))"
                text += " paused=\(state.pausedByWatermarks && state.isRunning ? "watermarks" : "no")"
            }
            text += " last_stop=\(state.lastStopReason.map { String($0.map { $0 == " " ? "_" : $0 }) } ?? "-")\n"
        }
        return text
    }
}

/// The symbolic name of the errnos a scheme can be refused with (the number otherwise).
func errnoName(_ code: Int32) -> String {
    switch code {
    case EPERM: "EPERM"
    case EACCES: "EACCES"
    case EINVAL: "EINVAL"
    case ENOSYS: "ENOSYS"
    default: "\(code)"
    }
}
