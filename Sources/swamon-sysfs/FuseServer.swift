import CFuse
import Glibc
import SwamonSysfs
import SystemPackage

/// The FUSE side of the tree: path callbacks of libfuse's high-level API on one thread
/// (`fuse_loop`), each turned into a `SysfsTree` call. Reads behave as sysfs reads do: the file's
/// text is made at the read at offset 0 of an open file and later offsets read from it; every
/// `write(2)` is one store.
final class FuseServer {
    let tree: SysfsTree
    private var open: [UInt64: [UInt8]] = [:]
    private var nextHandle: UInt64 = 1

    init(tree: SysfsTree) { self.tree = tree }

    static func from(_ context: UnsafeMutablePointer<fuse_context>?) -> FuseServer {
        Unmanaged<FuseServer>.fromOpaque(context!.pointee.private_data).takeUnretainedValue()
    }

    static var current: FuseServer { from(fuse_get_context()) }

    func attributes(_ path: String, _ stat: inout stat) -> Int32 {
        stat = Glibc.stat()
        do {
            switch try tree.node(path) {
            case .directory:
                stat.st_mode = S_IFDIR | 0o755
                stat.st_nlink = 2
                stat.st_size = 0
            case .file(let file):
                stat.st_mode = S_IFREG | mode_t(file.mode)
                stat.st_nlink = 1
                stat.st_size = 4096
            }
            return 0
        } catch {
            return -error.rawValue
        }
    }

    func entries(_ path: String) throws(Errno) -> [String] {
        guard case .directory(let names) = try tree.node(path) else { throw Errno.notDirectory }
        return [".", ".."] + names
    }

    /// Opening checks what sysfs checks: a file, and a store behind a write open.
    func open(_ path: String, flags: Int32) throws(Errno) -> UInt64 {
        guard case .file(let file) = try tree.node(path) else { throw Errno.isDirectory }
        if flags & O_ACCMODE != O_RDONLY && file.mode & 0o200 == 0 { throw Errno.permissionDenied }
        if flags & O_ACCMODE != O_WRONLY && file.mode & 0o400 == 0 { throw Errno.permissionDenied }
        let handle = nextHandle
        nextHandle += 1
        return handle
    }

    func read(_ path: String, handle: UInt64, offset: Int, into buffer: UnsafeMutableRawBufferPointer) throws(Errno) -> Int {
        if offset == 0 || open[handle] == nil { open[handle] = Array(try tree.read(path).utf8) }
        let content = open[handle]!
        guard offset < content.count else { return 0 }
        let count = min(buffer.count, content.count - offset)
        content.withUnsafeBytes { bytes in
            buffer.baseAddress!.copyMemory(from: bytes.baseAddress! + offset, byteCount: count)
        }
        return count
    }

    func write(_ path: String, _ bytes: UnsafeRawBufferPointer) throws(Errno) -> Int {
        // sysfs stores take at most one page.
        let text = String(decoding: bytes.prefix(4096), as: UTF8.self)
        try tree.write(path, text)
        return bytes.count
    }

    func release(handle: UInt64) { open[handle] = nil }
}

/// libfuse's callbacks: C functions that find the server through the context's private data.
enum FuseOperations {
    static func make() -> fuse_operations {
        var operations = fuse_operations()
        operations.getattr = { path, stat, _ in
            FuseServer.current.attributes(String(cString: path!), &stat!.pointee)
        }
        operations.readdir = { path, buffer, filler, _, _, _ in
            FuseOperations.answer { () throws(Errno) in
                for name in try FuseServer.current.entries(String(cString: path!)) {
                    _ = name.withCString { filler!(buffer, $0, nil, 0, fuse_fill_dir_flags(0)) }
                }
                return 0
            }
        }
        operations.open = { path, info in
            FuseOperations.answer { () throws(Errno) in
                info!.pointee.fh = try FuseServer.current.open(String(cString: path!), flags: info!.pointee.flags)
                swamon_fuse_direct_io(info)
                return 0
            }
        }
        operations.read = { path, buffer, size, offset, info in
            FuseOperations.answer { () throws(Errno) in
                let target = UnsafeMutableRawBufferPointer(start: buffer, count: size)
                return Int32(try FuseServer.current.read(String(cString: path!), handle: info!.pointee.fh, offset: Int(offset), into: target))
            }
        }
        operations.write = { path, buffer, size, _, _ in
            FuseOperations.answer { () throws(Errno) in
                Int32(try FuseServer.current.write(String(cString: path!), UnsafeRawBufferPointer(start: buffer, count: size)))
            }
        }
        // Opening with O_TRUNC (`echo x > file`, Python's open(…, 'w')) truncates first: sysfs
        // files ignore it.
        operations.truncate = { path, _, _ in
            FuseOperations.answer { () throws(Errno) in
                guard case .file = try FuseServer.current.tree.node(String(cString: path!)) else { throw Errno.isDirectory }
                return 0
            }
        }
        // sysfs directories take no new files.
        operations.create = { _, _, _ in -EACCES }
        operations.release = { _, info in
            FuseServer.current.release(handle: info!.pointee.fh)
            return 0
        }
        operations.`init` = { _, config in
            // Nothing cached: a write to nr_* adds or removes directories at once.
            config!.pointee.entry_timeout = 0
            config!.pointee.attr_timeout = 0
            config!.pointee.negative_timeout = 0
            config!.pointee.direct_io = 1
            return fuse_get_context()!.pointee.private_data
        }
        return operations
    }

    /// A callback's result: what `body` returns, or the negated errno it threw.
    static func answer(_ body: () throws(Errno) -> Int32) -> Int32 {
        do { return try body() } catch { return -error.rawValue }
    }
}
