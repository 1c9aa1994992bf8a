import Testing
import SwamonCore
@testable import SwamonLinux

@Suite("/proc parsing")
struct ProcParsingTests {
    @Test func mapsSkipVsyscall() {
        let maps = """
            55d4a7a00000-55d4a7a02000 r--p 00000000 fe:00 254724                     /usr/bin/cat
            55d4a9000000-55d4a9021000 rw-p 00000000 00:00 0                          [heap]
            7f0a00000000-7f0a00200000 rw-p 00000000 00:00 0 
            7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
            ffffffffff600000-ffffffffff601000 --xp 00000000 00:00 0                  [vsyscall]

            """
        #expect(
            ProcMaps.ranges(maps) == [
                AddressRange(0x55d4_a7a0_0000, 0x55d4_a7a0_2000), AddressRange(0x55d4_a900_0000, 0x55d4_a902_1000),
                AddressRange(0x7f0a_0000_0000, 0x7f0a_0020_0000), AddressRange(0x7ffd_1c00_0000, 0x7ffd_1c02_1000),
            ])
    }

    /// Top-level System RAM only; children (kernel code, ACPI tables) and zeroed (unprivileged)
    /// entries are skipped.
    @Test func iomemSystemRAM() {
        let iomem = """
            00000000-00000fff : Reserved
            00001000-0009fbff : System RAM
            000f0000-000fffff : Reserved
            00100000-bffdffff : System RAM
              01000000-01ffffff : Kernel code
            100000000-23fffffff : System RAM
            fee00000-fee00fff : Local APIC

            """
        #expect(SystemRAM.ranges(iomem) == [
            AddressRange(0x1000, 0x9fc00), AddressRange(0x10_0000, 0xbffe_0000), AddressRange(0x1_0000_0000, 0x2_4000_0000),
        ])
        #expect(SystemRAM.ranges("00000000-00000000 : System RAM\n") == [])
    }

    @Test func smapsReferenced() {
        let smaps = """
            7f0a00000000-7f0a00200000 rw-p 00000000 00:00 0 
            Size:               2048 kB
            Rss:                2048 kB
            Referenced:         1024 kB
            Anonymous:          2048 kB
            VmFlags: rd wr mr mw me ac sd 
            7ffd1c000000-7ffd1c021000 rw-p 00000000 00:00 0                          [stack]
            Size:                132 kB
            Referenced:            0 kB
            VmFlags: rd wr mr mw me gd ac 

            """
        #expect(
            ProcSmaps.areas(Array(smaps.utf8)) == [
                .init(range: AddressRange(0x7f0a_0000_0000, 0x7f0a_0020_0000), referencedKiB: 1024),
                .init(range: AddressRange(0x7ffd_1c00_0000, 0x7ffd_1c02_1000), referencedKiB: 0),
            ])
    }

    /// The ptrace rule (PTRACE_MODE_READ_FSCREDS without CAP_SYS_PTRACE, `__ptrace_may_access`):
    /// real, effective and saved uids all the caller's, the same for gids, and dumpable. The
    /// fourth (filesystem) id is not compared: FSCREDS compares the caller's fs ids with the
    /// target's real, effective and saved ones.
    @Test func ptraceRule() {
        let own = ProcessCredentials(uids: [1000, 1000, 1000, 1000], gids: [100, 100, 100, 100], dumpable: true)
        #expect(own.mayBeInspected(byUID: 1000, gid: 100))
        #expect(!own.mayBeInspected(byUID: 1001, gid: 100))
        #expect(!own.mayBeInspected(byUID: 1000, gid: 101))
        var notDumpable = own
        notDumpable.dumpable = false
        #expect(!notDumpable.mayBeInspected(byUID: 1000, gid: 100), "a non-dumpable process is not inspectable")
        for slot in 0..<3 {
            var setuid = own
            setuid.uids[slot] = 0
            #expect(!setuid.mayBeInspected(byUID: 1000, gid: 100), "uid slot \(slot)")
            var setgid = own
            setgid.gids[slot] = 0
            #expect(!setgid.mayBeInspected(byUID: 1000, gid: 100), "gid slot \(slot)")
        }
        var otherFS = own
        otherFS.uids[3] = 0
        #expect(otherFS.mayBeInspected(byUID: 1000, gid: 100), "the filesystem uid is not part of the rule")
    }

    /// Dumpable is read as the kernel shows it: /proc/PID is owned by root instead of the
    /// process's effective uid when it is not dumpable.
    @Test func credentialsFromStatus() {
        let status = "Name:\tsleep\nUid:\t1000\t1000\t1000\t1000\nGid:\t100\t100\t100\t100\n"
        #expect(ProcessCredentials(status: status, procOwner: 1000) == ProcessCredentials(uids: [1000, 1000, 1000, 1000], gids: [100, 100, 100, 100], dumpable: true))
        #expect(ProcessCredentials(status: status, procOwner: 0)?.dumpable == false)
        #expect(ProcessCredentials(status: "Uid:\t1\t2\t3\nGid:\t1\t2\t3\t4\n", procOwner: 2) == nil, "four ids or nothing")
    }
}
