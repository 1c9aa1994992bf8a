import SwamonCore
import SwamonLinux
import SwamonProtocol

/// The targets of a context as `target_ids` set them.
enum TargetSet {
    case processes([MonitoredProcess])
    /// The physical address space: one target, id 42.
    case paddr
    /// A unit's or control group's processes, followed while monitoring runs.
    case group(GroupTarget)

    var ids: [Target.ID] {
        switch self {
        case .processes(let processes): processes.map { Target.ID($0.pid) }
        case .paddr: [TargetIDsFormat.paddrTargetID]
        case .group(let group): group.processes.map { Target.ID($0.pid) }
        }
    }

    /// What `target_ids` reads back as.
    var text: String {
        if case .group(let group) = self { return group.word + "\n" }
        return TargetIDsFormat.render(ids)
    }

    /// No targets written (a unit that has no processes at the moment still counts as written).
    var isEmpty: Bool {
        if case .group = self { return false }
        return ids.isEmpty
    }
}

/// One context's configuration and what its monitoring last reported. Lives in the registry,
/// behind its lock; the monitoring thread works on its own copy of the configuration.
struct ContextState {
    let name: String
    var attributes: Attributes
    var operations: OperationsKind = .vaddr
    var accessCheck: AccessCheckSetting
    var sampling: SamplingSetting
    var targets: TargetSet = .processes([])
    /// Per target, in target order (`init_regions`).
    var initRegions: [[AddressRange]] = []
    var schemes: [Scheme] = []

    /// Set from `monitor_on on` until the monitoring thread has ended.
    var run: MonitorRun?
    /// The backend the running (or last) monitoring uses.
    var backendInUse: AccessCheckKind?
    /// The strategy the running (or last) monitoring uses.
    var samplingInUse: SamplingStrategy?
    /// The last aggregation's regions, one per target; kept after monitoring ends until the next start.
    var snapshots: [AggregationSnapshot] = []
    /// The processes `snapshots` are about (kept with them after monitoring ends, so that who may
    /// see them can still be decided).
    var lastTargets: [MonitoredProcess] = []
    var samples: UInt64 = 0
    var aggregations: UInt64 = 0
    /// Measured time per sample over the last aggregation, ns.
    var samplePeriod: UInt64 = 0
    /// Samples whose work took longer than the sampling interval, since the last start.
    var overruns: UInt64 = 0
    var lastStopReason: String?
    /// The running schemes' state as the monitoring thread last published it (activation,
    /// refusals); their statistics are also copied into `schemes`. Reset by `monitor_on on`.
    var schemeRuns: [SchemeRun] = []
    /// Whether monitoring waits because watermarks deactivated every scheme.
    var pausedByWatermarks = false
    /// Counters since the daemon started, across runs: what the metrics' `_total` series report.
    var totals = MetricTotals()
    /// Process name and systemd unit of each target, read once per target by the monitoring thread.
    var targetLabels: [Target.ID: ProcessLabels] = [:]

    init(name: String, attributes: Attributes, accessCheck: AccessCheckSetting, sampling: SamplingSetting) {
        self.name = name
        self.attributes = attributes
        self.accessCheck = accessCheck
        self.sampling = sampling
    }

    var isRunning: Bool { run != nil }

    /// What `access_check` and `status` show: the backend in use while running, else the setting.
    var accessCheckShown: String {
        if isRunning, let backend = backendInUse { return backend.rawValue }
        return accessCheck.rawValue
    }

    /// What `sampling` and `status` show: the strategy in use while running, else the setting.
    var samplingShown: String {
        if isRunning, let strategy = samplingInUse { return strategy.name }
        return sampling.rawValue
    }

    /// Writing any configuration file of a running context fails like debugfs does.
    /// Takes the running schemes' state as the monitoring thread reports it: activation and
    /// refusals in `schemeRuns`, statistics copied into `schemes`.
    mutating func publish(_ runs: [SchemeRun], paused: Bool) {
        schemeRuns = runs
        pausedByWatermarks = paused
        for (index, run) in runs.enumerated() where index < schemes.count {
            totals.addSchemeStats(index: index, from: schemes[index].stats, to: run.stats)
            schemes[index].stats = run.stats
        }
    }

    func requireStopped() throws(ControlError) {
        if isRunning {
            throw ControlError(.EBUSY, "context \(name) is monitoring; write 'off' to monitor_on first")
        }
    }
}

/// Counters that only grow while the daemon lives; each run's own counters restart at `on`, so
/// these add what a run's counter gained since it was last seen (all of it after a restart).
struct MetricTotals {
    var samples: UInt64 = 0
    var aggregations: UInt64 = 0
    var overruns: UInt64 = 0
    /// Per scheme index: bytes tried, bytes applied, quota windows exceeded.
    var schemes: [Int: (tried: UInt64, applied: UInt64, quotaExceeds: UInt64)] = [:]

    /// What a counter that was `old` and is now `new` gained (a counter that went down restarted).
    static func gain(_ old: UInt64, _ new: UInt64) -> UInt64 { new >= old ? new - old : new }

    mutating func addRun(samples: (UInt64, UInt64), aggregations: (UInt64, UInt64), overruns: (UInt64, UInt64)) {
        self.samples &+= Self.gain(samples.0, samples.1)
        self.aggregations &+= Self.gain(aggregations.0, aggregations.1)
        self.overruns &+= Self.gain(overruns.0, overruns.1)
    }

    mutating func addSchemeStats(index: Int, from old: Scheme.Stats, to new: Scheme.Stats) {
        var entry = schemes[index] ?? (0, 0, 0)
        entry.tried &+= Self.gain(old.triedBytes, new.triedBytes)
        entry.applied &+= Self.gain(old.appliedBytes, new.appliedBytes)
        entry.quotaExceeds &+= Self.gain(old.quotaExceeds, new.quotaExceeds)
        schemes[index] = entry
    }
}
