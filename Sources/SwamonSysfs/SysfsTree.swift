import SwamonCore
import SwamonProtocol
public import SystemPackage

/// DAMON's sysfs admin tree (Linux 6.12) over swamond: kdamond N is swamond's context
/// `kdamondN`. Files hold staged inputs as the kernel's do; `state` commands become protocol
/// requests (`on` writes the staged inputs to the context, then turns it on), so what may be
/// monitored is decided by swamond for the peer that asks. Not thread-safe: the FUSE loop
/// calls it from one thread.
public final class SysfsTree {
    public internal(set) var kdamonds: [StagedKdamond] = []
    let link: any SwamondLink
    /// Told why swamond refused a request (a sysfs write can only return an errno).
    let report: (String) -> Void

    public init(link: any SwamondLink, report: @escaping (String) -> Void = { _ in }) {
        self.link = link
        self.report = report
    }

    /// swamond's context for kdamond `k`.
    public static func contextName(_ k: Int) -> String { "kdamond\(k)" }

    static let availableOperations = ["vaddr", "fvaddr", "paddr"]
    /// The sysfs names of the watermark metrics, indexed by `Scheme.Watermarks.Metric`'s raw
    /// value (the kernel's `enum damos_wmark_metric` order).
    static let watermarkMetrics = ["none", "free_mem_rate"]

    // MARK: Reads

    public func read(_ path: String) throws(Errno) -> String {
        guard case .file(let file) = try node(path) else { throw Errno.isDirectory }
        return try read(file)
    }

    func read(_ file: SysfsFile) throws(Errno) -> String {
        switch file {
        case .nrKdamonds: return "\(kdamonds.count)\n"
        case .state(let k): return try isRunning(k) ? "on\n" : "off\n"
        case .pid(let k):
            let text = firstLine(try ask(.read(path(k, .kdamondPID)), "pid of kdamond \(k)"))
            return text == "none" ? "-1\n" : "\(text)\n"
        case .nrContexts(let k): return "\(kdamonds[k].contexts.count)\n"
        case .availableOperations: return Self.availableOperations.map { $0 + "\n" }.joined()
        case .operations(let k): return context(k).operations + "\n"
        case .interval(let k, let which):
            let c = context(k)
            switch which {
            case .sample: return "\(c.sampleMicroseconds)\n"
            case .aggregation: return "\(c.aggregationMicroseconds)\n"
            case .update: return "\(c.updateMicroseconds)\n"
            }
        case .regionsBound(let k, let bound): return "\(value(context(k).regionsRange, bound))\n"
        case .nrTargets(let k): return "\(context(k).targets.count)\n"
        case .pidTarget(let k, let t): return "\(context(k).targets[t].pid)\n"
        case .nrRegions(let k, let t): return "\(context(k).targets[t].regions.count)\n"
        case .regionBound(let k, let t, let r, let bound):
            let region = context(k).targets[t].regions[r]
            return "\(bound == .start ? region.min : region.max)\n"
        case .nrSchemes(let k): return "\(context(k).schemes.count)\n"
        case .action(let k, let s): return context(k).schemes[s].action.name + "\n"
        case .pattern(let k, let s, let which, let bound):
            let scheme = context(k).schemes[s]
            let range = which == .size ? scheme.size : which == .accesses ? scheme.accesses : scheme.age
            return "\(value(range, bound))\n"
        case .quota(let k, let s, let which):
            let scheme = context(k).schemes[s]
            switch which {
            case .milliseconds: return "\(scheme.quotaMilliseconds)\n"
            case .bytes: return "\(scheme.quotaBytes)\n"
            case .resetInterval: return "\(scheme.quotaResetMilliseconds)\n"
            }
        case .weight(let k, let s, let which):
            let scheme = context(k).schemes[s]
            switch which {
            case .size: return "\(scheme.weightSize)\n"
            case .accesses: return "\(scheme.weightAccesses)\n"
            case .age: return "\(scheme.weightAge)\n"
            }
        case .watermark(let k, let s, let which):
            let scheme = context(k).schemes[s]
            switch which {
            case .metric: return Self.watermarkMetrics[Int(scheme.watermarkMetric.rawValue)] + "\n"
            case .interval: return "\(scheme.watermarkInterval)\n"
            case .high: return "\(scheme.watermarkHigh)\n"
            case .mid: return "\(scheme.watermarkMid)\n"
            case .low: return "\(scheme.watermarkLow)\n"
            }
        case .stat(let k, let s, let which):
            return "\(context(k).schemes[s].stats[SysfsFile.Stat.allCases.firstIndex(of: which)!])\n"
        case .triedTotalBytes(let k, let s): return "\(context(k).schemes[s].triedTotalBytes)\n"
        case .tried(let k, let s, let index, let field):
            guard let entry = context(k).schemes[s].tried.first(where: { $0.index == index }) else { throw Errno.noSuchFileOrDirectory }
            switch field {
            case .start: return "\(entry.start)\n"
            case .end: return "\(entry.end)\n"
            case .accesses: return "\(entry.accesses)\n"
            case .age: return "\(entry.age)\n"
            case .bytesPassed: return "\(entry.end &- entry.start)\n"
            }
        }
    }

