import Dispatch
import FoundationEssentials
import Glibc
import Logging
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

/// The state file keeps what a restart should not lose, as lines replayed at startup: the
/// configuration — contexts, attrs, operations, access checks, schemes — as the protocol's own
/// write requests, then what was being monitored as `resume` lines only swamond reads: each
/// context's processes (pid with start time and boot id, so that a reused pid is never
/// adopted), its init regions, and whether monitoring was on. A clean stop (SIGTERM) leaves the
/// monitoring state as it was, so `systemctl restart` resumes too.
extension Registry {
    static let resumeTargets = "resume target_ids"
    static let resumeMonitoring = "resume monitor_on on"
    /// One context that was on while others were off (a context's own `state on`).
    static let resumeContext = "resume state"

    /// The lines that rebuild the current configuration and monitoring, in order.
    func stateLines() -> [String] {
        let boot = Boot.id
        return contexts.withLock { contexts in
            var lines: [String] = []
            var running: [String] = []
            for state in contexts {
                let context = state.name == ContextName.root ? nil : state.name
                if let context { lines.append(Request.write(ControlPath(file: RootFile.mkContexts.rawValue), content: context).line) }
                func write(_ file: ContextFile, _ content: String) {
                    lines.append(Request.write(ControlPath(context: context, file: file.rawValue), content: content).line)
                }
                write(.attrs, AttrsFormat.render(state.attributes).trimmingSpaces().description)
                if state.operations != .paddr { write(.operations, state.operations.rawValue) }
                write(.accessCheck, state.accessCheck.rawValue)
                if state.sampling != .auto { write(.sampling, state.sampling.rawValue) }
                if !state.schemes.isEmpty { write(.schemes, SchemesFormat.inputs(ofReadBack: SchemesFormat.render(state.schemes))) }
                switch state.targets {
                case .paddr:
                    write(.targetIDs, "paddr")
                case .group(let group):
                    // Resolved again at startup (as root: the writer's uid is not kept).
                    write(.targetIDs, group.word)
                case .processes(let processes) where !processes.isEmpty:
                    let held = processes.map { "\($0.pid)@\($0.startTime)" }.joined(separator: " ")
                    lines.append("\(Self.resumeTargets) \(state.name) \(boot) \(held)")
                default:
                    break
                }
                if !state.initRegions.isEmpty {
                    let text = InitRegionsFormat.render(targetIDs: state.targets.ids, regions: state.initRegions)
                    write(.initRegions, text.split(separator: "\n").joined(separator: " "))
                }
                if state.isRunning { running.append(state.name) }
            }
            if !running.isEmpty && running.count == contexts.count {
                lines.append(Self.resumeMonitoring)
            } else {
                lines += running.map { "\(Self.resumeContext) \($0)" }
            }
            return lines
        }
    }

    /// The state file's text: a comment, then the lines that rebuild the configuration.
    func stateText() -> String {
        "# swamond state: replayed at startup. Written by swamond; edits are overwritten.\n"
            + stateLines().joined(separator: "\n") + "\n"
    }

    /// Asks for the state file to be rewritten after a configuration change; nil when there is
    /// no state file. The write happens on the saver's thread (`StateSaver`).
    func saveState() -> UInt64? {
        saver?.request()
    }

    /// At startup, after `restoreState`: writes the state file once on this thread (so a file
    /// that cannot be written stops the daemon before it serves anyone), then starts the saver.
    public func startSaving() throws(StartupError) {
        guard let saver else { return }
        if let failure = saver.saveNow(stateText) {
            throw StartupError("state_file \(configuration.stateFile) cannot be written: \(failure)")
        }
        saver.start { [self] in stateText() }
    }

    /// Replays the state file, if there is one; a line that fails is logged and skipped.
    /// Processes are re-attached only if the same process still runs (same boot, same start
    /// time); monitoring resumes if it was on and every context still has targets. What was
    /// resumed and what was gone is said in the journal.
    public func restoreState() {
        guard !configuration.stateFile.isEmpty,
            let text = try? String(contentsOfFile: configuration.stateFile, encoding: .utf8)
        else { return }
        var restored = 0
        var resume: Set<String>? = []
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            do throws(ControlError) {
                if line == Self.resumeMonitoring {
                    resume = nil
                } else if line.hasPrefix(Self.resumeContext + " ") {
                    resume?.insert(String(line.dropFirst(Self.resumeContext.count + 1)))
                } else if line.hasPrefix(Self.resumeTargets + " ") {
                    try resumeTargets(line.dropFirst(Self.resumeTargets.count + 1))
                } else {
                    guard case .write(let path, let content) = try Request(parsing: line) else {
                        throw ControlError(.EINVAL, "not a configuration request")
                    }
                    try apply(path, content, from: .daemon)
                }
                restored += 1
            } catch {
                results.logger.warning("state file \(configuration.stateFile): '\(line.prefix(200))' failed: \(error)")
            }
        }
        results.logger.info("restored \(restored) settings from \(configuration.stateFile)")
        if resume?.isEmpty ?? false { return }
        do throws(ControlError) {
            try start(named: resume)
            results.event(MessageID.resumed, "monitoring resumed after a restart: \(statusSummary())", context: ContextName.root)
        } catch {
            results.event(
                MessageID.resumed, "monitoring was on before the restart but cannot resume: \(error.message)", context: ContextName.root,
                level: .warning)
        }
    }

    /// `CONTEXT BOOT_ID PID@START …`: holds again every process that is still the same one.
    private func resumeTargets(_ text: Substring) throws(ControlError) {
        let words = text.split(separator: " ")
        guard words.count >= 3 else { throw ControlError(.EINVAL, "expected CONTEXT BOOT_ID PID@START…") }
        let context = String(words[0])
        let sameBoot = words[1] == Boot.id
        var kept: [String] = []
        var gone: [String] = []
        for held in words.dropFirst(2) {
            let parts = held.split(separator: "@")
            guard parts.count == 2, let pid = Int32(parts[0]), pid > 0, let start = UInt64(parts[1]) else {
                throw ControlError(.EINVAL, "'\(held.prefix(40))' is not PID@START")
            }
            if sameBoot, let process = try? MonitoredProcess(pid: pid), process.startTime == start {
                kept.append(String(pid))
            } else {
                gone.append(String(pid))
            }
        }
        let path = ControlPath(context: context == ContextName.root ? nil : context, file: ContextFile.targetIDs.rawValue)
        if !kept.isEmpty { try apply(path, kept.joined(separator: " "), from: .daemon) }
        results.event(
            MessageID.resumed,
            "\(context): after the restart, \(kept.isEmpty ? "no target is left" : "monitoring again pid \(kept.joined(separator: " "))")\(gone.isEmpty ? "" : "; gone: pid \(gone.joined(separator: " "))")",
            context: context, level: gone.isEmpty ? .notice : .warning,
            ["SWAMON_RESUMED": "\(kept.joined(separator: " "))", "SWAMON_GONE": "\(gone.joined(separator: " "))"])
    }
}
