public import SwamonCore

/// The `System RAM` ranges of `/proc/iomem` (top-level entries only; the file shows zeros to
/// processes without CAP_SYS_ADMIN, which yields no usable range).
public enum SystemRAM {
    public static func ranges(_ iomem: String) -> [AddressRange] {
        iomem.split(separator: "\n").compactMap { line -> AddressRange? in
            guard line.first != " ", let colon = line.firstIndex(of: ":"),
                line[line.index(after: colon)...].trimmingSpaces() == "System RAM"
            else { return nil }
            let bounds = line[..<colon].split(separator: "-").map { UInt64($0.trimmingSpaces(), radix: 16) }
            guard bounds.count == 2, let start = bounds[0], let last = bounds[1], last > start, last != .max else { return nil }
            return AddressRange(start, last + 1)
        }
    }
}
