import Foundation
import SwamonTestSupport
import Testing

/// What keeps the daemon small: it links FoundationEssentials but not Foundation (whose ICU data
/// and internationalization cost about 6 MiB resident), and its threads are plain named pthreads.
@Suite("footprint")
struct FootprintTests {
    @Test func theDaemonLinksNoFullFoundation() throws {
        let libraries = try runCommand("/usr/bin/ldd", [productPath("swamond")]).out
        #expect(libraries.contains("libFoundationEssentials"), "\(libraries)")
        for heavy in ["libFoundation.so", "libFoundationInternationalization", "lib_FoundationICU"] {
            #expect(!libraries.contains(heavy), "swamond links \(heavy)")
        }
    }

    /// Each monitoring thread is named after its context's index, as kdamond threads are.
    @Test func monitoringThreadsAreNamed() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        expectOK(try daemon.ask("write mk_contexts second"))
        expectOK(try daemon.ask("write target_ids \(target.pid)"))
        expectOK(try daemon.ask("write second/target_ids \(target.pid)"))
        expectOK(try daemon.ask("write monitor_on on"))
        for (path, name) in [("kdamond_pid", "kdamond.0"), ("second/kdamond_pid", "kdamond.1")] {
            let thread = try daemon.ask("read \(path)").content.trimmingCharacters(in: .whitespacesAndNewlines)
            let comm = try String(contentsOfFile: "/proc/\(daemon.pid)/task/\(thread)/comm", encoding: .utf8)
            #expect(comm == name + "\n")
        }
        expectOK(try daemon.ask("write monitor_on off"))
    }
}
