/// Files of the root directory only (context 0's directory is the root).
public enum RootFile: String, Sendable, CaseIterable {
    case monitorOn = "monitor_on"
    case mkContexts = "mk_contexts"
    case rmContexts = "rm_contexts"
}

/// Files of every context directory: the debugfs ones and swamond's additions.
public enum ContextFile: String, Sendable, CaseIterable {
    case attrs
    case targetIDs = "target_ids"
    case initRegions = "init_regions"
    case schemes
    case kdamondPID = "kdamond_pid"
    case regions
    case operations
    case accessCheck = "access_check"
    /// How sampled pages are chosen (swamond): `auto`, `random` (the kernel's) or `sparse`.
    case sampling
    /// DAMOS statistics per scheme (swamond; the sysfs `stats` directory's five counters).
    case schemesStats = "schemes_stats"
    /// Online tuning (the sysfs `commit`): write-only.
    case commitAttrs = "commit_attrs"
    case commitSchemes = "commit_schemes"
    /// This context alone on or off (the sysfs kdamond `state`): `monitor_on` for one context.
    case state
    /// The regions each scheme tries at the context's next aggregation (the sysfs
    /// `update_schemes_tried_regions`): read-only, answered after that aggregation.
    case schemesTriedRegions = "schemes_tried_regions"

    /// Files a write can never change (the kernel's read-only `kdamond_pid`, swamond's `regions`,
    /// `schemes_stats` and `schemes_tried_regions`).
    public var isReadOnly: Bool { self == .kdamondPID || self == .regions || self == .schemesStats || self == .schemesTriedRegions }
    /// Files a read can never show.
    public var isWriteOnly: Bool { self == .commitAttrs || self == .commitSchemes }
}

/// Context names: 1–64 characters of `[a-z0-9_-]` starting with a letter, not a file name, and
/// not `root`, which names context 0 wherever a name is printed.
public enum ContextName {
    public static let root = "root"

    public static func validate(_ name: Substring) throws(ControlError) {
        let isFileName = RootFile(rawValue: String(name)) != nil || ContextFile(rawValue: String(name)) != nil
        if isFileName || name == root {
            throw ControlError(.EINVAL, "'\(name)' names a file or the root context, not a context")
        }
        let allowed = name.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || ($0 >= 0x30 && $0 <= 0x39) || $0 == 0x5F || $0 == 0x2D }
        guard (1...64).contains(name.utf8.count), allowed, let first = name.utf8.first, first >= 0x61 && first <= 0x7A
        else {
            throw ControlError(
                .EINVAL, "invalid context name '\(name.prefix(80))': use 1-64 of a-z 0-9 _ -, starting with a letter")
        }
    }

    /// The first word of an `mk_contexts`/`rm_contexts` write (the kernel's `sscanf("%s")`).
    public static func firstWord(of content: String) throws(ControlError) -> Substring {
        var scanner = KernelScanner(content)
        guard let word = scanner.word() else { throw ControlError(.EINVAL, "no context name given") }
        return word
    }
}

/// `monitor_on`: `on` or `off` (the first word, matched exactly).
public enum MonitorOnFormat {
    public static func parse(_ content: String) throws(ControlError) -> Bool {
        var scanner = KernelScanner(content)
        switch scanner.word() {
        case "on": return true
        case "off": return false
        default: throw ControlError(.EINVAL, "write 'on' or 'off'")
        }
    }

    public static func render(running: Bool) -> String { running ? "on\n" : "off\n" }
}
