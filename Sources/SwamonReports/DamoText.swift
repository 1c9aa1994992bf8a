import Foundation

/// damo's number formats, so swamonctl's reports read like damo's.
enum DamoText {
    /// damo's `format_sz`: `%.3f` in the largest binary unit the size exceeds, else `N B`.
    static func size(_ bytes: UInt64) -> String { size(Double(bytes)) }

    /// The same for a size with a fraction (damo formats a mean of sizes this way).
    static func size(_ bytes: Double) -> String {
        let units: [(Double, String)] = [(0x1p60, "EiB"), (0x1p50, "PiB"), (0x1p40, "TiB"), (0x1p30, "GiB"), (0x1p20, "MiB"), (0x1p10, "KiB")]
        for (factor, unit) in units where bytes > factor {
            return String(format: "%.3f %@", bytes / factor, unit)
        }
        return "\(Int(bytes)) B"
    }

    /// `text` right-aligned in `width` columns, as `%Ns` does.
    static func right(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    /// `text` left-aligned in `width` columns, as `%-Ns` does.
    static func left(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }
}
