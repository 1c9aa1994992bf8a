extension MonitoringContext {
    /// Adds targets between iterations (a control group gained processes). They start without
    /// regions; `Operations.initialize` gives them theirs, as it does every target at the start.
    public func addTargets(_ new: [Target]) {
        targets += new
        operations.initialize(self)
    }

    /// Drops the targets `drop` selects between iterations (their processes exited). A scheme
    /// whose next quota window was to resume in a dropped target starts over at the first
    /// target; one resuming further on keeps its place (the kernel holds that place as a pointer
    /// to the target).
    public func removeTargets(where drop: (Target) -> Bool) {
        let removed = targets.indices.filter { drop(targets[$0]) }
        guard !removed.isEmpty else { return }
        for s in schemes.indices {
            guard let resume = schemes[s].chargeTarget else { continue }
            if removed.contains(resume) {
                schemes[s].chargeTarget = nil
                schemes[s].chargeAddress = 0
            } else {
                schemes[s].chargeTarget = resume - removed.filter { $0 < resume }.count
            }
        }
        for index in removed.reversed() { targets.remove(at: index) }
    }
}
