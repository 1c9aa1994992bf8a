/// A region a scheme was about to apply its action to, as the kernel's `before_damos_apply`
/// callback sees it: after the access pattern, the quota's score cut-off and the quota split,
/// before the action (so its age is not yet reset). What the sysfs `tried_regions` directories
/// hold after `update_schemes_tried_regions`.
public struct TriedRegion: Equatable, Sendable {
    public var scheme: Int
    public var targetID: Target.ID
    public var range: AddressRange
    public var accessCount: UInt32
    public var age: UInt32

    public init(scheme: Int, targetID: Target.ID, range: AddressRange, accessCount: UInt32, age: UInt32) {
        self.scheme = scheme
        self.targetID = targetID
        self.range = range
        self.accessCount = accessCount
        self.age = age
    }
}