    // MARK: Writes

    /// One `write(2)` to a file: the kernel's store for it.
    public func write(_ path: String, _ text: String) throws(Errno) {
        guard case .file(let file) = try node(path) else { throw Errno.isDirectory }
        guard file.mode & 0o200 != 0 else { throw Errno.permissionDenied }
        try write(file, text)
    }

    func write(_ file: SysfsFile, _ text: String) throws(Errno) {
        switch file {
        case .nrKdamonds: try setKdamondCount(try count(text))
        case .state(let k): try command(k, text)
        case .nrContexts(let k):
            let n = try count(text)
            guard n <= 1 else { throw Errno.invalidArgument }
            kdamonds[k].contexts = Array(repeating: StagedContext(), count: n)
        case .operations(let k):
            guard let name = Self.availableOperations.first(where: { KernelInput.streq(text, $0) }) else { throw Errno.invalidArgument }
            kdamonds[k].contexts[0].operations = name
        case .interval(let k, let which):
            let us = try KernelInput.unsignedLong(text)
            switch which {
            case .sample: kdamonds[k].contexts[0].sampleMicroseconds = us
            case .aggregation: kdamonds[k].contexts[0].aggregationMicroseconds = us
            case .update: kdamonds[k].contexts[0].updateMicroseconds = us
            }
        case .regionsBound(let k, let bound): set(&kdamonds[k].contexts[0].regionsRange, bound, try KernelInput.unsignedLong(text))
        case .nrTargets(let k): kdamonds[k].contexts[0].targets = Array(repeating: StagedTarget(), count: try count(text))
        case .pidTarget(let k, let t):
            // The kernel answers EINVAL for every parse error of pid_target, ERANGE included.
            do { kdamonds[k].contexts[0].targets[t].pid = try KernelInput.int(text) } catch { throw Errno.invalidArgument }
        case .nrRegions(let k, let t):
            kdamonds[k].contexts[0].targets[t].regions = Array(repeating: StagedRange(min: 0, max: 0), count: try count(text))
        case .regionBound(let k, let t, let r, let bound):
            let value = try KernelInput.unsignedLong(text)
            if bound == .start { kdamonds[k].contexts[0].targets[t].regions[r].min = value } else { kdamonds[k].contexts[0].targets[t].regions[r].max = value }
        case .nrSchemes(let k): kdamonds[k].contexts[0].schemes = Array(repeating: StagedScheme(), count: try count(text))
        case .action(let k, let s):
            guard let action = SchemeActions.writable.first(where: { KernelInput.streq(text, $0.name) }) else { throw Errno.invalidArgument }
            kdamonds[k].contexts[0].schemes[s].action = action
        case .pattern(let k, let s, let which, let bound):
            let value = try KernelInput.unsignedLong(text)
            switch which {
            case .size: set(&kdamonds[k].contexts[0].schemes[s].size, bound, value)
            case .accesses: set(&kdamonds[k].contexts[0].schemes[s].accesses, bound, value)
            case .age: set(&kdamonds[k].contexts[0].schemes[s].age, bound, value)
            }
        case .quota(let k, let s, let which):
            let value = try KernelInput.unsignedLong(text)
            switch which {
            case .milliseconds: kdamonds[k].contexts[0].schemes[s].quotaMilliseconds = value
            case .bytes: kdamonds[k].contexts[0].schemes[s].quotaBytes = value
            case .resetInterval: kdamonds[k].contexts[0].schemes[s].quotaResetMilliseconds = value
            }
        case .weight(let k, let s, let which):
            let value = try KernelInput.unsignedInt(text)
            switch which {
            case .size: kdamonds[k].contexts[0].schemes[s].weightSize = value
            case .accesses: kdamonds[k].contexts[0].schemes[s].weightAccesses = value
            case .age: kdamonds[k].contexts[0].schemes[s].weightAge = value
            }
        case .watermark(let k, let s, let which):
            if which == .metric {
                guard let index = Self.watermarkMetrics.firstIndex(where: { KernelInput.streq(text, $0) }),
                    let metric = Scheme.Watermarks.Metric(rawValue: UInt32(index))
                else { throw Errno.invalidArgument }
                kdamonds[k].contexts[0].schemes[s].watermarkMetric = metric
                return
            }
            let value = try KernelInput.unsignedLong(text)
            switch which {
            case .metric: break
            case .interval: kdamonds[k].contexts[0].schemes[s].watermarkInterval = value
            case .high: kdamonds[k].contexts[0].schemes[s].watermarkHigh = value
            case .mid: kdamonds[k].contexts[0].schemes[s].watermarkMid = value
            case .low: kdamonds[k].contexts[0].schemes[s].watermarkLow = value
            }
        case .pid, .availableOperations, .stat, .triedTotalBytes, .tried:
            throw Errno.permissionDenied
        }
    }

