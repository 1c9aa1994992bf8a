import CSystemd
import Glibc
public import Logging

/// A swift-log handler that writes structured journal entries with `sd_journal_sendv`:
/// `MESSAGE`, `PRIORITY`, `SYSLOG_IDENTIFIER`, and every metadata key that is a valid journal
/// field name (upper case, digits, `_`) as a field of its own. A journal that is gone or full is
/// ignored: logging must never stop monitoring.
public struct JournalLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level = .info
    let identifier: String

    public init(identifier: String) {
        self.identifier = identifier
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var fields = [
            "MESSAGE=\(event.message)",
            "PRIORITY=\(Self.priority(event.level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
        ]
        let merged = metadata.merging(event.metadata ?? [:]) { _, new in new }
        for (key, value) in merged where Self.isFieldName(key) {
            fields.append("\(key)=\(value)")
        }
        Self.send(fields)
    }

    /// Journal field names: upper-case letters, digits and `_`, not starting with `_` or a digit.
    static func isFieldName(_ key: String) -> Bool {
        guard let first = key.utf8.first, first != UInt8(ascii: "_"), !(0x30...0x39).contains(first), key.utf8.count <= 64
        else { return false }
        return key.utf8.allSatisfy { (0x41...0x5A).contains($0) || (0x30...0x39).contains($0) || $0 == UInt8(ascii: "_") }
    }

    static func priority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }

    /// Returns libsystemd's result (negative errno on failure); callers may ignore it.
    @discardableResult
    static func send(_ fields: [String]) -> Int32 {
        let copies = fields.map { strdup($0)! }
        defer { copies.forEach { free($0) } }
        var vectors = copies.map { iovec(iov_base: UnsafeMutableRawPointer($0), iov_len: strlen($0)) }
        return vectors.withUnsafeMutableBufferPointer { sd_journal_sendv($0.baseAddress, Int32($0.count)) }
    }
}
