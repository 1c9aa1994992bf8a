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
}
