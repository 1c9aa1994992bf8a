import ArgumentParser
import Glibc
import SwamonWorkload

/// A masim-like workload: memory regions accessed in timed phases, for monitoring tests and
/// accuracy measurements. Each region is its own mapping (PROT_NONE guard pages between them keep
/// the kernel from merging them into one VMA, so even the VMA-granular `referenced` backend can
/// tell them apart), populated before the first phase. Prints "ready pid P NAME START-END …" once
/// every region is resident, then runs the phases.
@main
struct WorkloadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamon-workload",
        abstract: "Access memory in a known pattern (masim configuration format), for monitoring tests.",
        discussion: """
            Give a masim configuration file, or --pattern for a built-in one (stairs and zigzag are \
            masim's *_30secs configurations; hot-cold writes a hot region and leaves a cold one \
            alone, sized by --hot-mib and --cold-mib; partial-hot writes a fixed random 10 %, 25 % and \
            50 % of the pages of three 64 MiB regions). --print-config shows the chosen configuration.
            """
    )

    @Argument(help: "A masim configuration file.")
    var config: String?

    @Option(help: "A built-in pattern instead of a file: \(BuiltinPattern.allCases.map(\.rawValue).joined(separator: ", ")).")
    var pattern: String?

    @Option(name: .customLong("hot-mib"), help: "hot-cold: size of the hot region, in MiB (default 64; given without --pattern, it selects hot-cold).")
    var hotMiB: Int?

    @Option(name: .customLong("cold-mib"), help: "hot-cold: size of the cold region, in MiB (default 448).")
    var coldMiB: Int?

    @Option(help: "Run the phases this many times (0: until killed or --seconds).")
    var `repeat`: Int = 1

    @Option(help: "Exit after this many seconds however far the phases got (0: no limit).")
    var seconds: Double = 0

    @Option(name: .customLong("default-rw-mode"), help: "Access mode of access lines without one: ro, wo or rw.")
    var defaultMode: String = "wo"

    @Option(name: .customLong("rest-us"), help: "Sleep this long after each full pass of a sequential access (default: 1000 for the --hot-mib shortcut, else 0).")
    var restMicroseconds: UInt32?

    @Option(name: .customLong("ground-truth"), help: "Write the regions and each finished phase to this file.")
    var groundTruth: String?

    @Option(name: .customLong("passes-file"), help: "Keep the number of full sequential passes so far in this file (the workload's progress, for slowdown measurements).")
    var passesFile: String?

    @Flag(name: .customLong("print-config"), help: "Print the configuration in masim's format and exit.")
    var printConfig = false

    func validate() throws {
        if config != nil && pattern != nil { throw ValidationError("give a configuration file or --pattern, not both") }
        if WorkloadConfig.AccessMode(rawValue: defaultMode) == nil { throw ValidationError("--default-rw-mode must be ro, wo or rw") }
        if self.repeat < 0 || seconds < 0 { throw ValidationError("--repeat and --seconds must not be negative") }
    }

    func run() throws {
        let workload = try loadConfig()
        if printConfig {
            print(workload.text, terminator: "")
            return
        }
        // The hot/cold shortcut of earlier versions runs until killed.
        let rounds = pattern == nil && config == nil && self.repeat == 1 ? 0 : self.repeat
        let runner = try AccessRunner(
            config: workload, defaultMode: WorkloadConfig.AccessMode(rawValue: defaultMode)!, groundTruthPath: groundTruth)
        runner.restMicroseconds = restMicroseconds ?? (rounds == 0 && pattern == nil ? 1000 : 0)
        if let passesFile {
            runner.passesFile = open(passesFile, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard runner.passesFile >= 0 else { throw ValidationError("cannot write \(passesFile): \(String(cString: strerror(errno)))") }
        }
        print("ready pid \(getpid()) " + runner.layout.map { "\($0.name) \(hex($0.start))-\(hex($0.end))" }.joined(separator: " "))
        fflush(nil)
        runner.run(rounds: rounds, seconds: seconds)
    }

    func loadConfig() throws -> WorkloadConfig {
        if let config {
            guard let file = fopen(config, "r") else { throw ValidationError("cannot open \(config): \(String(cString: strerror(errno)))") }
            defer { fclose(file) }
            var bytes: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 4096)
            while case let count = fread(&buffer, 1, buffer.count, file), count > 0 { bytes += buffer[..<count] }
            do { return try WorkloadConfig(parsing: String(decoding: bytes, as: UTF8.self)) } catch { throw ValidationError("\(config): \(error)") }
        }
        let chosen: BuiltinPattern
        if let pattern {
            guard let builtin = BuiltinPattern(rawValue: pattern) else {
                throw ValidationError("unknown pattern '\(pattern)'; choose one of \(BuiltinPattern.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            chosen = builtin
        } else {
            chosen = .hotCold
        }
        if chosen != .hotCold && (hotMiB != nil || coldMiB != nil) {
            throw ValidationError("--hot-mib and --cold-mib size the hot-cold pattern only")
        }
        return chosen.config(hotMiB: hotMiB ?? 64, coldMiB: coldMiB ?? 448)
    }
}

func hex(_ value: UInt64) -> String { String(value, radix: 16) }
