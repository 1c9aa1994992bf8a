import Testing

@testable import SwamonCore

/// Operations whose validity is a set of ids and whose initialize gives an empty target one
/// region, as `vaddr` gives it three.
final class SetValidityOperations: Operations {
    var valid: Set<Target.ID>
    var initialized = 0

    init(valid: Set<Target.ID>) { self.valid = valid }

    func initialize(_ context: MonitoringContext) {
        initialized += 1
        for t in context.targets.indices where context.targets[t].regions.isEmpty {
            context.targets[t].regions = [Region(0, 100)]
        }
    }
    func prepareAccessChecks(_ context: MonitoringContext) {}
    func checkAccesses(_ context: MonitoringContext) -> UInt32 { 0 }
    var validatesTargets: Bool { true }
    func isTargetValid(_ target: Target) -> Bool { valid.contains(target.id) }
}

/// A target set that follows a control group (swamond's `unit:`): targets come and go between
/// iterations, and the schemes' quota resume point stays on the target it named.
@Suite("followed targets")
struct FollowedTargetsTests {
    @Test func removingTargetsKeepsEachResumePointOnItsTarget() {
        let context = kunitContext(targets: (1...4).map { Target(id: $0, regions: [Region(0, 10)]) })
        let scheme = Scheme(sizeRange: 0...UInt64.max, accessCountRange: 0...UInt32.max, ageRange: 0...UInt32.max, action: .stat)
        context.schemes = (0..<4).map { _ in SchemeRun(scheme) }
        context.schemes[0].chargeTarget = 2  // id 3: stays, moves to index 1
        context.schemes[0].chargeAddress = 0x5000
        context.schemes[1].chargeTarget = 3  // id 4: removed, starts over
        context.schemes[1].chargeAddress = 0x7000
        context.schemes[2].chargeTarget = 0  // id 1: before every removed one
        context.removeTargets { $0.id == 2 || $0.id == 4 }
        #expect(context.targets.map(\.id) == [1, 3])
        #expect(context.schemes[0].chargeTarget == 1 && context.schemes[0].chargeAddress == 0x5000)
        #expect(context.schemes[1].chargeTarget == nil && context.schemes[1].chargeAddress == 0)
        #expect(context.schemes[2].chargeTarget == 0)
        #expect(context.schemes[3].chargeTarget == nil)
    }

    @Test func addedTargetsGetRegionsAtOnce() {
        let operations = SetValidityOperations(valid: [1, 9])
        let context = kunitContext(targets: [Target(id: 1, regions: [Region(5, 7)])], operations: operations)
        context.addTargets([Target(id: 9, regions: [])])
        #expect(context.targets.map(\.id) == [1, 9])
        #expect(bounds(context.targets[0]) == [[5, 7]], "an existing target's regions are left alone")
        #expect(bounds(context.targets[1]) == [[0, 100]])
        #expect(operations.initialized == 1)
    }

    /// kdamond_need_stop with a refill: no valid target left → the callback may take in new
    /// ones (then monitoring goes on) or request the stop.
    @Test func noValidTargetAsksForARefillFirst() {
        let operations = SetValidityOperations(valid: [2])
        let context = kunitContext(targets: [Target(id: 1, regions: [])], operations: operations)
        #expect(context.shouldStop, "without a refill, no valid target stops monitoring")
        context.callbacks.whenTargetsGone = { context in
            context.removeTargets { $0.id == 1 }
            context.addTargets([Target(id: 2, regions: [])])
        }
        #expect(!context.shouldStop)
        #expect(context.targets.map(\.id) == [2])
        operations.valid = []
        context.callbacks.whenTargetsGone = { $0.stopRequested = true }
        #expect(context.shouldStop && context.stopRequested)
    }

    /// The update callback runs at each operations update, after the regions were refitted.
    @Test func afterUpdateRunsAtEachUpdate() {
        let attributes = Attributes(sampleInterval: 10, aggregationInterval: 20, updateInterval: 40, minRegions: 10, maxRegions: 1000)
        let context = kunitContext(targets: [Target(id: 1, regions: [Region(0, 100)])], attributes: attributes, operations: SetValidityOperations(valid: [1]))
        var updates: [UInt64] = []
        context.callbacks.afterUpdate = { updates.append($0.passedSamples) }
        _ = context.begin()
        for _ in 0..<12 { _ = context.runIteration(sleep: { _ in }) }
        #expect(updates == [4, 8, 12])
    }
}
