import CSystemd
import Glibc

/// Reads entries back from the local journal with libsystemd's `sd_journal_*` API (as
/// `journalctl` does): swamonctl's `record --from-journal`.
public struct JournalReader: ~Copyable {
    public struct Failure: Error, CustomStringConvertible {
        public var description: String
    }

    /// One matching entry: the wanted fields that it has, and when it was written.
    public struct Entry: Sendable {
        public var realtimeMicroseconds: UInt64
        public var fields: [String: String]
    }

    let journal: OpaquePointer

    /// The system and user journals of this machine (what `journalctl` shows without options),
    /// or the journal files in `directory` (`journalctl -D`: e.g. what systemd-journal-remote
    /// received from other hosts).
    public init(directory: String? = nil) throws {
        var journal: OpaquePointer?
        let status = directory.map { path in path.withCString { sd_journal_open_directory(&journal, $0, 0) } }
            ?? sd_journal_open(&journal, Int32(SD_JOURNAL_LOCAL_ONLY))
        guard status >= 0, let journal else {
            throw Failure(description: "cannot open the journal\(directory.map { " in \($0)" } ?? ""): \(String(cString: strerror(-status)))")
        }
        self.journal = journal
    }

    deinit { sd_journal_close(journal) }

    /// Entries whose fields equal every `matches` value (`FIELD=value`), written between `since`
    /// and `until` (µs since the epoch, inclusive), oldest first. Of each, `fields` and every
    /// continuation `FIELD_1`, `FIELD_2`, … of those listed in `continued`.
    public func entries(
        matching matches: [String], since: UInt64?, until: UInt64?, fields: [String], continued: [String] = []
    ) throws -> [Entry] {
        for match in matches {
            let status = match.withCString { sd_journal_add_match(journal, $0, 0) }
            guard status >= 0 else { throw Failure(description: "bad journal match '\(match)': \(String(cString: strerror(-status)))") }
        }
        let seek = since.map { sd_journal_seek_realtime_usec(journal, $0) } ?? sd_journal_seek_head(journal)
        guard seek >= 0 else { throw Failure(description: "cannot seek in the journal: \(String(cString: strerror(-seek)))") }
        var entries: [Entry] = []
        while true {
            let next = sd_journal_next(journal)
            guard next >= 0 else { throw Failure(description: "cannot read the journal: \(String(cString: strerror(-next)))") }
            if next == 0 { break }
            var realtime: UInt64 = 0
            guard sd_journal_get_realtime_usec(journal, &realtime) >= 0 else { continue }
            if let since, realtime < since { continue }
            if let until, realtime > until { break }
            var values: [String: String] = [:]
            for field in fields {
                if let value = data(field) { values[field] = value }
            }
            for field in continued {
                var index = 1
                while let value = data("\(field)_\(index)") {
                    values["\(field)_\(index)"] = value
                    index += 1
                }
            }
            entries.append(Entry(realtimeMicroseconds: realtime, fields: values))
        }
        return entries
    }

    /// The value of `field` in the current entry, nil when it has none.
    func data(_ field: String) -> String? {
        var pointer: UnsafeRawPointer?
        var length = 0
        guard field.withCString({ sd_journal_get_data(journal, $0, &pointer, &length) }) >= 0, let pointer else { return nil }
        let bytes = UnsafeRawBufferPointer(start: pointer, count: length)
        let prefix = field.utf8.count + 1
        guard length >= prefix else { return nil }
        return String(decoding: bytes.dropFirst(prefix), as: UTF8.self)
    }
}
