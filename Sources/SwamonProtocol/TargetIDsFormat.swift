public import SwamonCore

/// `target_ids`: pids separated by white space, or the single word `paddr`.
public enum TargetIDsFormat {
    public enum Input: Equatable, Sendable {
        /// Physical address space monitoring: one target, read back as 42.
        case paddr
        /// Process ids as written (possibly none, which clears the targets).
        case pids([Int64])
    }

    /// The id a `paddr` target reads back as.
    public static let paddrTargetID: Target.ID = 42

    /// Parses like the kernel's `str_to_ints` (`"%d%n"` in a loop): numbers until the first thing
    /// that is not one (`123abc` gives 123; `abc 2 3` gives none).
    public static func parse(_ content: String) throws(ControlError) -> Input {
        if content.trimmingTrailingSpaces() == "paddr" { return .paddr }
        var scanner = KernelScanner(content)
        var pids: [Int64] = []
        while let pid = try scanner.signed() {
            pids.append(pid)
        }
        return .pids(pids)
    }

    public static func render(_ ids: [Target.ID]) -> String {
        ids.map(String.init).joined(separator: " ") + "\n"
    }
}

extension String {
    func trimmingTrailingSpaces() -> Substring {
        var end = endIndex
        while end > startIndex, let scalar = self[index(before: end)].asciiValue, KernelScanner.isSpace(scalar) {
            end = index(before: end)
        }
        return self[..<end]
    }
}
