public import SwamonCore

/// `attrs`: `<sample_us> <aggr_us> <update_us> <min_nr_regions> <max_nr_regions>`.
public enum AttrsFormat {
    /// Reads five numbers; extra trailing text is ignored, as the kernel's `sscanf` does.
    /// Validation of the values is `Attributes.validate()`, done after the busy check.
    public static func parse(_ content: String) throws(ControlError) -> Attributes {
        var scanner = KernelScanner(content)
        guard let n = try scanner.unsignedRecord(5) else {
            throw ControlError(.EINVAL, "attrs takes five numbers: sample_us aggr_us update_us min_nr_regions max_nr_regions")
        }
        return Attributes(
            sampleInterval: n[0], aggregationInterval: n[1], updateInterval: n[2], minRegions: n[3], maxRegions: n[4])
    }

    public static func render(_ a: Attributes) -> String {
        "\(a.sampleInterval) \(a.aggregationInterval) \(a.updateInterval) \(a.minRegions) \(a.maxRegions)\n"
    }
}
