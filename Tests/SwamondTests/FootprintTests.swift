import Foundation
import SwamonCore
import SwamonLinux
import SwamonTestSupport
import Testing

/// What keeps the daemon small: it links FoundationEssentials but not Foundation (whose ICU data
/// and internationalization cost about 6 MiB resident), its threads are plain named pthreads,
/// and they share one malloc arena.
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

    /// glibc gives threads malloc arenas of their own, each a 64 MiB-aligned heap reserved by
    /// mmap; swamond caps them at one (the main arena, on brk), so none appears however many
    /// monitoring and event-loop threads allocate.
    @Test func threadsShareOneMallocArena() throws {
        let daemon = try Daemon()
        defer { withExtendedLifetime(daemon) {} }
        let target = try sleeper()
        defer { target.kill() }
        for name in ["root", "c1", "c2", "c3"] {
            if name != "root" { expectOK(try daemon.ask("write mk_contexts \(name)")) }
            expectOK(try daemon.ask("write \(name)/attrs 5000 100000 1000000 10 100"))
            expectOK(try daemon.ask("write \(name)/target_ids \(target.pid)"))
        }
        expectOK(try daemon.ask("write monitor_on on"))
        Thread.sleep(forTimeInterval: 1)  // every thread has sampled and aggregated
        let maps = try String(contentsOfFile: "/proc/\(daemon.pid)/maps", encoding: .utf8)
        expectOK(try daemon.ask("write monitor_on off"))
        #expect(threadArenaHeaps(maps) == 0, "\(maps)")
    }
}

/// Heaps of glibc's thread arenas in a `/proc/PID/maps` text: anonymous mappings that start on a
/// 64 MiB boundary (HEAP_MAX_SIZE) and, with the anonymous mapping right after (the reserved,
/// inaccessible rest), span exactly 64 MiB.
func threadArenaHeaps(_ maps: String) -> Int {
    let heapSize: UInt64 = 64 << 20
    // Anonymous mappings have no pathname: five fields.
    let lines = maps.split(separator: "\n").filter { $0.split(separator: " ").count == 5 }
    let anonymous = ProcMaps.ranges(lines.joined(separator: "\n"))
    return anonymous.indices.filter { index in
        let (start, end) = (anonymous[index].start, anonymous[index].end)
        guard start % heapSize == 0 else { return false }
        if end - start == heapSize { return true }
        return index + 1 < anonymous.count && anonymous[index + 1].start == end && anonymous[index + 1].end - start == heapSize
    }.count
}
