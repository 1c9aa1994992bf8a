/// The access patterns DAMON's own accuracy tests use (damon-tests `corr/`, masim's
/// `stairs_30secs.cfg` and `zigzag_30secs.cfg`) and the hot/cold split of the tier-3 tests.
public enum BuiltinPattern: String, CaseIterable, Sendable {
    /// Ten 10 MB regions: 5 s touching all, then 2.5 s on each in turn (expected p50 working
    /// set: 10 MB).
    case stairs
    /// Two 100 MB regions: 5 s touching both, then 2.5 s on each, alternating (expected p50
    /// working set: 100 MB).
    case zigzag
    /// A hot region written all the time and a cold one never touched after it is populated.
    case hotCold = "hot-cold"
    /// Three 64 MiB regions in which a fixed, randomly placed 10 %, 25 % and 50 % of the pages
    /// are written all the time and the rest never: no region boundary can separate hot from
    /// cold, so a region's access count estimates the share of its pages that are hot.
    case partialHot = "partial-hot"

    /// `hotMiB` and `coldMiB` size the hot/cold split; the other patterns have fixed sizes.
    public func config(hotMiB: Int = 64, coldMiB: Int = 448) -> WorkloadConfig {
        typealias Access = WorkloadConfig.Access
        switch self {
        case .stairs:
            let regions = (0..<10).map { WorkloadConfig.Region(name: "s\($0)", size: 10_000_000) }
            let all = WorkloadConfig.Phase(
                name: "initial phase", milliseconds: 5000,
                accesses: regions.indices.map { Access(region: $0, random: false, stride: 4096, weight: 1) })
            let steps = regions.indices.map {
                WorkloadConfig.Phase(
                    name: "s\($0) phase", milliseconds: 2500, accesses: [Access(region: $0, random: false, stride: 4096, weight: 1)])
            }
            return WorkloadConfig(regions: regions, phases: [all] + steps)
        case .zigzag:
            let regions = ["a", "b"].map { WorkloadConfig.Region(name: $0, size: 100_000_000) }
            let both = WorkloadConfig.Phase(
                name: "initial phase", milliseconds: 5000,
                accesses: [Access(region: 0, random: false, stride: 4096, weight: 1), Access(region: 1, random: false, stride: 4096, weight: 1)])
            let alternating = (0..<6).flatMap { round in
                (0..<2).map { region in
                    WorkloadConfig.Phase(
                        name: "\(region == 0 ? "low" : "high") phase \(round)", milliseconds: 2500,
                        accesses: [Access(region: region, random: false, stride: 4096, weight: 1)])
                }
            }
            return WorkloadConfig(regions: regions, phases: [both] + alternating)
        case .hotCold:
            let regions = [
                WorkloadConfig.Region(name: "hot", size: hotMiB << 20), WorkloadConfig.Region(name: "cold", size: coldMiB << 20),
            ]
            let phase = WorkloadConfig.Phase(
                name: "hot only", milliseconds: 3_600_000, accesses: [Access(region: 0, random: false, stride: 4096, weight: 1, mode: .writeOnly)])
            return WorkloadConfig(regions: regions, phases: [phase])
        case .partialHot:
            let shares = [100, 250, 500]
            let regions = shares.map { WorkloadConfig.Region(name: "p\($0 / 10)", size: 64 << 20) }
            let phase = WorkloadConfig.Phase(
                name: "partial hot", milliseconds: 3_600_000,
                accesses: shares.indices.map {
                    Access(region: $0, random: false, stride: 4096, weight: shares[$0], mode: .writeOnly, pagePermil: shares[$0])
                })
            return WorkloadConfig(regions: regions, phases: [phase])
        }
    }
}
