/// Reads numbers from a debugfs write the way the kernel's `sscanf` does: skip white space
/// (`isspace`), then base-10 digits, stopping at the first character that does not fit. The one
/// difference: a number too large for its field is an error here, where the kernel wraps.
public struct KernelScanner {
    private let bytes: [UInt8]
    public private(set) var position = 0

    public init(_ text: String) { bytes = Array(text.utf8) }

    public var atEnd: Bool { position >= bytes.count }

    public var remainder: Substring {
        Substring(decoding: bytes[min(position, bytes.count)...], as: UTF8.self)
    }

    static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || (0x09...0x0D).contains(byte) }

    mutating func skipSpaces() {
        while position < bytes.count && Self.isSpace(bytes[position]) { position += 1 }
    }

    /// `%lu`: nil (and nothing consumed) when no number starts here.
    public mutating func unsigned() throws(ControlError) -> UInt64? {
        let start = position
        skipSpaces()
        guard position < bytes.count, (0x30...0x39).contains(bytes[position]) else {
            position = start
            return nil
        }
        var value: UInt64 = 0
        while position < bytes.count, (0x30...0x39).contains(bytes[position]) {
            let (times10, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times10.addingReportingOverflow(UInt64(bytes[position] - 0x30))
            if o1 || o2 { throw ControlError(.EINVAL, "number too large at byte \(start): the largest is \(UInt64.max)") }
            value = sum
            position += 1
        }
        return value
    }

    /// `%u`: like `unsigned()`, limited to 32 bits.
    public mutating func unsigned32() throws(ControlError) -> UInt32? {
        let start = position
        guard let value = try unsigned() else { return nil }
        guard let narrow = UInt32(exactly: value) else {
            throw ControlError(.EINVAL, "number too large at byte \(start): this field's largest is \(UInt32.max)")
        }
        return narrow
    }

    /// `%d`: an optional minus sign, then digits.
    public mutating func signed() throws(ControlError) -> Int64? {
        let start = position
        skipSpaces()
        var negative = false
        if position < bytes.count && bytes[position] == UInt8(ascii: "-") {
            negative = true
            position += 1
        }
        guard let magnitude = try unsigned() else {
            position = start
            return nil
        }
        guard magnitude <= UInt64(Int64.max) else {
            throw ControlError(.EINVAL, "number too large at byte \(start)")
        }
        return negative ? -Int64(magnitude) : Int64(magnitude)
    }

    /// `%s`: the next white-space-delimited word, or nil at the end.
    public mutating func word() -> Substring? {
        skipSpaces()
        let start = position
        while position < bytes.count && !Self.isSpace(bytes[position]) { position += 1 }
        return start == position ? nil : Substring(decoding: bytes[start..<position], as: UTF8.self)
    }

    /// Reads `count` `%lu` numbers as one record; nil, with nothing consumed, when the record is
    /// incomplete (the kernel's loop then stops and ignores the rest).
    public mutating func unsignedRecord(_ count: Int) throws(ControlError) -> [UInt64]? {
        let start = position
        var record: [UInt64] = []
        record.reserveCapacity(count)
        for _ in 0..<count {
            guard let value = try unsigned() else {
                position = start
                return nil
            }
            record.append(value)
        }
        return record
    }
}
