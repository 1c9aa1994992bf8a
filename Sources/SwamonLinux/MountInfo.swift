/// One line of `/proc/self/mountinfo`: where a mount is, what it is, and whether its mount and
/// unmount events propagate to other namespaces (`shared:N` among the optional fields).
public struct MountInfo: Equatable, Sendable {
    public var id: Int
    public var parent: Int
    public var mountPoint: String
    public var fileSystemType: String
    public var source: String
    /// The file system's own options (after the source), e.g. `rw,xattr,name=systemd`.
    public var superOptions: String
    public var isShared: Bool

    /// Parses the whole file; lines that do not parse are skipped. Octal escapes in paths
    /// (`\040` for a space) are decoded.
    public static func parse(_ text: String) -> [MountInfo] {
        text.split(separator: "\n").compactMap { line in
            let fields = line.split(separator: " ", omittingEmptySubsequences: false)
            guard let separator = fields.firstIndex(of: "-"), separator >= 6, fields.count >= separator + 3,
                let id = Int(fields[0]), let parent = Int(fields[1])
            else { return nil }
            let optional = fields[6..<separator]
            return MountInfo(
                id: id, parent: parent, mountPoint: unescape(fields[4]), fileSystemType: String(fields[separator + 1]),
                source: unescape(fields[separator + 2]), superOptions: fields.count > separator + 3 ? String(fields[separator + 3]) : "",
                isShared: optional.contains { $0.hasPrefix("shared:") })
        }
    }

    /// The mount that is seen at `path` (the last one mounted there).
    public static func top(at path: String, in mounts: [MountInfo]) -> MountInfo? {
        mounts.last { $0.mountPoint == path }
    }

    static func unescape(_ field: Substring) -> String {
        var bytes: [UInt8] = []
        var utf8 = Array(field.utf8)[...]
        while let byte = utf8.popFirst() {
            if byte == UInt8(ascii: "\\"), utf8.count >= 3, let value = UInt8(String(decoding: utf8.prefix(3), as: UTF8.self), radix: 8) {
                bytes.append(value)
                utf8 = utf8.dropFirst(3)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
