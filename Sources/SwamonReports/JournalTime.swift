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
        // Fixed-width digits only, read by hand: DateFormatter traps on some inputs (a fuzzer
        // found one), and a time option must never crash the client.
        let parts = trimmed.split(separator: " ", omittingEmptySubsequences: false)
        var day: DateComponents
        var clock: Substring?
        if let date = parts.first.flatMap(Self.date) {
            guard parts.count <= 2 else { return nil }
            day = date
            clock = parts.count == 2 ? parts[1] : nil
        } else {
            guard parts.count == 1 else { return nil }
            day = calendar.dateComponents([.year, .month, .day], from: midnight)
            clock = parts[0]
        }
        if let clock {
            guard let time = Self.time(clock) else { return nil }
            (day.hour, day.minute, day.second) = (time.0, time.1, time.2)
        }
        day.calendar = calendar
        day.timeZone = timeZone
        guard let date = calendar.date(from: day) else { return nil }
        // Refuse what the calendar rolled over (2026-02-30, 24:00).
        let back = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        guard back.year == day.year, back.month == day.month, back.day == day.day, back.hour == (day.hour ?? 0),
            back.minute == (day.minute ?? 0), back.second == (day.second ?? 0)
        else { return nil }
        return micros(date)
    }

    /// `YYYY-MM-DD`.
    static func date(_ text: Substring) -> DateComponents? {
        let fields = text.split(separator: "-", omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].count == 4, fields[1].count == 2, fields[2].count == 2,
            let year = digits(fields[0]), let month = digits(fields[1]), let day = digits(fields[2])
        else { return nil }
        return DateComponents(year: year, month: month, day: day, hour: 0, minute: 0, second: 0)
    }

    /// `HH:MM` or `HH:MM:SS`.
    static func time(_ text: Substring) -> (Int, Int, Int)? {
        let fields = text.split(separator: ":", omittingEmptySubsequences: false)
        guard (2...3).contains(fields.count), fields.allSatisfy({ $0.count == 2 }), let hour = digits(fields[0]), let minute = digits(fields[1])
        else { return nil }
        let second = fields.count == 3 ? digits(fields[2]) : 0
        guard let second, hour < 24, minute < 60, second < 60 else { return nil }
        return (hour, minute, second)
    }

    /// A run of ASCII digits as a number.
    static func digits(_ text: Substring) -> Int? {
        guard !text.isEmpty, text.utf8.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return Int(text)
    }
}
