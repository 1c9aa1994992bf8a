public import SwamonCore

/// `schemes`: records of 18 numbers (Linux 5.16): `min_sz max_sz min_nr_accesses max_nr_accesses
/// min_age max_age action quota_ms quota_sz quota_reset_interval_ms weight_sz weight_nr_accesses
/// weight_age wmark_metric wmark_interval_us wmark_high wmark_mid wmark_low`; read back with the
/// two 5.16 statistics (`stat_count stat_sz`) appended.
public enum SchemesFormat {
    public static let maxSchemes = 256
    static let fields = 18
    /// Fields the kernel reads with `%u` (32 bits): the access and age ranges, the action, the
    /// three weights and the watermark metric.
    static let narrowFields: Set<Int> = [2, 3, 4, 5, 6, 10, 11, 12, 13]

    /// Parses up to 256 records; an invalid action, a range whose minimum exceeds its maximum,
    /// watermarks not ordered high ≥ mid ≥ low, or anything after the last complete record
    /// refuse the whole write. Empty content gives no schemes. (The kernel stops silently at an
    /// incomplete record, so garbage would remove every scheme; its own selftest expects a
    /// record broken by a stray `\n` to fail, which is what refusing leftovers gives.)
    public static func parse(_ content: String) throws(ControlError) -> [Scheme] {
        var scanner = KernelScanner(content)
        var schemes: [Scheme] = []
        while schemes.count < maxSchemes, let n = try scanner.unsignedRecord(fields) {
            let number = schemes.count + 1
            for index in narrowFields where n[index] > UInt64(UInt32.max) {
                throw ControlError(.EINVAL, "scheme \(number): field \(index + 1) is larger than \(UInt32.max)")
            }
            guard let action = Scheme.Action(rawValue: UInt32(n[6])) else {
                throw ControlError(.EINVAL, "scheme \(number): invalid action \(n[6]); use 0-6 (willneed cold pageout hugepage nohugepage stat collapse)")
            }
            guard let metric = Scheme.Watermarks.Metric(rawValue: UInt32(n[13])) else {
                throw ControlError(.EINVAL, "scheme \(number): invalid watermark metric \(n[13]); use 0 (none) or 1 (free memory rate)")
            }
            guard n[0] <= n[1], n[2] <= n[3], n[4] <= n[5] else {
                throw ControlError(.EINVAL, "scheme \(number): a minimum (size, accesses or age) exceeds its maximum")
            }
            guard n[15] >= n[16], n[16] >= n[17] else {
                throw ControlError(.EINVAL, "scheme \(number): watermarks must be ordered high >= mid >= low")
            }
            schemes.append(
                Scheme(
                    sizeRange: n[0]...n[1],
                    accessCountRange: UInt32(n[2])...UInt32(n[3]),
                    ageRange: UInt32(n[4])...UInt32(n[5]),
                    action: action,
                    quota: .init(
                        milliseconds: n[7], bytes: n[8], resetIntervalMilliseconds: n[9], weightSize: UInt32(n[10]),
                        weightAccesses: UInt32(n[11]), weightAge: UInt32(n[12])),
                    watermarks: .init(metric: metric, intervalMicroseconds: n[14], high: n[15], mid: n[16], low: n[17])
                ))
        }
        if let leftover = scanner.word() {
            throw ControlError(
                .EINVAL,
                "incomplete scheme record after \(schemes.count) complete ones at '\(leftover.prefix(32))': each scheme takes 18 numbers")
        }
        return schemes
    }

    public static func render(_ schemes: [Scheme]) -> String {
        schemes.map { s in
            let q = s.quota
            let w = s.watermarks
            let numbers: [UInt64] = [
                s.sizeRange.lowerBound, s.sizeRange.upperBound,
                UInt64(s.accessCountRange.lowerBound), UInt64(s.accessCountRange.upperBound),
                UInt64(s.ageRange.lowerBound), UInt64(s.ageRange.upperBound), UInt64(s.action.rawValue),
                q.milliseconds, q.bytes, q.resetIntervalMilliseconds,
                UInt64(q.weightSize), UInt64(q.weightAccesses), UInt64(q.weightAge),
                UInt64(w.metric.rawValue), w.intervalMicroseconds, w.high, w.mid, w.low,
                s.stats.triedCount, s.stats.triedBytes,
            ]
            return numbers.map(String.init).joined(separator: " ") + "\n"
        }.joined()
    }

    /// The inputs of a read-back (each line's 18 numbers, without the statistics after them),
    /// records joined by spaces: what a write of `schemes` takes to make the same schemes.
    public static func inputs(ofReadBack text: String) -> String {
        text.split(separator: "\n").map { $0.split(separator: " ").prefix(fields).joined(separator: " ") }.joined(separator: " ")
    }

    /// `schemes_stats`: `nr_tried sz_tried nr_applied sz_applied qt_exceeds` per scheme.
    public static func renderStats(_ stats: [Scheme.Stats]) -> String {
        stats.map { "\($0.triedCount) \($0.triedBytes) \($0.appliedCount) \($0.appliedBytes) \($0.quotaExceeds)\n" }.joined()
    }
}
