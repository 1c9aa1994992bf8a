import Foundation
import SwamonProtocol

/// Times for `--since` and `--until`, in the forms journalctl takes most often: `2026-11-30
/// 14:05[:SS]`, `2026-11-30` (midnight), `14:05[:SS]` (today), `now`, `today`, `yesterday`,
/// `-10min` or `10min ago` (any swamonctl duration), `@EPOCH` seconds. Local time.
public enum JournalTime {
    /// µs since the epoch, or nil for text in none of the forms.
    public static func parse(_ text: String, now: Date, timeZone: TimeZone = .current) -> UInt64? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let midnight = calendar.startOfDay(for: now)
        func micros(_ date: Date) -> UInt64? {
            let value = date.timeIntervalSince1970 * 1e6
            return value >= 0 && value < 1.8e19 ? UInt64(value) : nil
        }
        switch trimmed {
        case "now": return micros(now)
        case "today": return micros(midnight)
        case "yesterday": return calendar.date(byAdding: .day, value: -1, to: midnight).flatMap(micros)
        default: break
        }
        if trimmed.hasPrefix("@"), let seconds = Double(trimmed.dropFirst()), seconds >= 0 { return micros(Date(timeIntervalSince1970: seconds)) }
        var relative: Substring?
        if trimmed.hasPrefix("-") { relative = trimmed.dropFirst() }
        if trimmed.hasSuffix(" ago") { relative = trimmed.dropLast(4) }
        if let relative {
            guard let span = Quantities.microseconds(relative.replacingOccurrences(of: " ", with: "")) else { return nil }
            return micros(now.addingTimeInterval(-Double(span) / 1e6))
        }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = timeZone
        for format in ["yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd"] {
            formatter.dateFormat = format
            if let date = formatter.date(from: trimmed) { return micros(date) }
        }
        for format in ["HH:mm:ss", "HH:mm"] {
            formatter.dateFormat = format
            guard let time = formatter.date(from: trimmed) else { continue }
            let parts = calendar.dateComponents([.hour, .minute, .second], from: time)
            return calendar.date(bySettingHour: parts.hour ?? 0, minute: parts.minute ?? 0, second: parts.second ?? 0, of: midnight).flatMap(micros)
        }
        return nil
    }
}
