import Foundation
import Testing
import SwamonCore
@testable import SwamonProtocol

/// The kernel's `mm/damon/dbgfs-test.h` (suite "damon-dbgfs"): the same inputs and read-backs,
/// applied to swamond's file formats.
@Suite("damon-dbgfs (KUnit)")
struct DbgfsKUnitTests {
    /// damon_dbgfs_test_str_to_target_ids
    @Test(arguments: [
        ("123", [123]), ("123abc", [123]), ("a123", []), ("12 35", [12, 35]), ("12 35 46", [12, 35, 46]),
        ("12 35 abc 46", [12, 35]), ("", []), ("\n", []),
    ] as [(String, [Int64])])
    func strToTargetIDs(input: String, ids: [Int64]) throws {
        #expect(try TargetIDsFormat.parse(input) == .pids(ids))
    }

    /// damon_dbgfs_test_set_targets (sprint_target_ids)
    @Test func setTargets() {
        #expect(TargetIDsFormat.render([1, 2, 3]) == "1 2 3\n")
        #expect(TargetIDsFormat.render([]) == "\n")
        #expect(TargetIDsFormat.render([1, 2]) == "1 2\n")
        #expect(TargetIDsFormat.render([2]) == "2\n")
    }

    /// damon_dbgfs_test_set_init_regions (5.16: the first field is the target id; targets 1, 2, 3)
    @Test(arguments: [
        ("2 10 20\n 2   20 30\n2 35 45", "2 10 20\n2 20 30\n2 35 45\n"),
        ("2 10 20\n", "2 10 20\n"),
        ("2 10 20\n1 39 59\n1 70 134\n  2  20 25\n", "1 39 59\n1 70 134\n2 10 20\n2 20 25\n"),
        ("", ""),
    ])
    func setInitRegions(input: String, readBack: String) throws {
        let ids: [Target.ID] = [1, 2, 3]
        let regions = try InitRegionsFormat.parse(input, targetIDs: ids)
        #expect(InitRegionsFormat.render(targetIDs: ids, regions: regions) == readBack)
    }

    /// damon_dbgfs_test_set_init_regions, the invalid inputs: no such target, overlap, unsorted;
    /// and add_init_region's `ar->start >= ar->end` (an empty or inverted region).
    @Test(arguments: ["4 10 20\n", "2 10 20\n 2 14 26\n", "1 10 20\n2 30 40\n 1 5 8", "1 10 10", "1 20 10"])
    func setInitRegionsInvalid(input: String) {
        #expect(throws: ControlError.self) { try InitRegionsFormat.parse(input, targetIDs: [1, 2, 3]) }
    }
}

@Suite("debugfs file formats")
struct FileFormatTests {
    /// debugfs_attrs.sh: five numbers succeed, four fail; extra tokens are ignored.
    @Test func attrs() throws {
        let attrs = try AttrsFormat.parse("1 2 3 4 5")
        #expect(AttrsFormat.render(attrs) == "1 2 3 4 5\n")
        #expect(throws: ControlError.self) { try AttrsFormat.parse("1 2 3 4") }
        #expect(try AttrsFormat.parse("5000 100000 60000000 10 1000 junk") == .kernelDefault)
        #expect(throws: ControlError.self) { try AttrsFormat.parse("1 2 3 4 99999999999999999999999") }
        #expect(throws: AttributesError.minAboveMax(min: 5, max: 4)) { try AttrsFormat.parse("1 2 3 5 4").validate() }
    }

    @Test func targetIDs() throws {
        #expect(try TargetIDsFormat.parse("paddr") == .paddr)
        #expect(try TargetIDsFormat.parse("paddr\n") == .paddr)
        #expect(try TargetIDsFormat.parse("paddr 1") == .pids([]))
        #expect(try TargetIDsFormat.parse("-1 5") == .pids([-1, 5]))
        // Beyond Int64 either way: EINVAL, never a trap.
        #expect(try TargetIDsFormat.parse("9223372036854775807") == .pids([Int64.max]))
        #expect(throws: ControlError.self) { try TargetIDsFormat.parse("9223372036854775808") }
        #expect(throws: ControlError.self) { try TargetIDsFormat.parse("-9223372036854775808") }
        #expect(throws: ControlError.self) { try TargetIDsFormat.parse("-18446744073709551615") }
        #expect(try TargetIDsFormat.parse("1 2 abc 4") == .pids([1, 2]))
    }

