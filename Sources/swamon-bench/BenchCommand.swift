import ArgumentParser

/// The host benchmarks of docs/benchmarks.md, one subcommand per table.
@main
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swamon-bench",
        abstract: "Benchmarks that need no guest kernel: the core's cost, the daemon under load, the referenced backend.",
        subcommands: [CoreBench.self, DaemonBench.self, MetricsBench.self, ReferencedBench.self],
        defaultSubcommand: CoreBench.self
    )
}
