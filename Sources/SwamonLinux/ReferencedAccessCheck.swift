public import SwamonCore
import SystemPackage

/// The `referenced` backend: `clear_refs` 1 clears the Accessed bits of the whole process at the
/// start of a sample; one sampling interval later `Referenced:` of the VMA holding each sampled
/// address says whether any page of that VMA was touched since. Works on any kernel, but only
/// at VMA granularity, and costs a whole-process page-table walk per sample (O(RSS)).
public final class ReferencedAccessCheck: AccessCheck, Sendable {
    public init() {}

    public func prepare(_ process: any ProcessFiles, addresses: [UInt64]) {
        process.writeControl("clear_refs", "1")
    }

    public func check(_ process: any ProcessFiles, addresses: [UInt64]) -> [PageAccess]? {
        guard let smaps = process.read("smaps") else { return nil }
        let areas = ProcSmaps.areas(smaps)
        return addresses.map { address in
            var low = 0
            var high = areas.count
            while low < high {
                let mid = (low + high) / 2
                if areas[mid].range.end <= address { low = mid + 1 } else { high = mid }
            }
            let accessed = low < areas.count && areas[low].range.contains(address) && areas[low].referencedKiB > 0
            return PageAccess(accessed: accessed, pageSize: 4096)
        }
    }
}
