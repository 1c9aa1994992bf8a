import Testing
import SwamonWorkload

@Suite struct WorkloadConfigTests {
    /// masim's `configs/zigzag.cfg`, first phases, comments and all.
    static let zigzag = """
        #regions
        a, 100000000
        b, 100000000

        #phases
        initial phase
        10000
        a, 0, 4096, 1
        b, 0, 4096, 1

        low phase 0
        5000
        a, 0, 4096, 50, ro
        b, 1, 64, 0
        """

    @Test func parsesMasimZigzag() throws {
        let config = try WorkloadConfig(parsing: Self.zigzag)
        #expect(config.regions == [.init(name: "a", size: 100_000_000), .init(name: "b", size: 100_000_000)])
        #expect(config.phases.map(\.name) == ["initial phase", "low phase 0"])
        #expect(config.phases.map(\.milliseconds) == [10000, 5000])
        #expect(config.phases[1].accesses == [
            .init(region: 0, random: false, stride: 4096, weight: 50, mode: .readOnly),
            .init(region: 1, random: true, stride: 64, weight: 0),
        ])
        #expect(config.phases[0].touchedRegions == [0, 1])
        #expect(config.phases[1].touchedRegions == [0])
    }

    @Test func textRoundTrips() throws {
        for pattern in BuiltinPattern.allCases {
            let config = pattern.config(hotMiB: 3, coldMiB: 5)
            #expect(try WorkloadConfig(parsing: config.text) == config)
        }
    }

    @Test func builtinPatternsMatchDamonTests() {
        let stairs = BuiltinPattern.stairs.config()
        #expect(stairs.regions.count == 10 && stairs.regions.allSatisfy { $0.size == 10_000_000 })
        #expect(stairs.phases.dropFirst().allSatisfy { $0.milliseconds == 2500 && $0.touchedRegions.count == 1 })
        #expect(stairs.phases.dropFirst().map { $0.touchedRegions[0] } == Array(0..<10))
        let zigzag = BuiltinPattern.zigzag.config()
        #expect(zigzag.regions.map(\.size) == [100_000_000, 100_000_000])
        #expect(zigzag.phases.dropFirst().map { $0.touchedRegions[0] } == Array(repeating: [0, 1], count: 6).flatMap { $0 })
        let hotCold = BuiltinPattern.hotCold.config(hotMiB: 64, coldMiB: 448)
        #expect(hotCold.regions.map(\.size) == [64 << 20, 448 << 20])
        #expect(hotCold.phases.map(\.touchedRegions) == [[0]])
    }

    @Test func partialHotTouchesAFixedShareOfEachRegionsPages() throws {
        let config = BuiltinPattern.partialHot.config()
        #expect(config.regions.map(\.size) == [64 << 20, 64 << 20, 64 << 20])
        #expect(config.phases[0].accesses.map(\.pagePermil) == [100, 250, 500])
        #expect(config.phases[0].accesses.map(\.weight) == [100, 250, 500], "each region's hot pages touched as often")
        let parsed = try WorkloadConfig(parsing: "a, 8192\n\np\n10\na, 1, 4096, 1, ro, pages=1000\n")
        #expect(parsed.phases[0].accesses[0].pagePermil == 1000)
        for (region, permil) in [(0, 100), (1, 250), (2, 500)] {
            let pages = WorkloadConfig.sharedPages(regionSize: 64 << 20, region: region, permil: permil, pageSize: 4096)
            #expect(abs(Double(pages.count) / 16384 - Double(permil) / 1000) < 0.015, "\(pages.count) of 16384")
            #expect(pages == WorkloadConfig.sharedPages(regionSize: 64 << 20, region: region, permil: permil, pageSize: 4096))
            #expect(pages.allSatisfy { $0 % 4096 == 0 && $0 < 64 << 20 })
        }
        #expect(WorkloadConfig.sharedPages(regionSize: 1 << 20, region: 0, permil: 1000, pageSize: 4096).count == 256)
        let first = Set(WorkloadConfig.sharedPages(regionSize: 64 << 20, region: 0, permil: 100, pageSize: 4096))
        let second = Set(WorkloadConfig.sharedPages(regionSize: 64 << 20, region: 1, permil: 100, pageSize: 4096))
        #expect(first.intersection(second).count < first.count / 5, "placed apart per region")
    }

    @Test(arguments: [
        ("", 1, "no regions"),
        ("a, x\n\np\n10\na, 0, 1, 1", 1, "not a positive number"),
        ("a, 10\na, 20\n\np\n10\na, 0, 1, 1", 2, "defined twice"),
        ("a, 10", 1, "no phases"),
        ("a, 10\n\np\n10", 3, "at least one access"),
        ("a, 10\n\np\n0\na, 0, 1, 1", 4, "positive number of milliseconds"),
        ("a, 10\n\np\n10\nb, 0, 1, 1", 5, "unknown region 'b'"),
        ("a, 10\n\np\n10\na, 2, 1, 1", 5, "randomness"),
        ("a, 10\n\np\n10\na, 0, 0, 1", 5, "stride"),
        ("a, 10\n\np\n10\na, 0, 1, 1, xx", 5, "ro, wo or rw"),
        ("a, 10\n\np\n10\na, 0, 1, 1, wo, pages=0", 5, "pages=PERMIL, 1 to 1000"),
        ("a, 10\n\np\n10\na, 0, 1, 1, wo, pages=1001", 5, "pages=PERMIL, 1 to 1000"),
        ("a, 10\n\np\n10\na, 0, 1, 1, wo, share=10", 5, "pages=PERMIL, 1 to 1000"),
        ("a, 10\n\np\n10\na, 0, 1, 0", 3, "no access with a weight"),
        ("a, 10, data.bin\n\np\n10\na, 0, 1, 1", 1, "init data files"),
    ])
    func refusesBadConfigurations(text: String, line: Int, message: String) {
        #expect {
            try WorkloadConfig(parsing: text)
        } throws: { error in
            guard let error = error as? WorkloadConfigError else { return false }
            return error.line == line && error.message.contains(message)
        }
    }

    @Test func groundTruthLines() {
        #expect(GroundTruth.regionLine(name: "s0", start: 0x1000, end: 0x2000) == "region s0 1000 2000")
        #expect(GroundTruth.phaseLine(index: 3, name: "s2 phase", start: 5, end: 9, touched: ["s2"]) == "phase 3 s2_phase 5 9 s2")
    }
}
