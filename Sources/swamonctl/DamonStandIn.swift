import ArgumentParser
import Foundation
import SwamonLinux

/// A directory private to this namespace: made (mkdtemp) under /run, or /tmp for a user who
/// cannot write /run, and covered at once by a tmpfs, so what is put in it is never seen outside;
/// removed (the empty directory too) when damo is done.
struct Scratch {
    let path: String

    init(_ session: Session) throws {
        let parent = access("/run", W_OK) == 0 ? "/run" : "/tmp"
        var template = Array("\(parent)/swamonctl-damo-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw session.fail("cannot make a directory in \(parent): \(String(cString: strerror(errno)))")
        }
        path = String(cString: made)
        try mountOrFail("tmpfs", path, "tmpfs", 0, session)
    }

    func remove() {
        umount2(path, Int32(MNT_DETACH))
        rmdir(path)
    }
}

/// On a kernel without DAMON there is no /sys/kernel/mm/damon to mount over, and sysfs takes no
/// new directories. Inside the private namespace, /sys/kernel/mm becomes a tmpfs holding the
/// original entries bind-mounted back, plus an empty `damon` directory.
enum DamonStandIn {
    static func make(under parent: String, originals: String, _ session: Session) throws {
        try FileManager.default.createDirectory(atPath: originals, withIntermediateDirectories: true)
        try mountOrFail(parent, originals, nil, UInt(MS_BIND | MS_REC), session)
        try mountOrFail("tmpfs", parent, "tmpfs", 0, session)
        for entry in (try? FileManager.default.contentsOfDirectory(atPath: originals)) ?? [] where entry != "damon" {
            var isDirectory: ObjCBool = false
            _ = FileManager.default.fileExists(atPath: "\(originals)/\(entry)", isDirectory: &isDirectory)
            if isDirectory.boolValue {
                try FileManager.default.createDirectory(atPath: "\(parent)/\(entry)", withIntermediateDirectories: false)
            } else {
                _ = FileManager.default.createFile(atPath: "\(parent)/\(entry)", contents: nil)
            }
            try mountOrFail("\(originals)/\(entry)", "\(parent)/\(entry)", nil, UInt(MS_BIND | MS_REC), session)
        }
        try FileManager.default.createDirectory(atPath: "\(parent)/damon", withIntermediateDirectories: false)
    }
}

/// damo refuses to run without a mounted tracefs, and with one it would find the host kernel's
/// DAMON tracepoints (and could record the host's kdamond). Inside the namespace tracefs is
/// mounted if it is not, and its `available_events` is covered by an empty file: damo sees no
/// DAMON tracepoints and records from swamond's snapshots.
enum Tracefs {
    static func hideDamonEvents(mounts: [MountInfo], scratch: Scratch, _ session: Session) throws {
        var tracefs = mounts.first { $0.fileSystemType == "tracefs" }?.mountPoint
        if tracefs == nil {
            let point = "/sys/kernel/tracing"
            guard mount("tracefs", point, "tracefs", 0, nil) == 0 else {
                throw session.fail("damo needs tracefs, which is not mounted and cannot be mounted here (\(String(cString: strerror(errno)))); mount it at \(point) first")
            }
            tracefs = point
        }
        let empty = scratch.path + "/available_events"
        _ = FileManager.default.createFile(atPath: empty, contents: Data())
        try mountOrFail(empty, tracefs! + "/available_events", nil, UInt(MS_BIND), session)
    }
}

func mountOrFail(_ source: String, _ target: String, _ type: String?, _ flags: UInt, _ session: Session) throws {
    guard mount(source, target, type, flags, nil) == 0 else {
        throw session.fail("cannot mount \(source) on \(target): \(String(cString: strerror(errno)))")
    }
}
