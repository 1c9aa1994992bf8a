/// A small seedable generator (Vigna's SplitMix64) so that split points, and therefore whole
/// monitoring runs, are reproducible from a seed.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// A uniform draw in `[0, bound)` by one 64-bit multiply (Lemire's method without the rejection
/// step: the bias is below `bound / 2^64`). Calls the generator's `next()` only, so it stays cheap
/// through an existential. The kernel's `damon_rand` draws 32 bits and so cannot reach beyond
/// 4 GiB into a region; this draws 64.
@inlinable
public func randomBelow(_ bound: UInt64, using random: inout some RandomNumberGenerator) -> UInt64 {
    random.next().multipliedFullWidth(by: bound).high
}

/// A uniform random address in `[range.start, range.end)` (DAMON: `damon_rand(start, end)`).
@inlinable
public func randomAddress(in range: AddressRange, using random: inout some RandomNumberGenerator) -> UInt64 {
    range.start + randomBelow(range.size, using: &random)
}
