extension MonitoringContext {
    /// Applies every active scheme to every region of every target (DAMON: `kdamond_apply_schemes`,
    /// debugfs schemes: once per aggregation, after the merge and the snapshot, before the
    /// reset and split). Quotas are adjusted first, then each region is offered to each scheme
    /// in order.
    public func applySchemes() {
        guard !schemes.isEmpty else { return }
        var any = false
        for s in schemes.indices where schemes[s].isActive {
            any = true
            adjustQuota(s)
        }
        guard any else { return }
        for t in targets.indices {
            var r = 0
            while r < targets[t].regions.count {
                let before = targets[t].regions.count
                var current = r
                for s in schemes.indices { applyScheme(s, target: t, region: &current) }
                // Pieces split off during this region's turn are not visited again in this pass:
                // the kernel's safe iteration took the next region before.
                r += 1 + (targets[t].regions.count - before)
            }
        }
    }

    /// DAMON: `damon_do_apply_schemes` for one scheme and one region.
    func applyScheme(_ s: Int, target t: Int, region r: inout Int) {
        guard schemes[s].isActive else { return }
        let quota = schemes[s].effectiveQuota
        if quota != 0 && schemes[s].chargedBytes >= quota { return }
        if skipChargedRegion(s, target: t, region: &r) { return }
        let region = targets[t].regions[r]
        guard schemes[s].scheme.matches(region) else { return }
        if quota != 0 && SchemeScore.of(region, for: schemes[s].scheme, attributes: attributes) < schemes[s].minScore { return }

        // DAMON: damos_apply_scheme.
        var size = region.size
        if quota != 0 && schemes[s].chargedBytes + size > quota {
            size = alignDown(quota - schemes[s].chargedBytes, minRegionSize)
            if size == 0 {
                // The kernel counts the try, with the zero size it computed.
                updateStats(s, tried: 0, applied: 0)
                return
            }
            targets[t].splitRegion(at: r, leftSize: size)
        }
        let range = targets[t].regions[r].range
        if triedRegions != nil {
            let tried = targets[t].regions[r]
            triedRegions!.append(TriedRegion(scheme: s, targetID: targets[t].id, range: range, accessCount: tried.accessCount, age: tried.age))
        }
        let began = clock()
        let outcome = operations.applyScheme(schemes[s].scheme.action, to: range, of: targets[t])
        let ended = clock()
        var applied: UInt64 = 0
        switch outcome {
        case .applied(let bytes): applied = min(bytes, size)
        case .refused(let refusal): schemes[s].refusal = refusal
        }
        schemes[s].totalChargedNanoseconds &+= ended &- began
        schemes[s].chargedBytes &+= size
        if quota != 0 && schemes[s].chargedBytes >= quota {
            schemes[s].chargeTarget = t
            schemes[s].chargeAddress = range.end &+ 1
        }
        if schemes[s].scheme.action != .stat { targets[t].regions[r].age = 0 }
        updateStats(s, tried: size, applied: applied)
    }

    /// DAMON: `damos_update_stat`.
    func updateStats(_ s: Int, tried: UInt64, applied: UInt64) {
        schemes[s].stats.triedCount &+= 1
        schemes[s].stats.triedBytes &+= tried
        if applied > 0 { schemes[s].stats.appliedCount &+= 1 }
        schemes[s].stats.appliedBytes &+= applied
    }

    /// Skips the regions a window that ran out of quota already went through, so that the next
    /// window resumes after them (DAMON: `damos_skip_charged_region`, with its quirks: the
    /// resume address is one past the last charged region's end, and the target's last region
    /// ends the skipping without being tried).
    func skipChargedRegion(_ s: Int, target t: Int, region r: inout Int) -> Bool {
        guard let chargeTarget = schemes[s].chargeTarget else { return false }
        if t != chargeTarget { return true }
        if r == targets[t].regions.count - 1 {
            schemes[s].chargeTarget = nil
            schemes[s].chargeAddress = 0
            return true
        }
        let from = schemes[s].chargeAddress
        let region = targets[t].regions[r]
        if from != 0 && region.end <= from { return true }
        if from != 0 && region.start < from {
            var skip = alignDown(from - region.start, minRegionSize)
            if skip == 0 {
                if region.size <= minRegionSize { return true }
                skip = minRegionSize
            }
            targets[t].splitRegion(at: r, leftSize: skip)
            r += 1
        }
        schemes[s].chargeTarget = nil
        schemes[s].chargeAddress = 0
        return false
    }

