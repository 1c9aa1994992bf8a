import SystemPackage

/// A file of 64-bit words addressed by index (word `i` at byte `8 * i`): pagemap, the idle
/// bitmap, kpageflags. The backends read and write only through this, so unit tests can hand
/// them crafted contents; in production it is the open file descriptor.
public protocol WordFile: Sendable {
    /// The word at `index`, nil on a short read or an error.
    func word(at index: UInt64) -> UInt64?
    /// `count` consecutive words from `index` in one read, nil unless all arrived.
    func words(at index: UInt64, count: Int) -> [UInt64]?
    /// Writes one word at `index`; errors are ignored, as a sample that cannot be armed reads as
    /// not accessed.
    func writeWord(_ word: UInt64, at index: UInt64)
}

extension FileDescriptor: WordFile {
    public func word(at index: UInt64) -> UInt64? {
        var word: UInt64 = 0
        let count = try? withUnsafeMutableBytes(of: &word) { try read(fromAbsoluteOffset: Int64(index * 8), into: $0) }
        return count == 8 ? word : nil
    }

    public func words(at index: UInt64, count: Int) -> [UInt64]? {
        var result = [UInt64](repeating: 0, count: count)
        let bytes = try? result.withUnsafeMutableBytes { buffer in try self.read(fromAbsoluteOffset: Int64(index * 8), into: buffer) }
        return bytes == count * 8 ? result : nil
    }

    public func writeWord(_ word: UInt64, at index: UInt64) {
        var word = word
        _ = try? withUnsafeBytes(of: &word) { try write(toAbsoluteOffset: Int64(index * 8), $0) }
    }
}

/// The `/proc/PID` files an access check uses, so the backends can be driven without a process.
/// `MonitoredProcess` is the real one.
public protocol ProcessFiles: AnyObject, Sendable {
    var pid: Int32 { get }
    /// Whether the process is gone; checked after reading, so a result is never taken from a
    /// reused pid.
    var hasExited: Bool { get }
    /// `/proc/PID/<name>` as a word file (pagemap), nil once the process is gone.
    func wordFile(_ name: String) -> (any WordFile)?
    /// The whole content of `/proc/PID/<name>` (smaps), nil once the process is gone.
    func read(_ name: String) -> [UInt8]?
    /// Writes `text` to the control file `/proc/PID/<name>` (clear_refs); failures are ignored.
    func writeControl(_ name: String, _ text: String)
}

extension MonitoredProcess: ProcessFiles {
    public func wordFile(_ name: String) -> (any WordFile)? {
        (try? file(name, .readOnly)) ?? nil
    }

    public func writeControl(_ name: String, _ text: String) {
        _ = try? file(name, .writeOnly)?.writeText(text)
    }
}
