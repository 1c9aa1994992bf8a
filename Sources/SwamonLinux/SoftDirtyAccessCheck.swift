public import SwamonCore
import SystemPackage

/// The `soft_dirty` backend: `clear_refs` 4 clears the soft-dirty bits of the whole process at
/// the start of a sample; one sampling interval later bit 55 of each sampled page's pagemap entry
/// says whether it was written since. Sees writes only.
public final class SoftDirtyAccessCheck: AccessCheck {
    let pageSize = Syscalls.pageSize

    public init() {}

    public func prepare(_ process: MonitoredProcess, addresses: [UInt64]) {
        _ = try? process.file("clear_refs", .writeOnly)?.writeText("4")
    }

    public func check(_ process: MonitoredProcess, addresses: [UInt64]) -> [PageAccess]? {
        guard let pagemap = try? process.file("pagemap", .readOnly), !process.hasExited else { return nil }
        return pagemap.pagemapEntries(addresses, pageSize: pageSize).map {
            PageAccess(accessed: $0?.isSoftDirty ?? false, pageSize: pageSize)
        }
    }
}
