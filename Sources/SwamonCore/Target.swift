/// A monitoring target (DAMON: `struct damon_target`): a process id for `vaddr`/`fvaddr`, the
/// fixed id 42 for `paddr`. Its regions stay sorted by address and never overlap.
public struct Target: Equatable, Sendable {
    public typealias ID = UInt64

    public var id: ID
    public var regions: [Region]

    public init(id: ID, regions: [Region] = []) {
        self.id = id
        self.regions = regions
    }

    /// Sum of the sizes of all regions.
    public var totalBytes: UInt64 { regions.reduce(0) { $0 + $1.size } }
}
