import ArgumentParser
import Glibc
import SwamonCore
import SwamonLinux
import SwamonWorkload

/// Maps a configuration's regions and runs its phases on the calling thread.
final class AccessRunner {
    struct Placed {
        var name: String
        var start: UInt64
        var end: UInt64
        var base: UnsafeMutablePointer<UInt8>
        var size: Int
    }

    let config: WorkloadConfig
    let defaultMode: WorkloadConfig.AccessMode
    let layout: [Placed]
    let groundTruth: UnsafeMutablePointer<FILE>?
    /// Keeps loads from being optimised away; printed nowhere.
    var sink: UInt64 = 0
    var random = SplitMix64(seed: UInt64(getpid()))
    /// Pause after each full pass of a sequential access, so a test workload does not fill a CPU.
    var restMicroseconds: UInt32 = 0
    /// Full sequential passes over any region so far; written to `passesFile` after each one.
    var passes: UInt64 = 0
    var passesFile: Int32 = -1
    /// The page offsets of each access that touches a share of its region's pages, by phase and
    /// access index: made once, before the first phase.
    var pageSets: [[[Int]?]] = []

    /// Maps every region with a guard page on each side and writes each of its pages once.
    init(config: WorkloadConfig, defaultMode: WorkloadConfig.AccessMode, groundTruthPath: String?) throws {
        self.config = config
        self.defaultMode = defaultMode
        let page = Int(Syscalls.pageSize)
        let sizes = config.regions.map { ($0.size + page - 1) / page * page }
        let total = sizes.reduce(page) { $0 + $1 + page }
        guard let mapping = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), mapping != MAP_FAILED else {
            throw ValidationError("cannot map \(total) bytes")
        }
        let bytes = mapping.assumingMemoryBound(to: UInt8.self)
        var offset = 0
        var placed: [Placed] = []
        mprotect(mapping, page, PROT_NONE)
        offset += page
        for (region, size) in zip(config.regions, sizes) {
            let base = bytes + offset
            for page in stride(from: 0, to: size, by: page) { base[page] = 1 }
            let start = UInt64(UInt(bitPattern: base))
            placed.append(Placed(name: region.name, start: start, end: start + UInt64(region.size), base: base, size: region.size))
            offset += size
            mprotect(bytes + offset, page, PROT_NONE)
            offset += page
        }
        layout = placed
        pageSets = config.phases.map { phase in
            phase.accesses.map { access in
                access.pagePermil.map { WorkloadConfig.sharedPages(regionSize: placed[access.region].size, region: access.region, permil: $0, pageSize: page) }
            }
        }
        if let groundTruthPath {
            guard let file = fopen(groundTruthPath, "w") else {
                throw ValidationError("cannot write \(groundTruthPath): \(String(cString: strerror(errno)))")
            }
            groundTruth = file
            for region in placed { record(GroundTruth.regionLine(name: region.name, start: region.start, end: region.end)) }
            for phase in config.phases {
                for access in phase.accesses {
                    if let permil = access.pagePermil { record(GroundTruth.shareLine(name: placed[access.region].name, permil: permil)) }
                }
            }
        } else {
            groundTruth = nil
        }
    }

    func record(_ line: String) {
        guard let groundTruth else { return }
        fputs(line + "\n", groundTruth)
        fflush(groundTruth)
    }

    /// Runs the phases `rounds` times (0: forever), stopping early after `seconds` (0: no limit).
    func run(rounds: Int, seconds: Double) {
        let deadline = seconds > 0 ? Syscalls.monotonicNanoseconds() + UInt64(seconds * 1e9) : UInt64.max
        var cursors = [Int](repeating: 0, count: layout.count)
        var index = 0
        var round = 0
        while rounds == 0 || round < rounds {
            for (p, phase) in config.phases.enumerated() {
                let start = Syscalls.monotonicNanoseconds()
                let end = min(start + UInt64(phase.milliseconds) * 1_000_000, deadline)
                let totalWeight = phase.accesses.reduce(0) { $0 + $1.weight }
                while Syscalls.monotonicNanoseconds() < end {
                    var pick = Int(randomBelow(UInt64(totalWeight), using: &random))
                    let a = phase.accesses.firstIndex { access in
                        if pick < access.weight { return true }
                        pick -= access.weight
                        return false
                    }!
                    accessBatch(phase.accesses[a], pages: pageSets[p][a], cursor: &cursors[phase.accesses[a].region])
                }
                let finished = Syscalls.monotonicNanoseconds()
                record(GroundTruth.phaseLine(
                    index: index, name: phase.name, start: start, end: finished,
                    touched: phase.touchedRegions.map { layout[$0].name }))
                index += 1
                if finished >= deadline { return }
            }
            round += 1
        }
    }

    /// One batch of accesses to a region: 256 touches, then the caller looks at the clock again.
    /// With `pages` (a page share), each touch is one of those pages, in turn or at random.
    func accessBatch(_ access: WorkloadConfig.Access, pages: [Int]?, cursor: inout Int) {
        let region = layout[access.region]
        let mode = access.mode ?? defaultMode
        for _ in 0..<256 {
            let offset: Int
            if let pages {
                guard !pages.isEmpty else { return }
                if access.random {
                    offset = pages[Int(randomBelow(UInt64(pages.count), using: &random))]
                } else {
                    offset = pages[cursor % pages.count]
                    cursor = (cursor + 1) % pages.count
                    if cursor == 0 {
                        passes += 1
                        if restMicroseconds > 0 { usleep(restMicroseconds) }
                    }
                }
            } else if access.random {
                offset = Int(randomBelow(UInt64(region.size), using: &random))
            } else {
                offset = cursor
                cursor += access.stride
                if cursor >= region.size {
                    cursor = 0
                    passes += 1
                    if passesFile >= 0 {
                        let text = Array("\(passes)\n".utf8)
                        _ = text.withUnsafeBytes { pwrite(passesFile, $0.baseAddress, $0.count, 0) }
                    }
                    if restMicroseconds > 0 { usleep(restMicroseconds) }
                }
            }
            switch mode {
            case .readOnly: sink &+= UInt64(region.base[offset])
            case .writeOnly: region.base[offset] = UInt8(truncatingIfNeeded: offset)
            case .readWrite:
                sink &+= UInt64(region.base[offset])
                region.base[offset] = UInt8(truncatingIfNeeded: sink)
            }
        }
    }

    deinit {
        if let groundTruth { fclose(groundTruth) }
    }
}

