import Logging
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

extension Registry {
    /// Runs on the monitoring thread after the schemes were applied or the watermarks checked:
    /// their statistics and state become what `schemes`, `schemes_stats` and `status` show.
    func publishSchemes(_ run: MonitorRun, _ runs: [SchemeRun], paused: Bool) {
        contexts.withLock { contexts in
            guard let index = contexts.firstIndex(where: { $0.run === run }) else { return }
            contexts[index].publish(runs, paused: paused)
        }
    }

    /// Runs on the monitoring thread at each aggregation and watermark check: applies the
    /// queued commits to the running context, then to the registry's copy, and answers them.
    func applyCommits(_ run: MonitorRun, to context: MonitoringContext) {
        for commit in run.commits.take() {
            if let attributes = commit.attributes {
                do throws(AttributesError) { try context.setAttributes(attributes) } catch {
                    commit.answer(.error(ControlError(.EINVAL, error.description)))
                    continue
                }
                run.sampleIntervalNow.store(attributes.sampleInterval, ordering: .relaxed)
            }
            if let schemes = commit.schemes {
                context.commitSchemes(schemes)
                ProcessAdvice.refuseUnsupported(&context.schemes)
            }
            contexts.withLock { contexts in
                guard let index = contexts.firstIndex(where: { $0.run === run }) else { return }
                if let attributes = commit.attributes { contexts[index].attributes = attributes }
                if let schemes = commit.schemes {
                    contexts[index].schemes = schemes
                    contexts[index].publish(context.schemes, paused: context.pausedByWatermarks)
                }
            }
            _ = saveState()
            let what = [commit.attributes.map { "attrs \(AttrsFormat.render($0).trimmingSpaces())" }, commit.schemes.map { "\($0.count) schemes" }]
                .compactMap { $0 }.joined(separator: " and ")
            results.event(MessageID.schemeState, "\(run.contextName): committed \(what) online", context: run.contextName, level: .info)
            commit.answer(.ok)
        }
    }

    /// As a monitoring thread ends: commits it never took become plain writes to the now
    /// stopped context.
    func applyLeftoverCommits(_ run: MonitorRun, contextName: String) {
        for commit in run.commits.close() {
            contexts.withLock { contexts in
                guard let index = contexts.firstIndex(where: { $0.name == contextName }) else { return }
                if let attributes = commit.attributes { contexts[index].attributes = attributes }
                if let schemes = commit.schemes { contexts[index].schemes = schemes }
            }
            commit.answer(.ok)
        }
    }

    /// A non-root writer may have actions (anything but `stat`) applied only to processes it
    /// could act on itself (the ptrace rule of `authorizeInspection`), and never to physical
    /// memory. Checked when `schemes` or `commit_schemes` is written; `target_ids` written by a
    /// non-root peer holds only its own processes anyway.
    func authorizeSchemes(_ schemes: [Scheme], on targets: TargetSet, by peer: Peer) throws(ControlError) {
        guard !peer.isRoot, let acting = firstActing(schemes) else { return }
        switch targets {
        case .paddr:
            throw ControlError(.EACCES, "uid \(peer.uid) may not have \(acting.action.name) applied to physical memory")
        case .group(let group):
            // Its members are taken in by the ptrace rule of whoever wrote target_ids.
            guard group.owner?.uid == peer.uid else {
                throw ControlError(
                    .EACCES, "uid \(peer.uid) may not have \(acting.action.name) applied to \(group.word): only its writer (or root) may, since its members are the writer's")
            }
        case .processes(let processes):
            for process in processes {
                do throws(ControlError) { try authorizeInspection(of: process, by: peer) } catch {
                    throw ControlError(
                        .EACCES,
                        "uid \(peer.uid) may not have \(acting.action.name) applied to pid \(process.pid): only to processes it could act on itself (its real, effective and saved uids and gids, dumpable); stat schemes are open to all writers")
                }
            }
        }
    }
}

/// The first scheme that does more than count (any action but `stat`).
func firstActing(_ schemes: [Scheme]) -> Scheme? {
    schemes.first { $0.action != .stat }
}

/// Physical memory can only be counted from user space: any other action on a `paddr` context is
/// `ENOTSUP`. Checked at `monitor_on on` and for `commit_schemes` on a running context.
func requireUserSpaceActions(_ schemes: [Scheme], operations: OperationsKind) throws(ControlError) {
    guard operations == .paddr, let acting = firstActing(schemes) else { return }
    throw ControlError(
        .ENOTSUP,
        "paddr schemes can only count (stat); \(acting.action.name) needs the kernel's own reclaim of physical pages, which user space cannot do (use vaddr targets)")
}
