public import SystemPackage

extension SysfsTree {
    /// What is at `path` (relative to the mount point, e.g. `admin/kdamonds/0/state`), or
    /// `ENOENT`.
    public func node(_ path: String) throws(Errno) -> SysfsNode {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        var rest = parts[...]
        func next() -> Substring? { rest.popFirst() }
        guard let admin = next() else { return .directory(["admin"]) }
        guard admin == "admin" else { throw Errno.noSuchFileOrDirectory }
        guard let kdamondsDir = next() else { return .directory(["kdamonds"]) }
        guard kdamondsDir == "kdamonds" else { throw Errno.noSuchFileOrDirectory }
        guard let kName = next() else { return .directory(["nr_kdamonds"] + names(kdamonds.count)) }
        if kName == "nr_kdamonds" { return try leaf(.nrKdamonds, rest) }
        let k = try index(kName, below: kdamonds.count)
        guard let kEntry = next() else { return .directory(["state", "pid", "contexts"]) }
        switch kEntry {
        case "state": return try leaf(.state(k: k), rest)
        case "pid": return try leaf(.pid(k: k), rest)
        case "contexts": break
        default: throw Errno.noSuchFileOrDirectory
        }
        guard let cName = next() else { return .directory(["nr_contexts"] + names(kdamonds[k].contexts.count)) }
        if cName == "nr_contexts" { return try leaf(.nrContexts(k: k), rest) }
        let c = try index(cName, below: kdamonds[k].contexts.count)
        let context = kdamonds[k].contexts[c]
        guard let cEntry = next() else {
            return .directory(["avail_operations", "operations", "monitoring_attrs", "targets", "schemes"])
        }
        switch cEntry {
        case "avail_operations": return try leaf(.availableOperations(k: k), rest)
        case "operations": return try leaf(.operations(k: k), rest)
        case "monitoring_attrs":
            guard let group = next() else { return .directory(["intervals", "nr_regions"]) }
            if group == "intervals" {
                guard let file = next() else { return .directory(SysfsFile.Interval.allCases.map(\.rawValue)) }
                guard let interval = SysfsFile.Interval(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
                return try leaf(.interval(k: k, interval), rest)
            }
            guard group == "nr_regions" else { throw Errno.noSuchFileOrDirectory }
            guard let file = next() else { return .directory(SysfsFile.Bound.allCases.map(\.rawValue)) }
            guard let bound = SysfsFile.Bound(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.regionsBound(k: k, bound), rest)
        case "targets":
            guard let tName = next() else { return .directory(["nr_targets"] + names(context.targets.count)) }
            if tName == "nr_targets" { return try leaf(.nrTargets(k: k), rest) }
            let t = try index(tName, below: context.targets.count)
            guard let tEntry = next() else { return .directory(["pid_target", "regions"]) }
            if tEntry == "pid_target" { return try leaf(.pidTarget(k: k, t: t), rest) }
            guard tEntry == "regions" else { throw Errno.noSuchFileOrDirectory }
            let regions = context.targets[t].regions
            guard let rName = next() else { return .directory(["nr_regions"] + names(regions.count)) }
            if rName == "nr_regions" { return try leaf(.nrRegions(k: k, t: t), rest) }
            let r = try index(rName, below: regions.count)
            guard let file = next() else { return .directory(SysfsFile.RegionBound.allCases.map(\.rawValue)) }
            guard let bound = SysfsFile.RegionBound(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.regionBound(k: k, t: t, r: r, bound), rest)
        case "schemes":
            guard let sName = next() else { return .directory(["nr_schemes"] + names(context.schemes.count)) }
            if sName == "nr_schemes" { return try leaf(.nrSchemes(k: k), rest) }
            let s = try index(sName, below: context.schemes.count)
            return try schemeNode(k: k, s: s, context.schemes[s], &rest)
        default:
            throw Errno.noSuchFileOrDirectory
        }
    }

    private func schemeNode(k: Int, s: Int, _ scheme: StagedScheme, _ rest: inout ArraySlice<Substring>) throws(Errno) -> SysfsNode {
        guard let entry = rest.popFirst() else {
            return .directory(["action", "access_pattern", "quotas", "watermarks", "stats", "tried_regions"])
        }
        switch entry {
        case "action": return try leaf(.action(k: k, s: s), rest)
        case "access_pattern":
            guard let which = rest.popFirst() else { return .directory(SysfsFile.Pattern.allCases.map(\.rawValue)) }
            guard let pattern = SysfsFile.Pattern(rawValue: String(which)) else { throw Errno.noSuchFileOrDirectory }
            guard let file = rest.popFirst() else { return .directory(SysfsFile.Bound.allCases.map(\.rawValue)) }
            guard let bound = SysfsFile.Bound(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.pattern(k: k, s: s, pattern, bound), rest)
        case "quotas":
            guard let file = rest.popFirst() else { return .directory(SysfsFile.Quota.allCases.map(\.rawValue) + ["weights"]) }
            if file == "weights" {
                guard let weightFile = rest.popFirst() else { return .directory(SysfsFile.Weight.allCases.map(\.rawValue)) }
                guard let weight = SysfsFile.Weight(rawValue: String(weightFile)) else { throw Errno.noSuchFileOrDirectory }
                return try leaf(.weight(k: k, s: s, weight), rest)
            }
            guard let quota = SysfsFile.Quota(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.quota(k: k, s: s, quota), rest)
        case "watermarks":
            guard let file = rest.popFirst() else { return .directory(SysfsFile.Watermark.allCases.map(\.rawValue)) }
            guard let mark = SysfsFile.Watermark(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.watermark(k: k, s: s, mark), rest)
        case "stats":
            guard let file = rest.popFirst() else { return .directory(SysfsFile.Stat.allCases.map(\.rawValue)) }
            guard let stat = SysfsFile.Stat(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.stat(k: k, s: s, stat), rest)
        case "tried_regions":
            guard let name = rest.popFirst() else { return .directory(["total_bytes"] + scheme.tried.map { String($0.index) }) }
            if name == "total_bytes" { return try leaf(.triedTotalBytes(k: k, s: s), rest) }
            guard let number = Int(name), String(number) == name, scheme.tried.contains(where: { $0.index == number }) else {
                throw Errno.noSuchFileOrDirectory
            }
            guard let file = rest.popFirst() else { return .directory(SysfsFile.TriedField.allCases.map(\.rawValue)) }
            guard let field = SysfsFile.TriedField(rawValue: String(file)) else { throw Errno.noSuchFileOrDirectory }
            return try leaf(.tried(k: k, s: s, index: number, field), rest)
        default:
            throw Errno.noSuchFileOrDirectory
        }
    }

    /// A file, if nothing follows it in the path (a file is not a directory: `ENOTDIR`).
    private func leaf(_ file: SysfsFile, _ rest: ArraySlice<Substring>) throws(Errno) -> SysfsNode {
        guard rest.isEmpty else { throw Errno.notDirectory }
        return .file(file)
    }

    /// A numbered directory's name: decimal without leading zeros, below `count`.
    private func index(_ name: Substring, below count: Int) throws(Errno) -> Int {
        guard let value = Int(name), value >= 0, value < count, String(value) == name else { throw Errno.noSuchFileOrDirectory }
        return value
    }

    private func names(_ count: Int) -> [String] { (0..<count).map(String.init) }
}