    /// debugfs_schemes.sh, and the 5.16 validation rules.
    @Test func schemes() throws {
        let one = try SchemesFormat.parse("1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1")
        #expect(one.count == 1)
        #expect(one[0].action == .nohugepage)
        #expect(SchemesFormat.render(one) == "1 2 3 4 5 6 4 0 0 0 1 2 3 1 100 3 2 1 0 0\n")
        #expect(throws: ControlError.self) { try SchemesFormat.parse(#"1 2\n3 4 5 6 3 0 0 0 1 2 3 1 100 3 2 1"#) }
        #expect(try SchemesFormat.parse("").isEmpty)
        #expect(throws: ControlError.self) { try SchemesFormat.parse("2 1 2 1 10 1 3 10 1 1 1 1 1 1 1 1 2 3") }
        // 6 is swamond's collapse (MADV_COLLAPSE); 7 and above are no action.
        #expect(try SchemesFormat.parse("1 2 3 4 5 6 6 0 0 0 1 2 3 1 100 3 2 1")[0].action == .collapse)
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4 5 6 7 0 0 0 1 2 3 1 100 3 2 1") }
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4 5 6 5 0 0 0 1 2 3 2 100 3 2 1") }
        // Each minimum above its maximum alone: accesses, then age.
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 4 3 5 6 5 0 0 0 1 2 3 1 100 3 2 1") }
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4 6 5 5 0 0 0 1 2 3 1 100 3 2 1") }
        // Watermarks: high >= mid holds but mid < low.
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4 5 6 5 0 0 0 1 2 3 1 100 3 1 2") }
        // Equal bounds are fine (closed ranges).
        #expect(try SchemesFormat.parse("2 2 3 3 5 5 5 0 0 0 1 2 3 1 100 2 2 2").count == 1)
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4 5 6 5 0 0 0 1 2 3 0 100 1 2 3") }
        #expect(throws: ControlError.self) { try SchemesFormat.parse("1 2 3 4294967296 5 6 5 0 0 0 1 2 3 0 100 3 2 1") }
        // Every 32-bit field is range-checked before it is narrowed (fields 3-7 and 11-14).
        for field in [2, 3, 4, 5, 6, 10, 11, 12, 13] {
            var numbers = "0 9 0 9 0 9 5 0 0 0 1 2 3 0 100 3 2 1".split(separator: " ").map(String.init)
            numbers[field] = "4294967296"
            #expect(throws: ControlError.self, "field \(field + 1)") { try SchemesFormat.parse(numbers.joined(separator: " ")) }
        }
        let two = try SchemesFormat.parse("0 100 0 20 0 99 5 0 0 0 0 0 0 0 0 0 0 0  4096 8192 1 1 1 2 2 0 0 0 0 0 0 0 0 0 0 0")
        #expect(two.map(\.action) == [.stat, .pageout])
        // The read-back's two 5.16 statistics are nr_tried and sz_tried; schemes_stats has all five.
        var counted = two
        counted[1].stats.triedCount = 3
        counted[1].stats.triedBytes = 12288
        counted[1].stats.appliedCount = 2
        counted[1].stats.appliedBytes = 8192
        counted[1].stats.quotaExceeds = 1
        #expect(SchemesFormat.render(counted).split(separator: "\n")[1].hasSuffix(" 3 12288"))
        #expect(SchemesFormat.renderStats(counted.map(\.stats)) == "0 0 0 0 0\n3 12288 2 8192 1\n")
    }

    @Test func monitorOn() throws {
        #expect(try MonitorOnFormat.parse("on") == true)
        #expect(try MonitorOnFormat.parse(" off \n") == false)
        for bad in ["", "o", "onx", "ON", "1"] {
            #expect(throws: ControlError.self) { try MonitorOnFormat.parse(bad) }
        }
    }

    @Test func contextNames() throws {
        try ContextName.validate("foo")
        try ContextName.validate("a-b_c9")
        for bad in ["", "9lives", "Foo", "root", "attrs", "monitor_on", "a/b", String(repeating: "a", count: 65)] {
            #expect(throws: ControlError.self) { try ContextName.validate(Substring(bad)) }
        }
        #expect(try ContextName.firstWord(of: "  foo bar") == "foo")
    }

