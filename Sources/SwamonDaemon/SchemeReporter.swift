import Logging
import SwamonProtocol
import SystemPackage
import SwamonCore
import SwamonLinux

/// Reports what a running context's schemes do: publishes their statistics and state to the
/// registry and writes the journal entries (one per aggregation in which a scheme applied
/// anything; once per run for each scheme that cannot act, and each time the watermarks pause or
/// resume monitoring). Lives on the monitoring thread; made when monitoring starts.
final class SchemeReporter {
    let contextName: String
    let registry: Registry
    let run: MonitorRun
    private var lastStats: [Scheme.Stats] = []
    private var refusalsSaid: Set<Int> = []
    private var wasPaused = false

    init(contextName: String, registry: Registry, run: MonitorRun) {
        self.contextName = contextName
        self.registry = registry
        self.run = run
    }

    /// At the start: says once what cannot act (refused advice, hugepage/nohugepage).
    func announce(_ context: MonitoringContext) {
        lastStats = context.schemes.map(\.stats)
        for (index, scheme) in context.schemes.enumerated() {
            switch scheme.scheme.action {
            case .hugepage, .nohugepage:
                say(index, scheme, "is tried but never applied: process_madvise(2) does not take MADV_\(scheme.scheme.action.name.uppercased()) for another process; use collapse (6, MADV_COLLAPSE) for huge pages", level: .warning)
            default:
                break
            }
            sayRefusal(index, scheme)
        }
        published(context)
    }

    /// After the schemes were applied at an aggregation.
    func afterSchemes(_ context: MonitoringContext) {
        for (index, scheme) in context.schemes.enumerated() {
            let before = index < lastStats.count ? lastStats[index] : Scheme.Stats()
            let applied = scheme.stats.appliedBytes &- before.appliedBytes
            if applied > 0 {
                registry.results.event(
                    MessageID.schemeApplied,
                    "\(contextName): scheme \(index) (\(scheme.scheme.action.name)) applied to \(humanBytes(applied)) in \(scheme.stats.appliedCount &- before.appliedCount) regions (tried \(humanBytes(scheme.stats.triedBytes &- before.triedBytes)))",
                    context: contextName, level: .info,
                    [
                        "SWAMON_SCHEME": "\(index)", "SWAMON_ACTION": "\(scheme.scheme.action.name)",
                        "SWAMON_NR_TRIED": "\(scheme.stats.triedCount &- before.triedCount)",
                        "SWAMON_SZ_TRIED": "\(scheme.stats.triedBytes &- before.triedBytes)",
                        "SWAMON_NR_APPLIED": "\(scheme.stats.appliedCount &- before.appliedCount)",
                        "SWAMON_SZ_APPLIED": "\(applied)",
                        "SWAMON_QT_EXCEEDS": "\(scheme.stats.quotaExceeds)",
                    ])
            }
            sayRefusal(index, scheme)
        }
        lastStats = context.schemes.map(\.stats)
        published(context)
    }

    /// Publishes the schemes' state; journals a change of the watermark pause.
    func published(_ context: MonitoringContext) {
        if context.pausedByWatermarks != wasPaused {
            wasPaused = context.pausedByWatermarks
            let rate = context.schemes.compactMap(\.lastMetric).first.map { "free memory \($0)‰" } ?? "free memory unknown"
            registry.results.event(
                MessageID.schemeState,
                wasPaused
                    ? "\(contextName): monitoring paused: the watermarks deactivated every scheme (\(rate))"
                    : "\(contextName): monitoring resumed: a scheme's watermarks activated it (\(rate))",
                context: contextName, level: .info)
        }
        registry.publishSchemes(run, context.schemes, paused: context.pausedByWatermarks)
    }

    private func sayRefusal(_ index: Int, _ scheme: SchemeRun) {
        guard let refusal = scheme.refusal, !refusalsSaid.contains(index) else { return }
        refusalsSaid.insert(index)
        say(index, scheme, "is inactive: \(refusal.reason) (\(Errno(rawValue: refusal.errno)))", level: .warning)
    }

    private func say(_ index: Int, _ scheme: SchemeRun, _ text: String, level: Logger.Level) {
        registry.results.event(
            MessageID.schemeState, "\(contextName): scheme \(index) (\(scheme.scheme.action.name)) \(text)", context: contextName,
            level: level, ["SWAMON_SCHEME": "\(index)", "SWAMON_ACTION": "\(scheme.scheme.action.name)"])
    }
}
