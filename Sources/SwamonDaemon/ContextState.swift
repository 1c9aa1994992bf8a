import SwamonCore
import SwamonLinux
import SwamonProtocol

/// The targets of a context as `target_ids` set them.
enum TargetSet {
    case processes([MonitoredProcess])
    /// The physical address space: one target, id 42.
    case paddr

    var ids: [Target.ID] {
        switch self {
        case .processes(let processes): processes.map { Target.ID($0.pid) }
        case .paddr: [TargetIDsFormat.paddrTargetID]
        }
    }

    var isEmpty: Bool { ids.isEmpty }
}

/// One context's configuration and what its monitoring last reported. Lives in the registry,
/// behind its lock; the monitoring thread works on its own copy of the configuration.
struct ContextState {
    let name: String
    var attributes: Attributes
    var operations: OperationsKind = .vaddr
    var accessCheck: AccessCheckSetting
    var targets: TargetSet = .processes([])
    /// Per target, in target order (`init_regions`).
    var initRegions: [[AddressRange]] = []
    var schemes: [Scheme] = []

    /// Set from `monitor_on on` until the monitoring thread has ended.
    var run: MonitorRun?
    /// The backend the running (or last) monitoring uses.
    var backendInUse: AccessCheckKind?
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

    init(name: String, attributes: Attributes, accessCheck: AccessCheckSetting) {
        self.name = name
        self.attributes = attributes
        self.accessCheck = accessCheck
    }

    var isRunning: Bool { run != nil }

    /// Writing any configuration file of a running context fails like debugfs does.
    /// Takes the running schemes' state as the monitoring thread reports it: activation and
    /// refusals in `schemeRuns`, statistics copied into `schemes`.
    mutating func publish(_ runs: [SchemeRun], paused: Bool) {
        schemeRuns = runs
        pausedByWatermarks = paused
        for (index, run) in runs.enumerated() where index < schemes.count {
            schemes[index].stats = run.stats
        }
    }

    func requireStopped() throws(ControlError) {
        if isRunning {
            throw ControlError(.EBUSY, "context \(name) is monitoring; write 'off' to monitor_on first")
        }
    }
}
