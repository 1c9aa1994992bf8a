public import SwamonCore

/// `/proc/PID/maps`.
public enum ProcMaps {
    /// The x86-64 vsyscall gate page: listed in maps but not in the process's VMA tree, so the
    /// kernel's DAMON never sees it; keeping it would make the stack↔vsyscall gap a "biggest gap".
    static let vsyscall = "[vsyscall]"

    /// The mappings' address ranges in file order (sorted by address), without `[vsyscall]`.
    public static func ranges(_ text: some StringProtocol) -> [AddressRange] {
        var ranges: [AddressRange] = []
        for line in text.split(separator: "\n") {
            if line.hasSuffix(vsyscall) { continue }
            guard let dash = line.firstIndex(of: "-"),
                let space = line[dash...].firstIndex(of: " "),
                let start = UInt64(line[..<dash], radix: 16),
                let end = UInt64(line[line.index(after: dash)..<space], radix: 16),
                start < end
            else { continue }
            ranges.append(AddressRange(start, end))
        }
        return ranges
    }
}

/// The VMAs of `/proc/PID/smaps` with their `Referenced:` amount.
public enum ProcSmaps {
    public struct Area: Equatable, Sendable {
        public var range: AddressRange
        public var referencedKiB: UInt64
    }

    public static func areas(_ bytes: [UInt8]) -> [Area] {
        var areas: [Area] = []
        var lineStart = 0
        let referenced = Array("Referenced:".utf8)
        while lineStart < bytes.count {
            var lineEnd = lineStart
            while lineEnd < bytes.count && bytes[lineEnd] != 0x0A { lineEnd += 1 }
            let line = bytes[lineStart..<lineEnd]
            if let first = line.first, isHexDigit(first), let range = parseRange(line) {
                areas.append(Area(range: range, referencedKiB: 0))
            } else if !areas.isEmpty, line.starts(with: referenced) {
                var value: UInt64 = 0
                for byte in line.dropFirst(referenced.count) where byte >= 0x30 && byte <= 0x39 {
                    value = value * 10 + UInt64(byte - 0x30)
                }
                areas[areas.count - 1].referencedKiB = value
            }
            lineStart = lineEnd + 1
        }
        return areas
    }

    /// An smaps header line starts `start-end ` in hex; field lines start with a capital letter.
    static func parseRange(_ line: ArraySlice<UInt8>) -> AddressRange? {
        var start: UInt64 = 0
        var end: UInt64 = 0
        var index = line.startIndex
        while index < line.endIndex, let digit = hexValue(line[index]) {
            start = start << 4 | digit
            index += 1
        }
        guard index < line.endIndex, line[index] == UInt8(ascii: "-") else { return nil }
        index += 1
        while index < line.endIndex, let digit = hexValue(line[index]) {
            end = end << 4 | digit
            index += 1
        }
        guard index < line.endIndex, line[index] == UInt8(ascii: " "), start < end else { return nil }
        return AddressRange(start, end)
    }

    static func isHexDigit(_ byte: UInt8) -> Bool { hexValue(byte) != nil }

    static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case 0x30...0x39: UInt64(byte - 0x30)
        case 0x61...0x66: UInt64(byte - 0x61 + 10)
        default: nil
        }
    }
}
