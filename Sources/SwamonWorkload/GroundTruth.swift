/// The ground-truth log a workload writes while it runs: where each region lies, and which regions
/// each phase touched from when to when, so monitoring results can be scored against what really
/// happened. One record per line, fields separated by spaces, addresses in hex, times in
/// CLOCK_MONOTONIC nanoseconds:
///
///     region NAME START END
///     phase INDEX NAME START_NS END_NS REGION[,REGION…]
///     share NAME PERMIL          (a region only PERMIL ‰ of whose pages are accessed)
///
/// A `phase` line is written when the phase ends (so END_NS is real); phase names have their
/// spaces replaced by `_`.
public enum GroundTruth {
    public static func regionLine(name: String, start: UInt64, end: UInt64) -> String {
        "region \(name) \(String(start, radix: 16)) \(String(end, radix: 16))"
    }

    public static func shareLine(name: String, permil: Int) -> String {
        "share \(name) \(permil)"
    }

    public static func phaseLine(index: Int, name: String, start: UInt64, end: UInt64, touched: [String]) -> String {
        let safeName = name.isEmpty ? "_" : String(name.map { $0 == " " ? "_" : $0 })
        return "phase \(index) \(safeName) \(start) \(end) \(touched.joined(separator: ","))"
    }
}
