import Foundation
import Logging
import Synchronization
import SwamonCore
import SwamonLinux
import SwamonProtocol

/// The state file keeps what a restart should not lose — contexts, attrs, operations, access
/// checks and schemes — as the protocol's own write requests, replayed at startup. Targets and
/// init regions name processes of this boot only and are not kept.
extension Registry {
    /// The requests that rebuild the current configuration, in order.
    func configurationRequests() -> [Request] {
        contexts.withLock { contexts in
            var requests: [Request] = []
            for state in contexts {
                let context = state.name == ContextName.root ? nil : state.name
                if let context { requests.append(.write(ControlPath(file: RootFile.mkContexts.rawValue), content: context)) }
                func write(_ file: ContextFile, _ content: String) {
                    requests.append(.write(ControlPath(context: context, file: file.rawValue), content: content))
                }
                write(.attrs, AttrsFormat.render(state.attributes).trimmingSpaces().description)
                if state.operations != .paddr { write(.operations, state.operations.rawValue) }
                write(.accessCheck, state.accessCheck.rawValue)
                if !state.schemes.isEmpty {
                    write(.schemes, SchemesFormat.render(state.schemes).split(separator: "\n").map { line in
                        // Inputs only: the read-back appends two statistics per record.
                        line.split(separator: " ").prefix(18).joined(separator: " ")
                    }.joined(separator: " "))
                }
            }
            return requests
        }
    }

    /// Rewrites the state file (atomically) after a configuration change; runs on the thread
    /// that made the change. Failures are logged, never fatal.
    func saveState() {
        guard !configuration.stateFile.isEmpty else { return }
        let text = "# swamond state: replayed at startup. Written by swamond; edits are overwritten.\n"
            + configurationRequests().map(\.line).joined(separator: "\n") + "\n"
        do {
            try text.write(toFile: configuration.stateFile, atomically: true, encoding: .utf8)
        } catch {
            results.logger.warning("cannot write the state file \(configuration.stateFile): \(error)")
        }
    }

    /// Replays the state file, if there is one; a line that fails is logged and skipped.
    public func restoreState() {
        guard !configuration.stateFile.isEmpty,
            let text = try? String(contentsOfFile: configuration.stateFile, encoding: .utf8)
        else { return }
        var restored = 0
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            let response: Response
            do {
                if case .now(let answer) = handle(try Request(parsing: line), from: .daemon) {
                    response = answer
                } else {
                    response = .error(ControlError(.EINVAL, "not a configuration request"))
                }
            } catch {
                response = .error(error)
            }
            if case .error(let error) = response {
                results.logger.warning("state file \(configuration.stateFile): '\(line)' failed: \(error)")
            } else {
                restored += 1
            }
        }
        results.logger.info("restored \(restored) settings from \(configuration.stateFile)")
    }
}
