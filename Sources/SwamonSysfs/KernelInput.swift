public import SystemPackage

/// How the kernel's sysfs stores parse what is written to a file: `kstrtoul`/`kstrtoint`/
/// `kstrtouint` (base 0: `0x` hex, leading `0` octal; one trailing newline allowed; `EINVAL` for
/// anything else, `ERANGE` past the type), `kstrtobool` and `sysfs_streq`.
public enum KernelInput {
    /// `kstrtoull(s, 0, …)`, which is also `kstrtoul` on 64-bit.
    public static func unsignedLong(_ text: String) throws(Errno) -> UInt64 {
        var bytes = Array(text.utf8)[...]
        if bytes.first == UInt8(ascii: "+") { bytes = bytes.dropFirst() }
        return try parseDigits(&bytes)
    }

    /// `kstrtoint(s, 0, …)`.
    public static func int(_ text: String) throws(Errno) -> Int32 {
        var bytes = Array(text.utf8)[...]
        var negative = false
        if bytes.first == UInt8(ascii: "-") {
            negative = true
            bytes = bytes.dropFirst()
        } else if bytes.first == UInt8(ascii: "+") {
            bytes = bytes.dropFirst()
        }
        let magnitude = try parseDigits(&bytes)
        if negative {
            guard magnitude <= UInt64(Int32.max) + 1 else { throw Errno.outOfRange }
            return magnitude == UInt64(Int32.max) + 1 ? Int32.min : -Int32(magnitude)
        }
        guard magnitude <= UInt64(Int32.max) else { throw Errno.outOfRange }
        return Int32(magnitude)
    }

    /// `kstrtouint(s, 0, …)`.
    public static func unsignedInt(_ text: String) throws(Errno) -> UInt32 {
        let value = try unsignedLong(text)
        guard value <= UInt64(UInt32.max) else { throw Errno.outOfRange }
        return UInt32(value)
    }

    /// `kstrtobool`: y/Y/1/n/N/0 by the first character, on/off by the first two.
    public static func bool(_ text: String) throws(Errno) -> Bool {
        let bytes = Array(text.utf8)
        guard let first = bytes.first else { throw Errno.invalidArgument }
        switch first {
        case UInt8(ascii: "y"), UInt8(ascii: "Y"), UInt8(ascii: "1"): return true
        case UInt8(ascii: "n"), UInt8(ascii: "N"), UInt8(ascii: "0"): return false
        case UInt8(ascii: "o"), UInt8(ascii: "O"):
            guard bytes.count > 1 else { throw Errno.invalidArgument }
            switch bytes[1] {
            case UInt8(ascii: "n"), UInt8(ascii: "N"): return true
            case UInt8(ascii: "f"), UInt8(ascii: "F"): return false
            default: throw Errno.invalidArgument
            }
        default: throw Errno.invalidArgument
        }
    }

    /// `sysfs_streq`: equal, a trailing newline on either side ignored.
    public static func streq(_ text: String, _ word: String) -> Bool {
        var text = Substring(text)
        if text.hasSuffix("\n") { text = text.dropLast() }
        return text == word
    }

    /// `_parse_integer_fixup_radix` then `_parse_integer`, then at most one `\n` and the end.
    private static func parseDigits(_ bytes: inout ArraySlice<UInt8>) throws(Errno) -> UInt64 {
        var base: UInt64 = 10
        if bytes.first == UInt8(ascii: "0") {
            let second = bytes.dropFirst().first
            if let second, second | 0x20 == UInt8(ascii: "x"), let third = bytes.dropFirst(2).first, hexValue(third) != nil {
                base = 16
                bytes = bytes.dropFirst(2)
            } else {
                base = 8
            }
        }
        var value: UInt64 = 0
        var consumed = 0
        while let byte = bytes.first, let digit = hexValue(byte), digit < base {
            let (product, overflow1) = value.multipliedReportingOverflow(by: base)
            let (sum, overflow2) = product.addingReportingOverflow(digit)
            if overflow1 || overflow2 { throw Errno.outOfRange }
            value = sum
            consumed += 1
            bytes = bytes.dropFirst()
        }
        guard consumed > 0 else { throw Errno.invalidArgument }
        if bytes.first == UInt8(ascii: "\n") { bytes = bytes.dropFirst() }
        guard bytes.isEmpty else { throw Errno.invalidArgument }
        return value
    }

    private static func hexValue(_ byte: UInt8) -> UInt64? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt64(byte - UInt8(ascii: "0"))
        case UInt8(ascii: "a")...UInt8(ascii: "f"): UInt64(byte - UInt8(ascii: "a") + 10)
        case UInt8(ascii: "A")...UInt8(ascii: "F"): UInt64(byte - UInt8(ascii: "A") + 10)
        default: nil
        }
    }
}