    /// Starts a new quota window when the reset interval has passed and sets the score cut-off
    /// that keeps this window's tries within the effective quota (DAMON: `damos_adjust_quota`).
    func adjustQuota(_ s: Int) {
        guard schemes[s].scheme.hasQuota else { return }
        let now = clock()
        let interval = schemes[s].scheme.quota.resetIntervalMilliseconds.multipliedReportingOverflow(by: 1_000_000)
        let windowLength = interval.overflow ? UInt64.max : interval.partialValue
        if schemes[s].chargedFrom.map({ now &- $0 >= windowLength }) ?? true {
            if schemes[s].effectiveQuota != 0 && schemes[s].chargedBytes >= schemes[s].effectiveQuota {
                schemes[s].stats.quotaExceeds &+= 1
            }
            schemes[s].totalChargedBytes &+= schemes[s].chargedBytes
            schemes[s].chargedFrom = now
            schemes[s].chargedBytes = 0
            setEffectiveQuota(s)
        }

        // The score histogram over matching regions, cut where the bytes reach the quota.
        var histogram = [UInt64](repeating: 0, count: Int(SchemeScore.maxScore) + 1)
        var maxScore: UInt32 = 0
        let scheme = schemes[s].scheme
        for target in targets {
            for region in target.regions where scheme.matches(region) {
                let score = SchemeScore.of(region, for: scheme, attributes: attributes)
                histogram[Int(score)] &+= region.size
                maxScore = max(maxScore, score)
            }
        }
        var cumulated: UInt64 = 0
        var score = maxScore
        while true {
            cumulated &+= histogram[Int(score)]
            if cumulated >= schemes[s].effectiveQuota || score == 0 { break }
            score -= 1
        }
        schemes[s].minScore = score
    }

    /// DAMON: `damos_set_effective_quota`: the size quota, or what the time quota allows at the
    /// throughput measured so far (1024 pages per ms before any measurement), whichever is less.
    func setEffectiveQuota(_ s: Int) {
        let quota = schemes[s].scheme.quota
        guard quota.milliseconds != 0 else {
            schemes[s].effectiveQuota = quota.bytes
            return
        }
        let throughput: UInt64 =
            schemes[s].totalChargedNanoseconds != 0
            ? multipliedDivided(schemes[s].totalChargedBytes, by: 1_000_000, over: schemes[s].totalChargedNanoseconds)
            : minRegionSize * 1024
        let product = throughput.multipliedReportingOverflow(by: quota.milliseconds)
        var effective = product.overflow ? UInt64.max : product.partialValue
        if quota.bytes != 0 && quota.bytes < effective { effective = quota.bytes }
        schemes[s].effectiveQuota = effective
    }

    /// How long to wait before monitoring may go on: 0 when any scheme is active or there are no
    /// schemes, else the shortest check interval among them (DAMON: `damos_wmark_wait_us`
    /// over all schemes, as `kdamond_wait_activation` takes it).
    public func watermarkWait() -> UInt64 {
        var shortest: UInt64?
        for s in schemes.indices {
            let wait = watermarkWait(s)
            shortest = min(shortest ?? wait, wait)
        }
        return shortest ?? 0
    }

    /// DAMON: `damos_wmark_wait_us` for one scheme: above high or below low deactivates;
    /// inactive between mid and high stays inactive; otherwise active. The kernel reads the
    /// metric at every iteration; here an active scheme reads `/proc/meminfo` again only after
    /// its check interval (an inactive one sleeps that long between checks anyway).
    func watermarkWait(_ s: Int) -> UInt64 {
        let marks = schemes[s].scheme.watermarks
        guard marks.metric == .freeMemoryRate else { return 0 }
        let now = clock()
        if schemes[s].watermarkActive, let last = schemes[s].lastWatermarkCheck, now &- last < marks.intervalMicroseconds &* 1000 {
            return 0
        }
        guard let metric = freeMemoryRate() else { return 0 }
        schemes[s].lastWatermarkCheck = now
        schemes[s].lastMetric = metric
        if metric > marks.high || marks.low > metric {
            schemes[s].watermarkActive = false
            return marks.intervalMicroseconds
        }
        if marks.high >= metric && metric >= marks.mid && !schemes[s].watermarkActive {
            return marks.intervalMicroseconds
        }
        schemes[s].watermarkActive = true
        return 0
    }

    /// Replaces the schemes of a running context (the sysfs `commit`): a scheme at an index that
    /// existed keeps its statistics and quota window; the rest start fresh. Runs on the
    /// monitoring thread between iterations.
    public func commitSchemes(_ new: [Scheme]) {
        schemes = new.enumerated().map { index, scheme in
            guard index < schemes.count else { return SchemeRun(scheme) }
            var run = schemes[index]
            if run.scheme.quota != scheme.quota {
                run.chargedFrom = nil
                run.effectiveQuota = 0
                run.chargeTarget = nil
            }
            run.scheme = scheme
            run.refusal = nil
            return run
        }
    }
}
