// The least work idle page tracking allows, as a yardstick for swamond's page_idle backend: a
// fixed set of equal regions over one address range of a process, and per region and sample one
// pagemap read, one single-bit bitmap write and, one sampling interval later, one bitmap read.
// No adaptive regions, no framework. Prints the CPU time it used and the samples it took after
// the first WARM seconds (default 0) when done.
// MODE `reads` (default `full`) is the floor of any page_idle monitor that checks every region
// every sample: each region's frame is looked up once, and a sample is only the one bitmap read
// per region (no pagemap read, no mark; nothing is ever marked idle, so no read walks a frame).
//   usage: swamon-minimal-sampler PID START-END REGIONS SAMPLE_US SECONDS [WARM [MODE]]
import Glibc

func fail(_ message: String, status: Int32) -> Never {
    _ = message.withCString { write(2, $0, strlen($0)) }
    exit(status)
}

let arguments = CommandLine.arguments
guard (6...8).contains(arguments.count), let pid = Int32(arguments[1]), let regions = Int(arguments[3]), regions > 0,
    let sampleMicroseconds = UInt32(arguments[4]), let seconds = Double(arguments[5])
else {
    fail("usage: swamon-minimal-sampler PID START-END REGIONS SAMPLE_US SECONDS [WARM [full|reads]]\n", status: 2)
}
let warm = arguments.count >= 7 ? Double(arguments[6]) ?? 0 : 0
let readsOnly = arguments.count == 8 && arguments[7] == "reads"
guard arguments.count < 8 || ["full", "reads"].contains(arguments[7]) else { fail("MODE must be full or reads\n", status: 2) }
let bounds = arguments[2].split(separator: "-").compactMap { UInt64($0, radix: 16) }
guard bounds.count == 2, bounds[1] > bounds[0] else {
    fail("START-END must be two hex addresses\n", status: 2)
}
let pagemap = open("/proc/\(pid)/pagemap", O_RDONLY)
let bitmap = open("/sys/kernel/mm/page_idle/bitmap", O_RDWR)
guard pagemap >= 0, bitmap >= 0 else {
    fail("cannot open pagemap or the page_idle bitmap (errno \(errno))\n", status: 1)
}
let pageSize = UInt64(sysconf(Int32(_SC_PAGESIZE)))
let regionSize = (bounds[1] - bounds[0]) / UInt64(regions)
var frames = [UInt64](repeating: 0, count: regions)
var accessed = 0
var samples = 0
/// xorshift64*: a few instructions per draw and no system call (SystemRandomNumberGenerator makes
/// one getrandom(2) per draw).
struct XorShift {
    var state: UInt64
    mutating func next() -> UInt64 {
        state ^= state >> 12
        state ^= state << 25
        state ^= state >> 27
        return state &* 0x2545_F491_4F6C_DD1D
    }
}
var random = XorShift(state: UInt64(UInt32(bitPattern: getpid())) | 1)
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}
var start = timespec()
clock_gettime(CLOCK_MONOTONIC, &start)
var warmCPU = -1.0
var warmSamples = 0
while true {
    for r in 0..<regions where !readsOnly || samples == 0 {
        let address = bounds[0] + UInt64(r) * regionSize + random.next() % regionSize
        var entry: UInt64 = 0
        frames[r] = 0
        guard pread(pagemap, &entry, 8, off_t(address / pageSize * 8)) == 8, entry & (1 << 63) != 0 else { continue }
        frames[r] = entry & ((1 << 55) - 1)
        guard !readsOnly else { continue }
        var bit: UInt64 = 1 << (frames[r] % 64)
        _ = pwrite(bitmap, &bit, 8, off_t(frames[r] / 64 * 8))
    }
    usleep(sampleMicroseconds)
    for frame in frames where frame != 0 {
        var word: UInt64 = 0
        if pread(bitmap, &word, 8, off_t(frame / 64 * 8)) == 8, word & (1 << (frame % 64)) == 0 { accessed += 1 }
    }
    samples += 1
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    let elapsed = Double(now.tv_sec - start.tv_sec) + Double(now.tv_nsec - start.tv_nsec) / 1e9
    if warmCPU < 0 && elapsed >= warm {
        warmCPU = cpuSeconds()
        warmSamples = samples
    }
    if elapsed >= seconds { break }
}
let cpu = cpuSeconds() - max(warmCPU, 0)
let measured = samples - warmSamples
print("minimal-sampler regions \(regions) samples \(measured) accessed_samples \(accessed) cpu_s \(cpu) cpu_us_per_sample \(Int(cpu * 1e6 / Double(max(measured, 1))))")
