/// DAMOS prioritisation scores (DAMON: `mm/damon/ops-common.c`), 0...99, higher first.
public enum SchemeScore {
    /// DAMOS_MAX_SCORE.
    public static let maxScore: UInt32 = 99
    static let maxSubscore = 100
    static let maxAgeInLog = 32

    /// `damon_hot_score`: access frequency and age, weighted by the quota's weights. A region
    /// never accessed counts as colder the older it is.
    public static func hot(_ region: Region, attributes: Attributes, quota: Scheme.Quota) -> UInt32 {
        let frequencyWeight = Int(quota.weightAccesses)
        let ageWeight = Int(quota.weightAge)
        let frequency = Int(region.accessCount) * maxSubscore / Int(max(attributes.maxAccessCount, 1))
        var ageInSeconds = multipliedDivided(UInt64(region.age), by: attributes.aggregationInterval, over: 1_000_000)
        var ageInLog = 0
        while ageInLog < maxAgeInLog && ageInSeconds != 0 {
            ageInLog += 1
            ageInSeconds >>= 1
        }
        if frequency == 0 { ageInLog = -ageInLog }
        // From [-32, 32] to [0, 100].
        let ageSubscore = (ageInLog + maxAgeInLog) * maxSubscore / maxAgeInLog / 2
        var hotness = frequencyWeight * frequency + ageWeight * ageSubscore
        if frequencyWeight + ageWeight != 0 { hotness /= frequencyWeight + ageWeight }
        return UInt32(clamping: hotness * Int(maxScore) / maxSubscore)
    }

    /// `damon_cold_score`: DAMOS_MAX_SCORE minus the hot score.
    public static func cold(_ region: Region, attributes: Attributes, quota: Scheme.Quota) -> UInt32 {
        maxScore - hot(region, attributes: attributes, quota: quota)
    }

    /// The score a scheme ranks regions by: cold for `pageout` and `cold` (the kernel's vaddr
    /// uses it for pageout, paddr for every "make colder" action), hot for `willneed` and
    /// `collapse` (paddr's rule for "make hotter"), the maximum for the rest.
    public static func of(_ region: Region, for scheme: Scheme, attributes: Attributes) -> UInt32 {
        switch scheme.action {
        case .pageout, .cold: cold(region, attributes: attributes, quota: scheme.quota)
        case .willneed, .collapse: hot(region, attributes: attributes, quota: scheme.quota)
        case .hugepage, .nohugepage, .stat: maxScore
        }
    }
}
