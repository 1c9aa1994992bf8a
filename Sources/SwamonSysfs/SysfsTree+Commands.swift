import SwamonCore
import SwamonProtocol
import SystemPackage

extension SysfsTree {
    /// The `state` commands of Linux 6.12 that swamond can carry out. The kernel's
    /// `commit_schemes_quota_goals` and `update_schemes_effective_quotas` are missing, as on a
    /// kernel without quota goals: writing them is `EINVAL`.
    public static let commands = [
        "on", "off", "commit", "update_schemes_stats", "update_schemes_tried_bytes", "update_schemes_tried_regions",
        "clear_schemes_tried_regions",
    ]

    /// A write to kdamond `k`'s `state` (the kernel's `damon_sysfs_handle_cmd`).
    func command(_ k: Int, _ text: String) throws(Errno) {
        guard let command = Self.commands.first(where: { KernelInput.streq(text, $0) }) else { throw Errno.invalidArgument }
        if command != "off" && kdamonds[k].contexts.count != 1 { throw Errno.invalidArgument }
        switch command {
        case "on":
            if try isRunning(k) { throw Errno.resourceBusy }
            try stage(k)
            try ask(.write(path(k, .state), content: "on"), "kdamond \(k): on")
        case "off":
            try ask(.write(path(k, .state), content: "off"), "kdamond \(k): off")
        default:
            // Everything else reaches into the running context; the kernel refuses it otherwise.
            guard try isRunning(k) else { throw Errno.invalidArgument }
            switch command {
            case "commit": try commit(k)
            case "update_schemes_stats": try updateStats(k)
            case "clear_schemes_tried_regions": clearTried(k)
            default: try updateTried(k, bytesOnly: command == "update_schemes_tried_bytes")
            }
        }
    }

    /// Writes kdamond `k`'s staged inputs to its context, in the order that keeps each write
    /// valid: operations, attrs, targets, init regions, schemes.
    func stage(_ k: Int) throws(Errno) {
        let c = context(k)
        let doing = "kdamond \(k): on"
        try ask(.write(path(k, .operations), content: c.operations), doing)
        try ask(.write(path(k, .attrs), content: attrsText(c)), doing)
        let ids = stagedTargetIDs(c)
        if c.operations == "paddr" {
            // The kernel's "multiple physical address space monitoring targets makes no sense".
            guard c.targets.count <= 1 else {
                report("\(doing): paddr monitors one target; nr_targets is \(c.targets.count)")
                throw Errno.invalidArgument
            }
            try ask(.write(path(k, .targetIDs), content: c.targets.isEmpty ? "" : "paddr"), doing)
        } else {
            try ask(.write(path(k, .targetIDs), content: c.targets.map { String($0.pid) }.joined(separator: " ")), doing)
        }
        var triplets: [String] = []
        for (t, target) in c.targets.enumerated() {
            for region in target.regions { triplets.append("\(ids[t]) \(region.min) \(region.max)") }
        }
        if !triplets.isEmpty { try ask(.write(path(k, .initRegions), content: triplets.joined(separator: " ")), doing) }
        try ask(.write(path(k, .schemes), content: schemesText(c)), doing)
    }

    /// `commit`: attrs and schemes change online; the targets must be the ones running (swamond
    /// holds its targets for the whole run).
    func commit(_ k: Int) throws(Errno) {
        let c = context(k)
        let doing = "kdamond \(k): commit"
        let running = try targetIDs(k, doing)
        let staged = stagedTargetIDs(c)
        guard running == staged else {
            report("\(doing): swamond cannot change the targets of a running context (running \(TargetIDsFormat.render(running).dropLast()), staged \(TargetIDsFormat.render(staged).dropLast())); turn it off and on")
            throw Errno.invalidArgument
        }
        try ask(.write(path(k, .commitAttrs), content: attrsText(c)), doing)
        try ask(.write(path(k, .commitSchemes), content: schemesText(c)), doing)
    }

    /// `update_schemes_stats`: the kernel's kdamond takes the command at its next aggregation and
    /// copies the statistics then, so the write returns one aggregation later with the counts of
    /// every scheme pass before it (a poller that updates tried bytes, then the statistics, sees
    /// the quota windows those bytes filled counted, as damos_quota.py expects). swamond answers
    /// a read of `schemes_tried_regions` after the context's next aggregation: that read is the
    /// wait. A reader who may not see tried regions (EACCES) gets the statistics without it.
    func updateStats(_ k: Int) throws(Errno) {
        _ = try? link.send(.read(path(k, .schemesTriedRegions)))
        let text = try ask(.read(path(k, .schemesStats)), "kdamond \(k): update_schemes_stats")
        for (s, line) in text.split(separator: "\n").enumerated() where s < context(k).schemes.count {
            let numbers = line.split(separator: " ").compactMap { UInt64($0) }
            if numbers.count == 5 { kdamonds[k].contexts[0].schemes[s].stats = numbers }
        }
    }