    @Test func results() {
        let snapshot = AggregationSnapshot(
            targetID: 42, timestamp: 7, samples: 20,
            regions: [
                .init(range: AddressRange(0x1000, 0x3000), accessCount: 20, age: 3),
                .init(range: AddressRange(0x3000, 0x7000), accessCount: 0, age: 9),
            ])
        #expect(ResultsFormat.regions([snapshot]) == "42 1000 3000 20 3\n42 3000 7000 0 9\n")
        #expect(ResultsFormat.watchLine(context: "root", snapshot) == "aggregation root 42 7 2 24576 8192 1000-3000:20:3 3000-7000:0:9")
    }
}

@Suite("requests and responses")
struct RequestTests {
    @Test func parsing() throws {
        #expect(try Request(parsing: "read attrs") == .read(ControlPath(file: "attrs")))
        #expect(try Request(parsing: "read foo/attrs\r") == .read(ControlPath(context: "foo", file: "attrs")))
        #expect(try Request(parsing: "write target_ids") == .write(ControlPath(file: "target_ids"), content: ""))
        #expect(try Request(parsing: "write target_ids ") == .write(ControlPath(file: "target_ids"), content: ""))
        #expect(try Request(parsing: "write attrs  1 2 3 4 5 ") == .write(ControlPath(file: "attrs"), content: " 1 2 3 4 5 "))
        #expect(try Request(parsing: "watch") == .watch(context: nil))
        #expect(try Request(parsing: "watch foo") == .watch(context: "foo"))
        #expect(try Request(parsing: "version") == .version)
        for bad in ["", "read", "read a b", "frobnicate", "write", "read a/b/c", "read /attrs", "help me"] {
            #expect(throws: ControlError.self, "\(bad)") { try Request(parsing: Substring(bad)) }
        }
        for request in [Request.read(ControlPath(context: "x", file: "attrs")), .write(ControlPath(file: "attrs"), content: "1 2 3 4 5"), .quit] {
            #expect(try Request(parsing: Substring(request.line)) == request)
        }
    }

    @Test func responses() {
        #expect(Response.ok.text == "ok\n")
        #expect(Response.ok(content: "\n").text == "\nok\n")
        #expect(Response.error(ControlError(.EBUSY, "context root is running")).text == "error EBUSY context root is running\n")
        #expect(Response(contentLines: ["1 2"], statusLine: "ok") == .ok(content: "1 2\n"))
        #expect(Response(contentLines: [], statusLine: "error EPERM nothing runs") == .error(ControlError(.EPERM, "nothing runs")))
        #expect(Response.isStatusLine("ok") && Response.isStatusLine("error EINVAL x") && !Response.isStatusLine("okay"))
    }
}

/// swamond's unit and control-group words in `target_ids`.
@Suite("target_ids units")
struct TargetUnitWordTests {
    @Test(arguments: [
        ("unit:nginx.service", TargetIDsFormat.Input.unit("nginx.service")),
        ("unit:session-3.scope\n", .unit("session-3.scope")),
        ("  unit:user@1000.service  ", .unit("user@1000.service")),
        ("unit:system-getty.slice", .unit("system-getty.slice")),
        ("cgroup:/system.slice/nginx.service", .cgroup("/system.slice/nginx.service")),
        ("cgroup:/a", .cgroup("/a")),
    ] as [(String, TargetIDsFormat.Input)])
    func words(text: String, input: TargetIDsFormat.Input) throws {
        #expect(try TargetIDsFormat.parse(text) == input)
        #expect(input.word == text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test(arguments: [
        "unit:", "unit:nginx", "unit:.service", "unit:ng inx.service", "unit:a/b.service", "unit:nginx.timer", "unit:nginx.service extra",
        "cgroup:", "cgroup:/", "cgroup:relative", "cgroup:/a/../b", "cgroup:/a//b", "cgroup:/a/./b", "cgroup:/a b",
    ])
    func badWords(text: String) {
        #expect(throws: ControlError.self) { try TargetIDsFormat.parse(text) }
    }
}
