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
        let ids = try targetIDs(k, doing)
        c.targets = ids.map { c.operations == "paddr" ? StagedTarget(pid: 0) : StagedTarget(pid: Int32(truncatingIfNeeded: $0)) }
        // Readable only while the context is stopped (EBUSY otherwise): then no regions.
        if let text = try? link.send(.read(path(k, .initRegions))),
            let regions = try? InitRegionsFormat.parse(text, targetIDs: ids)
        {
            for (t, ranges) in regions.enumerated() { c.targets[t].regions = ranges.map { StagedRange(min: $0.start, max: $0.end) } }
        }
        let schemes = try ask(.read(path(k, .schemes)), doing)
        guard let parsed = try? SchemesFormat.parse(SchemesFormat.inputs(ofReadBack: schemes)) else {
            report("\(doing): its schemes could not be read back")
            throw Errno.ioError
        }
        c.schemes = parsed.map(StagedScheme.init)
        return c
    }
}
