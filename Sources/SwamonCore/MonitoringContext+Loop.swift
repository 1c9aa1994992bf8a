extension MonitoringContext {
    /// Whether the loop must end (DAMON: `kdamond_need_stop`): a stop was requested, or the
    /// operations validate targets and none is valid any more — including when there are none.
    /// Before concluding the latter, `whenTargetsGone` may take in new targets (swamond: a unit
    /// whose processes were all replaced).
    public var shouldStop: Bool {
        if stopRequested { return true }
        guard operations.validatesTargets else { return false }
        if targets.contains(where: { operations.isTargetValid($0) }) { return false }
        guard let refill = callbacks.whenTargetsGone else { return true }
        refill(self)
        return stopRequested || !targets.contains { operations.isTargetValid($0) }
    }

    /// Runs monitoring until it stops (DAMON: `kdamond_fn`). `sleep` is handed the sampling
    /// interval in microseconds once per iteration; the daemon makes it interruptible.
    public func run(sleep: (UInt64) -> Void) {
        if begin() {
            while !shouldStop && waitForActivation(sleep: sleep) && runIteration(sleep: sleep) {}
        }
        finish()
    }

    /// The prologue of `kdamond_fn`: resets the sample counters, builds the initial regions and
    /// runs `beforeStart`. Returns false when that callback stopped monitoring.
    public func begin() -> Bool {
        passedSamples = 0
        aggregations = 0
        lastRegionCount = 0
        stopReason = nil
        let sample = max(attributes.sampleInterval, 1)
        nextAggregationSample = attributes.aggregationInterval / sample
        nextUpdateSample = attributes.updateInterval / sample
        operations.initialize(self)
        if let beforeStart = callbacks.beforeStart {
            do { try beforeStart(self) } catch {
                stopReason = error
                return false
            }
        }
        regionSizeLimit = computeRegionSizeLimit()
        return true
    }

    /// Waits while watermarks keep every scheme inactive, checking again after the shortest
    /// interval (DAMON: `kdamond_wait_activation`); returns false when monitoring must stop
    /// meanwhile. Runs at the top of every iteration; without schemes it returns at once.
    public func waitForActivation(sleep: (UInt64) -> Void) -> Bool {
        while !shouldStop {
            let wait = watermarkWait()
            if wait == 0 {
                pausedByWatermarks = false
                return true
            }
            pausedByWatermarks = true
            sleep(wait)
            callbacks.afterWatermarkWait?(self)
        }
        return false
    }

    /// One sampling iteration in the kernel's order (current mainline `kdamond_fn` with
    /// sample-counting timers): prepare → afterSampling → sleep → check → on aggregation: merge,
    /// afterAggregation, apply schemes, reset, split → on update: refit regions. Returns false when a callback
    /// stopped monitoring.
    public func runIteration(sleep: (UInt64) -> Void) -> Bool {
        operations.prepareAccessChecks(self)
        if let afterSampling = callbacks.afterSampling {
            do { try afterSampling(self) } catch {
                stopReason = error
                return false
            }
        }
        sleep(attributes.sampleInterval)
        passedSamples += 1
        maxAccessCount = operations.checkAccesses(self)

        // The timers' bases as they stood before any callback (an online commit of attrs
        // reschedules them); the next deadlines count from here with the attrs then in force.
        let aggregationBase = nextAggregationSample
        let updateBase = nextUpdateSample
        if passedSamples >= aggregationBase {
            mergeRegions(threshold: maxAccessCount / 10, sizeLimit: regionSizeLimit)
            aggregations += 1
            if let afterAggregation = callbacks.afterAggregation {
                do { try afterAggregation(self) } catch {
                    stopReason = error
                    return false
                }
            }
            if !schemes.isEmpty {
                applySchemes()
                callbacks.afterSchemes?(self)
            }
            nextAggregationSample = aggregationBase + attributes.aggregationInterval / max(attributes.sampleInterval, 1)
            for t in targets.indices { targets[t].resetAggregated() }
            splitRegions()
            operations.resetAggregated(self)
        }
        if passedSamples >= updateBase {
            nextUpdateSample = updateBase + attributes.updateInterval / max(attributes.sampleInterval, 1)
            operations.update(self)
            callbacks.afterUpdate?(self)
            regionSizeLimit = computeRegionSizeLimit()
        }
        return true
    }

    /// The epilogue of `kdamond_fn`: drops every region, runs `beforeTerminate`, then the
    /// operations' cleanup.
    public func finish() {
        for t in targets.indices { targets[t].regions = [] }
        callbacks.beforeTerminate?(self)
        operations.cleanup(self)
    }

    /// Merges adjacent regions of similar access counts (DAMON: `kdamond_merge_regions`). While
    /// more than `maxRegions` remain, the pass repeats with a doubled threshold, up to the
    /// number of samples per aggregation (current mainline).
    public func mergeRegions(threshold: UInt32, sizeLimit: UInt64) {
        let maxThreshold = attributes.maxAccessCount
        var threshold = threshold
        var count = 0
        repeat {
            count = 0
            for t in targets.indices {
                targets[t].mergeRegions(threshold: threshold, sizeLimit: sizeLimit)
                count += targets[t].regions.count
            }
            threshold = max(1, threshold &* 2)
        } while UInt64(count) > attributes.maxRegions && threshold / 2 < maxThreshold
    }

    /// Splits every region in two, or in three when the region count did not change since the
    /// last split and is below a third of the maximum; nothing when more than half the maximum
    /// (DAMON: `kdamond_split_regions`).
    public func splitRegions() {
        let count = regionCount
        if UInt64(count) > attributes.maxRegions / 2 { return }
        var pieces = 2
        if lastRegionCount == count && UInt64(count) < attributes.maxRegions / 3 { pieces = 3 }
        let minRegionSize = minRegionSize
        withTargetsAndRandom { targets, random in
            for t in targets.indices {
                targets[t].splitRegions(into: pieces, minRegionSize: minRegionSize, using: &random)
            }
        }
        lastRegionCount = count
    }
}
