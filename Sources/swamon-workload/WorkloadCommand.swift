import ArgumentParser
import Glibc

/// A process with a known access pattern: a hot mapping it writes to continuously and a cold
/// mapping it touches once and then never again. The two are separate VMAs (a PROT_NONE guard
/// page keeps the kernel from merging them), so even the VMA-granular `referenced` backend can
/// tell them apart. Prints one line with its pid and both ranges once they are resident.
@main
struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamon-workload",
        abstract: "Run a process with a hot and a cold memory range, for monitoring tests."
    )

    @Option(name: .customLong("hot-mib"), help: "Size of the range written continuously, in MiB.")
    var hotMiB: Int = 8

    @Option(name: .customLong("cold-mib"), help: "Size of the range touched once and then left alone, in MiB.")
    var coldMiB: Int = 64

    @Option(help: "Exit after this many seconds (0 = run until killed).")
    var seconds: Double = 0

    func run() throws {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let hotBytes = hotMiB << 20
        let coldBytes = coldMiB << 20
        // [hot][guard][cold][guard]: the PROT_NONE pages keep the cold range from merging with the
        // hot one or with the mapping above it into one VMA (the referenced backend sees VMAs).
        let total = hotBytes + page + coldBytes + page
        guard let base = mmap(nil, total, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            base != MAP_FAILED
        else { throw ValidationError("cannot map \(total) bytes") }
        let bytes = base.assumingMemoryBound(to: UInt8.self)
        mprotect(base + hotBytes, page, PROT_NONE)
        mprotect(base + total - page, page, PROT_NONE)
        let hotStart = UInt(bitPattern: base)
        let coldStart = hotStart + UInt(hotBytes + page)
        for offset in stride(from: 0, to: hotBytes, by: page) { bytes[offset] = 1 }
        for offset in stride(from: hotBytes + page, to: total - page, by: page) { bytes[offset] = 1 }
        print(
            "ready pid \(getpid()) hot \(hex(hotStart))-\(hex(hotStart + UInt(hotBytes)))"
                + " cold \(hex(coldStart))-\(hex(coldStart + UInt(coldBytes)))")
        fflush(nil)

        var deadline = timespec()
        clock_gettime(CLOCK_MONOTONIC, &deadline)
        let end = Double(deadline.tv_sec) + Double(deadline.tv_nsec) / 1e9 + seconds
        var round: UInt8 = 0
        while true {
            round &+= 1
            for offset in stride(from: 0, to: hotBytes, by: page) { bytes[offset] = round }
            if seconds > 0 {
                var now = timespec()
                clock_gettime(CLOCK_MONOTONIC, &now)
                if Double(now.tv_sec) + Double(now.tv_nsec) / 1e9 >= end { return }
            }
            usleep(1000)
        }
    }

    func hex(_ value: UInt) -> String { String(value, radix: 16) }
}
