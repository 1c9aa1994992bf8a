import SwamonCore
import SwamonProtocol
public import SystemPackage

extension SysfsTree {
    /// Rebuilds the tree from swamond: kdamonds 0, 1, … for the contexts `kdamond0`,
    /// `kdamond1`, … that exist, each with its context's operations, attrs, targets, init
    /// regions (only readable while stopped) and schemes. Runs at mount, so a tree mounted
    /// anew (each `swamonctl damo`) shows what an earlier one started.
    public func load() throws(Errno) {
        let status = try ask(.status, "status")
        let names = Set(status.split(separator: "\n").compactMap { line -> Substring? in
            guard line.hasPrefix("context=") else { return nil }
            return line.dropFirst("context=".count).split(separator: " ").first
        })
        kdamonds = []
        while names.contains(Substring(Self.contextName(kdamonds.count))) {
            let k = kdamonds.count
            kdamonds.append(StagedKdamond())
            kdamonds[k].contexts = [try loadContext(k)]
        }
    }

    func loadContext(_ k: Int) throws(Errno) -> StagedContext {
        var c = StagedContext()
        let doing = "reading context \(Self.contextName(k))"
        c.operations = firstLine(try ask(.read(path(k, .operations)), doing))
        do {
            let a = try AttrsFormat.parse(try ask(.read(path(k, .attrs)), doing))
            (c.sampleMicroseconds, c.aggregationMicroseconds, c.updateMicroseconds) = (a.sampleInterval, a.aggregationInterval, a.updateInterval)
            c.regionsRange = StagedRange(min: a.minRegions, max: a.maxRegions)
        } catch {
            throw Errno.ioError
        }
        let ids = try ask(.read(path(k, .targetIDs)), doing).split(whereSeparator: { $0 == " " || $0 == "\n" })
        c.targets = ids.compactMap { Int32($0) }.map { c.operations == "paddr" ? StagedTarget(pid: 0) : StagedTarget(pid: $0) }
        if let initRegions = try? link.send(.read(path(k, .initRegions))) {
            for line in initRegions.split(separator: "\n") {
                let fields = line.split(separator: " ")
                guard fields.count == 3, let start = UInt64(fields[1]), let end = UInt64(fields[2]),
                    let t = ids.firstIndex(of: fields[0]), t < c.targets.count
                else { continue }
                c.targets[t].regions.append(StagedRange(min: start, max: end))
            }
        }
        for line in try ask(.read(path(k, .schemes)), doing).split(separator: "\n") {
            let n = line.split(separator: " ").compactMap { UInt64($0) }
            guard n.count >= 18 else { continue }
            var s = StagedScheme()
            s.size = StagedRange(min: n[0], max: n[1])
            s.accesses = StagedRange(min: n[2], max: n[3])
            s.age = StagedRange(min: n[4], max: n[5])
            s.action = SchemeActions.name(Int(n[6])) ?? "stat"
            (s.quotaMilliseconds, s.quotaBytes, s.quotaResetMilliseconds) = (n[7], n[8], n[9])
            (s.weightSize, s.weightAccesses, s.weightAge) = (UInt32(truncatingIfNeeded: n[10]), UInt32(truncatingIfNeeded: n[11]), UInt32(truncatingIfNeeded: n[12]))
            s.watermarkMetric = n[13] == 1 ? "free_mem_rate" : "none"
            (s.watermarkInterval, s.watermarkHigh, s.watermarkMid, s.watermarkLow) = (n[14], n[15], n[16], n[17])
            c.schemes.append(s)
        }
        return c
    }
}
