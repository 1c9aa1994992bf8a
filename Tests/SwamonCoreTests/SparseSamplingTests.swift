import SwamonCore
import Testing

/// An address space of one mapping whose pages `hot` says are accessed; records every sample.
final class RecordingAddressSpace: AddressSpace {
    let range: AddressRange
    let hot: (UInt64) -> Bool
    var prepared: [[UInt64]] = []

    init(range: AddressRange, hot: @escaping (UInt64) -> Bool = { _ in false }) {
        self.range = range
        self.hot = hot
    }

    func mappings(of target: Target.ID) -> [AddressRange]? { [range] }
    func prepareAccessChecks(target: Target.ID, addresses: [UInt64]) { prepared.append(addresses) }
    func checkAccesses(target: Target.ID, addresses: [UInt64]) -> [PageAccess]? {
        addresses.map { PageAccess(accessed: hot($0 / 4096), pageSize: 4096) }
    }
    func isValid(target: Target.ID) -> Bool { true }
}

@Suite("sparse sampling: a fixed set of candidate pages, each drawn page kept for a few samples")
struct SparseSamplingTests {
    let sparse = SparseSampling(dwell: 4, minimumCandidates: 16, maximumLevel: 6, seed: 0x5eed)

    @Test func theLevelLeavesAtLeastTheMinimumOfBlocks() {
        #expect(sparse.level(forPages: 0) == 0)
        #expect(sparse.level(forPages: 31) == 0, "one block of 16: no coarser level keeps 16 candidates")
        #expect(sparse.level(forPages: 32) == 1)
        #expect(sparse.level(forPages: 63) == 1)
        #expect(sparse.level(forPages: 64) == 2)
        #expect(sparse.level(forPages: 16 << 6) == 6)
        #expect(sparse.level(forPages: (16 << 6) - 1) == 5)
        #expect(sparse.level(forPages: 1 << 40) == 6, "never above the maximum")
    }

    @Test func aBlockHasOneCandidateInsideIt() {
        for block: UInt64 in [0, 1, 7, 1 << 30] {
            for level: UInt32 in [1, 3, 6] {
                let page = sparse.candidate(ofBlock: block, level: level)
                #expect(page >> level == block)
                #expect(page == sparse.candidate(ofBlock: block, level: level), "fixed for a seed")
            }
            #expect(sparse.candidate(ofBlock: block, level: 0) == block)
        }
        let other = SparseSampling(dwell: 4, minimumCandidates: 16, maximumLevel: 6, seed: 0x5eee)
        let differ = (0..<64).filter { sparse.candidate(ofBlock: UInt64($0), level: 6) != other.candidate(ofBlock: UInt64($0), level: 6) }
        #expect(differ.count > 48, "the seed places the candidates")
    }

    @Test func drawsStayOnTheCandidatesAndReachEachOfThem() {
        // 4 MiB = 1024 pages: level 6, 16 blocks, so 16 candidate pages.
        let range = AddressRange(0x1000_0000, 0x1040_0000)
        var random = SplitMix64(seed: 3)
        var counts: [UInt64: Int] = [:]
        for _ in 0..<16_000 {
            let address = sparse.address(in: range, pageSize: 4096, using: &random)
            #expect(range.contains(address))
            counts[address / 4096, default: 0] += 1
        }
        let candidates = Set((0..<16).map { sparse.candidate(ofBlock: UInt64(0x1000_0000 / 4096 / 64) + UInt64($0), level: 6) })
        #expect(Set(counts.keys) == candidates)
        #expect(counts.values.allSatisfy { (850...1150).contains($0) }, "each block as likely: \(counts.values.sorted())")
    }