    // MARK: Helpers

    /// Most numbered directories one `nr_*` file makes. The kernel's limit is its allocator's
    /// (`kmalloc_array` of that many objects); past this, swamon-sysfs answers as the kernel does
    /// when that fails.
    public static let maxEntries = 1 << 16

    /// `kstrtoint` then the stores' `nr < 0` check.
    func count(_ text: String) throws(Errno) -> Int {
        let n = try KernelInput.int(text)
        guard n >= 0 else { throw Errno.invalidArgument }
        guard n <= Self.maxEntries else { throw Errno.noMemory }
        return Int(n)
    }

    func context(_ k: Int) -> StagedContext { kdamonds[k].contexts[0] }

    func value(_ range: StagedRange, _ bound: SysfsFile.Bound) -> UInt64 { bound == .min ? range.min : range.max }

    func set(_ range: inout StagedRange, _ bound: SysfsFile.Bound, _ value: UInt64) {
        if bound == .min { range.min = value } else { range.max = value }
    }

    func path(_ k: Int, _ file: ContextFile) -> ControlPath {
        ControlPath(context: Self.contextName(k), file: file.rawValue)
    }

    /// One request; a refusal is reported with what was being done and becomes its errno.
    @discardableResult
    func ask(_ request: Request, _ doing: String) throws(Errno) -> String {
        do { return try link.send(request) } catch {
            report("\(doing): \(error)")
            throw error.errno
        }
    }

    func isRunning(_ k: Int) throws(Errno) -> Bool {
        try ask(.read(path(k, .state)), "state of kdamond \(k)") == "on\n"
    }
}
