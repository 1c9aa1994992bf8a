public import SwamonCore
import SystemPackage

/// The `soft_dirty` backend: `clear_refs` 4 clears the soft-dirty bits of the whole process at
/// the start of a sample; one sampling interval later bit 55 of each sampled page's pagemap entry
/// says whether it was written since. Sees writes only.
public final class SoftDirtyAccessCheck: AccessCheck {
    let pageSize: UInt64

    public init(pageSize: UInt64 = Syscalls.pageSize) {
        self.pageSize = pageSize
    }

    public func prepare(_ process: any ProcessFiles, addresses: [UInt64]) {
        process.writeControl("clear_refs", "4")
    }

    public func check(_ process: any ProcessFiles, addresses: [UInt64]) -> [PageAccess]? {
        guard let pagemap = process.wordFile("pagemap"), !process.hasExited else { return nil }
        return pagemap.pagemapEntries(addresses, pageSize: pageSize).map {
            PageAccess(accessed: $0?.isSoftDirty ?? false, pageSize: pageSize)
        }
    }
}