    @Test func aSmallRegionIsSampledLikeTheKernelDoes() {
        // 31 pages: level 0, every address as likely (any byte, not only page starts).
        let range = AddressRange(0x2000, 0x2000 + 31 * 4096)
        var random = SplitMix64(seed: 9)
        var pages = Set<UInt64>()
        var unaligned = false
        for _ in 0..<4000 {
            let address = sparse.address(in: range, pageSize: 4096, using: &random)
            #expect(range.contains(address))
            pages.insert(address / 4096)
            unaligned = unaligned || address % 4096 != 0
        }
        #expect(pages.count == 31)
        #expect(unaligned)
    }

    @Test func aRegionCuttingItsEdgeBlocksOnlyGetsCandidatesInsideIt() {
        // Starts 3 pages into a 64-page block and ends 5 pages into one.
        let range = AddressRange((64 * 40 + 3) * 4096, (64 * 60 + 5) * 4096)
        var random = SplitMix64(seed: 11)
        for _ in 0..<5000 {
            let address = sparse.address(in: range, pageSize: 4096, using: &random)
            #expect(range.contains(address))
        }
    }

    /// The point of the candidate set: over the random choice of the set (the seed), a region's
    /// estimate of its hot share is the kernel's, even when hot pages are scattered at random.
    @Test func theEstimateOfAScatteredHotShareIsUnbiasedOverSeeds() {
        let range = AddressRange(0, 1 << 24)  // 4096 pages
        func isHot(_ page: UInt64) -> Bool {
            var hash = SplitMix64(seed: page &* 0x9E37_79B9)
            return hash.next() % 100 < 10
        }
        let truth = Double((0..<UInt64(4096)).filter(isHot).count) / 4096
        var random = SplitMix64(seed: 5)
        var sum = 0.0
        let seeds = 400
        for seed in 0..<seeds {
            let strategy = SparseSampling(dwell: 4, minimumCandidates: 16, maximumLevel: 6, seed: UInt64(seed))
            var hot = 0
            for _ in 0..<200 where isHot(strategy.address(in: range, pageSize: 4096, using: &random) / 4096) { hot += 1 }
            sum += Double(hot) / 200
        }
        #expect(abs(sum / Double(seeds) - truth) < 0.01, "mean \(sum / Double(seeds)) vs \(truth)")
    }

    @Test func aDrawnPageIsKeptForTheDwellThenDrawnAgain() {
        let range = AddressRange(0, 1 << 26)
        let space = RecordingAddressSpace(range: range)
        let context = kunitContext(
            targets: [Target(id: 1, regions: [Region(range: AddressRange(0, 1 << 25)), Region(range: AddressRange(1 << 25, 1 << 26))])],
            operations: VirtualAddressOperations(mode: .fvaddr, addressSpace: space))
        context.sampling = .sparse(sparse)
        for _ in 0..<9 { context.operations.prepareAccessChecks(context) }
        let first = space.prepared.map { $0[0] }
        #expect(first[0] == first[1] && first[1] == first[2] && first[2] == first[3])
        #expect(first[4] == first[5] && first[5] == first[6] && first[6] == first[7])
        #expect(first[3] != first[4], "the fifth sample draws anew")
        #expect(first[7] != first[8])
        // A region whose range changed draws at once, whatever its dwell.
        context.targets[0].regions[1].range = AddressRange(1 << 25, (1 << 25) + (1 << 24))
        let before = space.prepared.last![1]
        context.operations.prepareAccessChecks(context)
        #expect(space.prepared.last![1] != before)
        #expect(space.prepared.last![0] == first[8], "the other region keeps its page")
    }

    @Test func theKernelsRandomRuleDrawsEverySample() {
        let space = RecordingAddressSpace(range: AddressRange(0, 1 << 26))
        let context = kunitContext(
            targets: [Target(id: 1, regions: [Region(range: AddressRange(0, 1 << 26))])],
            operations: VirtualAddressOperations(mode: .fvaddr, addressSpace: space))
        #expect(context.sampling == .random)
        for _ in 0..<8 { context.operations.prepareAccessChecks(context) }
        #expect(Set(space.prepared.map { $0[0] }).count == 8)
    }
}
