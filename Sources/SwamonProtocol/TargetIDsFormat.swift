public import SwamonCore

/// `target_ids`: pids separated by white space, the single word `paddr`, or (swamond) one
/// systemd unit or control group: `unit:NAME.service`, `cgroup:/PATH`.
public enum TargetIDsFormat {
    public enum Input: Equatable, Sendable {
        /// Physical address space monitoring: one target, read back as 42.
        case paddr
        /// Process ids as written (possibly none, which clears the targets).
        case pids([Int64])
        /// Every process of a systemd unit's control group (`unit:NAME`), followed as it changes.
        case unit(String)
        /// Every process of a control group given by its path (`cgroup:/PATH`).
        case cgroup(String)

        /// The word it reads back as.
        public var word: String? {
            switch self {
            case .unit(let name): "unit:\(name)"
            case .cgroup(let path): "cgroup:\(path)"
            case .paddr, .pids: nil
            }
        }
    }

    /// Unit names systemd could have: letters, digits and `:-_.\@`, a name before the suffix,
    /// and a suffix whose units hold processes (`.service`, `.scope`, `.slice`). At most 255 bytes.
    public static func isUnitName(_ name: Substring) -> Bool {
        guard name.utf8.count <= 255, let dot = name.lastIndex(of: "."), dot > name.startIndex,
            [".service", ".scope", ".slice"].contains(String(name[dot...]))
        else { return false }
        return name.utf8.allSatisfy { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || ":-_.\\@".utf8.contains(byte)
        }
    }

    /// Control-group paths: absolute, components without `.`/`..`, empty parts or control
    /// characters; at most 4096 bytes. `/` alone is the whole machine and is refused.
    public static func isControlGroupPath(_ path: Substring) -> Bool {
        guard path.hasPrefix("/"), path.utf8.count <= 4096 else { return false }
        let parts = path.dropFirst().split(separator: "/", omittingEmptySubsequences: false)
        return !parts.isEmpty && parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".." && part.utf8.allSatisfy { $0 > 0x20 && $0 != 0x7F }
        }
    }

    /// The id a `paddr` target reads back as.
    public static let paddrTargetID: Target.ID = 42

    /// Parses like the kernel's `str_to_ints` (`"%d%n"` in a loop): numbers until the first thing
    /// that is not one (`123abc` gives 123; `abc 2 3` gives none).
    public static func parse(_ content: String) throws(ControlError) -> Input {
        let word = content.trimmingTrailingSpaces().drop { $0 == " " || $0 == "\t" || $0 == "\n" }
        if word == "paddr" { return .paddr }
        if word.hasPrefix("unit:") {
            let name = word.dropFirst(5)
            guard isUnitName(name) else {
                throw ControlError(.EINVAL, "'\(name.prefix(80))' is not a unit name: NAME.service, NAME.scope or NAME.slice")
            }
            return .unit(String(name))
        }
        if word.hasPrefix("cgroup:") {
            let path = word.dropFirst(7)
            guard isControlGroupPath(path) else {
                throw ControlError(.EINVAL, "'\(path.prefix(80))' is not a control group path: /system.slice/NAME.service, without . or ..")
            }
            return .cgroup(String(path))
        }
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