    /// The kernel clears every scheme's tried regions, then fills them from one scheme pass,
    /// numbering the directories across all schemes in the order the regions were tried.
    func updateTried(_ k: Int, bytesOnly: Bool) throws(Errno) {
        let text = try ask(.read(path(k, .schemesTriedRegions)), "kdamond \(k): update_schemes_tried_regions")
        guard let rows = ResultsFormat.parseTriedRegions(text) else {
            report("kdamond \(k): swamond's schemes_tried_regions could not be read")
            throw Errno.ioError
        }
        clearTried(k)
        var index = 0
        for row in rows where row.scheme < context(k).schemes.count {
            kdamonds[k].contexts[0].schemes[row.scheme].triedTotalBytes &+= row.region.end &- row.region.start
            if bytesOnly { continue }
            kdamonds[k].contexts[0].schemes[row.scheme].tried.append(
                TriedEntry(index: index, start: row.region.start, end: row.region.end, accesses: row.region.nrAccesses, age: row.region.age))
            index += 1
        }
    }

    func clearTried(_ k: Int) {
        for s in context(k).schemes.indices {
            kdamonds[k].contexts[0].schemes[s].tried = []
            kdamonds[k].contexts[0].schemes[s].triedTotalBytes = 0
        }
    }

    /// `nr_kdamonds`: every kdamond's directory goes, then `n` new ones with the kernel's
    /// defaults; their swamond contexts are removed and made again (so a context keeps nothing
    /// from before). Refused while any of them runs.
    func setKdamondCount(_ n: Int) throws(Errno) {
        for k in kdamonds.indices where try isRunning(k) { throw Errno.resourceBusy }
        for k in kdamonds.indices.reversed() {
            try ask(.write(ControlPath(file: RootFile.rmContexts.rawValue), content: Self.contextName(k)), "nr_kdamonds")
            kdamonds.removeLast()
        }
        for k in 0..<n {
            try ask(.write(ControlPath(file: RootFile.mkContexts.rawValue), content: Self.contextName(k)), "nr_kdamonds")
            kdamonds.append(StagedKdamond())
        }
    }

    /// The ids the staged targets read back as from `target_ids` once written: the pids, or
    /// paddr's one target.
    func stagedTargetIDs(_ c: StagedContext) -> [Target.ID] {
        if c.operations == "paddr" { return c.targets.isEmpty ? [] : [TargetIDsFormat.paddrTargetID] }
        return c.targets.map { Target.ID(UInt32(bitPattern: $0.pid)) }
    }

    /// The ids context `kdamondK`'s `target_ids` reads back (none for a unit or control group).
    func targetIDs(_ k: Int, _ doing: String) throws(Errno) -> [Target.ID] {
        let text = try ask(.read(path(k, .targetIDs)), doing)
        guard case .pids(let pids)? = try? TargetIDsFormat.parse(text) else { return [] }
        return pids.map { Target.ID(truncatingIfNeeded: $0) }
    }

    func attrsText(_ c: StagedContext) -> String {
        "\(c.sampleMicroseconds) \(c.aggregationMicroseconds) \(c.updateMicroseconds) \(c.regionsRange.min) \(c.regionsRange.max)"
    }

    /// The debugfs records. The kernel keeps access and age bounds in `unsigned int`, so an
    /// `unsigned long` written to sysfs is truncated to 32 bits as it builds the scheme.
    func schemesText(_ c: StagedContext) -> String {
        c.schemes.map { s in
            let fields: [UInt64] = [
                s.size.min, s.size.max,
                UInt64(UInt32(truncatingIfNeeded: s.accesses.min)), UInt64(UInt32(truncatingIfNeeded: s.accesses.max)),
                UInt64(UInt32(truncatingIfNeeded: s.age.min)), UInt64(UInt32(truncatingIfNeeded: s.age.max)),
                UInt64(s.action.rawValue), s.quotaMilliseconds, s.quotaBytes, s.quotaResetMilliseconds,
                UInt64(s.weightSize), UInt64(s.weightAccesses), UInt64(s.weightAge),
                UInt64(s.watermarkMetric.rawValue), s.watermarkInterval, s.watermarkHigh, s.watermarkMid, s.watermarkLow,
            ]
            return fields.map(String.init).joined(separator: " ")
        }.joined(separator: " ")
    }

    func firstLine(_ text: String) -> String {
        String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
    }
}
