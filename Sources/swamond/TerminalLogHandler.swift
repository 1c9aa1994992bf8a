import Glibc
import Logging

/// Log records for a person at a terminal (swamond outside systemd): time, level and the human
/// message, one short line each. The structured `SWAMON_*` fields stay journal-only; every
/// aggregation's message already says what a person wants ("root pid 4242: 27 regions, 30.1 MiB
/// of 625 MiB accessed").
struct TerminalLogHandler: LogHandler {
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var broken = tm()
        var seconds = now.tv_sec
        localtime_r(&seconds, &broken)
        func two(_ value: Int32) -> String { value < 10 ? "0\(value)" : "\(value)" }
        let millis = String(now.tv_nsec / 1_000_000)
        let time = "\(two(broken.tm_hour)):\(two(broken.tm_min)):\(two(broken.tm_sec)).\(String(repeating: "0", count: 3 - millis.count))\(millis)"
        let level = event.level.rawValue
        let line = "\(time) \(level)\(String(repeating: " ", count: max(1, 9 - level.count)))\(event.message)\n"
        writeStandardError(line)
    }
}

/// Writes `text` to stderr in one `write(2)` (whole lines from several threads do not mix).
func writeStandardError(_ text: String) {
    var bytes = Array(text.utf8)
    _ = bytes.withUnsafeMutableBytes { Glibc.write(2, $0.baseAddress, $0.count) }
}
