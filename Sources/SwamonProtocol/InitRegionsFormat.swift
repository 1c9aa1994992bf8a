public import SwamonCore

/// `init_regions`: `<target id> <start> <end>` triplets (Linux 5.16 format: the target's id,
/// not its index), separated by any white space.
public enum InitRegionsFormat {
    /// Parses triplets until the first incomplete one and checks them against the targets, as
    /// `add_init_region()` does: start < end, a known target id, and per target sorted and not
    /// overlapping. Returns the regions per target index.
    public static func parse(_ content: String, targetIDs: [Target.ID]) throws(ControlError) -> [[AddressRange]] {
        var scanner = KernelScanner(content)
        var perTarget = Array(repeating: [AddressRange](), count: targetIDs.count)
        while let triplet = try scanner.unsignedRecord(3) {
            let (id, start, end) = (triplet[0], triplet[1], triplet[2])
            guard start < end else {
                throw ControlError(.EINVAL, "init region \(start)-\(end) of target \(id): start must be below end")
            }
            let indices = targetIDs.indices.filter { targetIDs[$0] == id }
            guard !indices.isEmpty else {
                throw ControlError(.EINVAL, "init region \(start)-\(end): no target has id \(id); write target_ids first")
            }
            for index in indices {
                if let previous = perTarget[index].last, previous.end > start {
                    throw ControlError(
                        .EINVAL,
                        "init region \(start)-\(end) of target \(id) overlaps or precedes \(previous.start)-\(previous.end): give each target's regions sorted"
                    )
                }
                perTarget[index].append(AddressRange(start, end))
            }
        }
        return perTarget
    }

    public static func render(targetIDs: [Target.ID], regions: [[AddressRange]]) -> String {
        var text = ""
        for (id, ranges) in zip(targetIDs, regions) {
            for range in ranges { text += "\(id) \(range.start) \(range.end)\n" }
        }
        return text
    }
}
