import SwamonSysfs
import SystemPackage
import Testing

/// The kernel's kstrto* rules at their edges: base prefixes, one trailing newline, the type's
/// range, and what is not a number.
@Suite struct KernelInputTests {
    func ulong(_ text: String) -> Result<UInt64, Errno> { Result { () throws(Errno) in try KernelInput.unsignedLong(text) } }
    func int(_ text: String) -> Result<Int32, Errno> { Result { () throws(Errno) in try KernelInput.int(text) } }

    @Test func unsignedLong() {
        #expect(ulong("0") == .success(0))
        #expect(ulong("42\n") == .success(42))
        #expect(ulong("+7") == .success(7))
        #expect(ulong("0x1f") == .success(31))
        #expect(ulong("0X1F") == .success(31))
        #expect(ulong("010") == .success(8))
        #expect(ulong("18446744073709551615") == .success(UInt64.max))
        #expect(ulong("18446744073709551616") == .failure(.outOfRange))
        #expect(ulong("08") == .failure(.invalidArgument))
        // "0x" without a hex digit after it is octal 0 followed by a stray "x".
        #expect(ulong("0x") == .failure(.invalidArgument))
    }

    @Test func malformedNumbers() {
        for text in ["", "\n", " 1", "1 ", "1\n\n", "-1", "1a", "abc", "0xg"] {
            #expect(ulong(text) == .failure(.invalidArgument), "\(text.debugDescription)")
        }
    }

    @Test func int32() {
        #expect(int("-1") == .success(-1))
        #expect(int("2147483647") == .success(Int32.max))
        #expect(int("2147483648") == .failure(.outOfRange))
        #expect(int("-2147483648") == .success(Int32.min))
        #expect(int("-2147483649") == .failure(.outOfRange))
        #expect(int("-0x10") == .success(-16))
        #expect(Result { () throws(Errno) in try KernelInput.unsignedInt("4294967295") } == .success(UInt32.max))
        #expect(Result { () throws(Errno) in try KernelInput.unsignedInt("4294967296") } == .failure(.outOfRange))
    }

    @Test func booleansAndWords() {
        for (text, value) in [("Y", true), ("y\n", true), ("1", true), ("on", true), ("N", false), ("0", false), ("off", false), ("of", false)] {
            #expect(Result { () throws(Errno) in try KernelInput.bool(text) } == .success(value), "\(text)")
        }
        for text in ["", "o", "x", "true"] {
            #expect(Result { () throws(Errno) in try KernelInput.bool(text) } == .failure(.invalidArgument), "\(text)")
        }
        #expect(KernelInput.streq("vaddr\n", "vaddr"))
        #expect(KernelInput.streq("vaddr", "vaddr"))
        #expect(!KernelInput.streq("vaddr\n\n", "vaddr"))
        #expect(!KernelInput.streq("vaddr ", "vaddr"))
    }
}
