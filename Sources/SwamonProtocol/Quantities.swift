/// Sizes and durations as people type them, for swamonctl's friendly options.
public enum Quantities {
    /// `4096`, `4K`, `4KiB`, `64M`, `1.5GiB`, `max` (binary units; `max` is 2^64 - 1).
    public static func bytes(_ text: String) -> UInt64? {
        let lowered = text.lowercased()
        if lowered == "max" { return UInt64.max }
        let units: [(String, Double)] = [
            ("kib", 1024), ("mib", 1_048_576), ("gib", 1_073_741_824), ("tib", 1_099_511_627_776),
            ("k", 1024), ("m", 1_048_576), ("g", 1_073_741_824), ("t", 1_099_511_627_776), ("b", 1),
        ]
        for (suffix, factor) in units where lowered.hasSuffix(suffix) {
            guard let value = Double(lowered.dropLast(suffix.count)), value >= 0 else { return nil }
            let product = value * factor
            return product < 18_446_744_073_709_551_616.0 ? UInt64(product.rounded(.down)) : nil
        }
        return UInt64(lowered)
    }

    /// `500ms`, `30s`, `5m` or `5min`, `2h`, `1d`, `100us`, or a bare number of microseconds, in microseconds.
    public static func microseconds(_ text: String) -> UInt64? {
        let lowered = text.lowercased()
        let units: [(String, Double)] = [("us", 1), ("µs", 1), ("ms", 1_000), ("s", 1_000_000), ("min", 60_000_000), ("m", 60_000_000), ("h", 3_600_000_000), ("d", 86_400_000_000)]
        for (suffix, factor) in units where lowered.hasSuffix(suffix) {
            guard let value = Double(lowered.dropLast(suffix.count)), value >= 0, value * factor < 1.8e19 else { return nil }
            return UInt64((value * factor).rounded(.down))
        }
        return UInt64(lowered)
    }

    /// A duration in words: `850 ms`, `30 s`, `5 min`, `2.5 h`.
    public static func duration(microseconds: UInt64) -> String {
        let value = Double(microseconds)
        if microseconds < 1_000_000 { return "\(microseconds / 1000) ms" }
        if microseconds < 60_000_000 { return trimmed(value / 1e6) + " s" }
        if microseconds < 3_600_000_000 { return trimmed(value / 6e7) + " min" }
        return trimmed(value / 3.6e9) + " h"
    }

    static func trimmed(_ value: Double) -> String {
        let tenths = Int((value * 10).rounded())
        return tenths % 10 == 0 ? "\(tenths / 10)" : "\(tenths / 10).\(tenths % 10)"
    }
}
