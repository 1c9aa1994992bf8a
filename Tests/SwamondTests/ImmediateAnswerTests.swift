@testable import SwamonDaemon
import Dispatch
import Foundation
import Logging
import SwamonProtocol
import Synchronization
import Testing

/// Which requests the event loop answers itself (`Registry.immediateAnswer`): the same answer
/// `handle` gives, and none when it would have to wait for the registry's lock or read /proc.
@Suite("answers on the event loop")
struct ImmediateAnswerTests {
    let registry = Registry(
        configuration: Configuration(socketPath: "/nonexistent/swamond.sock"),
        results: ResultsLog(logger: Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })))
    let reader = Peer.authorize(pid: 1, uid: 1001, gid: 1001, groups: [], controlGroup: 4242)

    func handled(_ request: Request, from peer: Peer) -> Response? {
        guard case .now(let response) = registry.handle(request, from: peer) else { return nil }
        return response
    }

    @Test func readsAnswerAsHandleDoes() throws {
        #expect(handled(.write(ControlPath(context: nil, file: "mk_contexts"), content: "second"), from: .daemon) == .ok)
        #expect(handled(.write(ControlPath(context: "second", file: "attrs"), content: "1 2 3 4 5"), from: .daemon) == .ok)
        var answered = 0
        for peer in [Peer.daemon, reader] {
            for context in [nil, "second", "missing"] as [String?] {
                for file in ContextFile.allCases.map(\.rawValue) + RootFile.allCases.map(\.rawValue) + ["nonsense"] {
                    let request = Request.read(ControlPath(context: context, file: file))
                    guard let immediate = registry.immediateAnswer(to: request, from: peer) else { continue }
                    #expect(immediate == handled(request, from: peer), "\(request)")
                    answered += 1
                }
            }
        }
        // Every file but regions, init_regions and schemes_tried_regions, for both peers and all
        // three contexts.
        #expect(answered == 2 * 3 * (ContextFile.allCases.count - 3 + RootFile.allCases.count + 1))
        #expect(registry.immediateAnswer(to: .read(ControlPath(context: "second", file: "attrs")), from: .daemon) == .ok(content: "1 2 3 4 5\n"))
        #expect(registry.immediateAnswer(to: .version, from: reader) == handled(.version, from: reader))
        #expect(registry.immediateAnswer(to: .help, from: reader) == handled(.help, from: reader))
        guard case .ok(let status) = registry.immediateAnswer(to: .status, from: reader) else {
            Issue.record("status was not answered at once")
            return
        }
        #expect(status.split(separator: "\n").map { $0.split(separator: " ")[0] } == ["daemon", "context=root", "context=second"])
    }

    @Test func regionsTriedRegionsAndWritesTakeTheOtherWay() {
        for file in ["regions", "init_regions", "schemes_tried_regions"] {
            #expect(registry.immediateAnswer(to: .read(ControlPath(context: nil, file: file)), from: .daemon) == nil)
        }
        #expect(registry.immediateAnswer(to: .write(ControlPath(context: nil, file: "attrs"), content: "1 2 3 4 5"), from: .daemon) == nil)
        #expect(registry.immediateAnswer(to: .watch(context: nil), from: .daemon) == nil)
        #expect(registry.immediateAnswer(to: .quit, from: .daemon) == nil)
        #expect(handled(.read(ControlPath(context: nil, file: "attrs")), from: .daemon) == .ok(content: "5000 100000 60000000 10 1000\n"))
    }

    /// A start holds the lock while it opens targets and writes to the journal: the event loop
    /// must not wait for it, so `status` and reads go the other way meanwhile; version and
    /// help need no lock. The lock is held by another thread, which lets go once asked or after
    /// two seconds (so an answer that waited for it comes late, instead of never).
    @Test func noAnswerWhileTheLockIsHeld() {
        let held = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        let released = DispatchSemaphore(value: 0)
        let registry = self.registry
        Thread.detachNewThread {
            registry.contexts.withLock { _ in
                held.signal()
                _ = release.wait(timeout: .now() + 2)
            }
            released.signal()
        }
        held.wait()
        #expect(registry.immediateAnswer(to: .status, from: .daemon) == nil)
        #expect(registry.immediateAnswer(to: .read(ControlPath(context: nil, file: "attrs")), from: .daemon) == nil)
        #expect(registry.immediateAnswer(to: .version, from: .daemon) != nil)
        release.signal()
        released.wait()
        #expect(registry.immediateAnswer(to: .read(ControlPath(context: nil, file: "attrs")), from: .daemon) != nil)
    }
}
