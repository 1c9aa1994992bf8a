import SwamonProtocol
import SwamonReports
import Testing

@Suite("report texts")
struct ReportTextTests {
    /// The exact text `damo report wss --input F --exclude_samples 0 --per_target` (damo 3.4.3)
    /// printed for the scripted record: sorted sizes 8, 8, 12, 20 KiB; percentile p takes index
    /// int(p / 100 × 4), p100 the last; bars scaled to the largest printed size.
    @Test func workingSetIsDamos() {
        let report = WorkingSetReport([Scripted.record])
        #expect(report.targets[0].sizes == [12288, 8192, 20480, 8192])
        #expect(report.text() == """
            # target_id\t1234
            # <percentile> <wss>
            # avr:\t12.000 KiB
              0       8.000 KiB |***********************                                    |
             25       8.000 KiB |***********************                                    |
             50      12.000 KiB |***********************************                        |
             75      20.000 KiB |***********************************************************|
            100      20.000 KiB |***********************************************************|

            """)
    }

    /// A region counts from `accessThreshold` samples on (damo's --acc_thres); excluded
    /// snapshots are the first ones.
    @Test func workingSetThresholdAndExclusion() {
        let two = WorkingSetReport([Scripted.record], percentiles: [0, 100], accessThreshold: 10, excluded: 1)
        // Snapshot 1: the 8 KiB region at 10 samples; 2: the 4 KiB one at 20 (the 16 KiB at 5 is out); 3: none.
        #expect(two.targets[0].sizes == [8192, 4096, 0])
        #expect(two.targets[0].percentiles.map(\.bytes) == [0, 8192])
        let eleven = WorkingSetReport([Scripted.record], accessThreshold: 11)
        #expect(eleven.targets[0].sizes == [8192, 0, 4096, 0])
        let none = WorkingSetReport([Scripted.record], excluded: 4)
        #expect(none.text().contains("# no snapshot"))
    }

    @Test func accessTableByAddress() {
        let report = AccessReport(Scripted.record)!
        #expect(report.text() == """
            # pid 1234: 4 regions, 36.0 KiB at 0.400 s (sample 5 ms, aggr 100 ms)
              #  start-end                         size  access  age
              0  1000-3000                      8.0 KiB     0 %  9.9 s
              1  3000-7000                     16.0 KiB     0 %  10 s
              2  7f0000000000-7f0000001000      4.0 KiB     0 %  30 min
              3  7f0000001000-7f0000003000      8.0 KiB     5 %  33.3 min
            # accessed 8.0 KiB of 36.0 KiB (22.2 %)

            """)
    }

    /// Hottest, oldest and largest first; ties in address order.
    @Test(arguments: [
        (AccessReport.Order.access, [0x7f00_0000_1000, 0x1000, 0x3000, 0x7f00_0000_0000] as [UInt64]),
        (.age, [0x7f00_0000_1000, 0x7f00_0000_0000, 0x3000, 0x1000]),
        (.size, [0x3000, 0x1000, 0x7f00_0000_1000, 0x7f00_0000_0000]),
        (.address, [0x1000, 0x3000, 0x7f00_0000_0000, 0x7f00_0000_1000]),
    ])
    func accessTableOrders(order: AccessReport.Order, starts: [UInt64]) {
        #expect(AccessReport(Scripted.record)!.regions(order).map(\.start) == starts)
    }

    /// Idle means nr_accesses 0 for at least the threshold: 100 aggregations of 100 ms are exactly
    /// 10 s (counted), 99 are not; 18000 are exactly 30 min; one sample is never idle.
    @Test func idleCurveBoundaries() {
        let report = IdleReport([Scripted.record])
        #expect(report.targets[0].totalBytes == 36864)
        #expect(report.targets[0].idleBytes == [20480, 4096, 4096, 4096])
        #expect(report.text() == """
            # pid 1234: 36.0 KiB monitored
            idle for at least        bytes  share
            10 s                  20.0 KiB  55.6 %
            1 min                  4.0 KiB  11.1 %
            5 min                  4.0 KiB  11.1 %
            30 min                 4.0 KiB  11.1 %

            """)
    }

    @Test func emptyRecordsMakeNoReport() {
        let empty = TargetRecord(targetID: 5, intervals: Scripted.intervals)
        #expect(AccessReport(empty) == nil)
        #expect(IdleReport([empty]).targets.isEmpty)
    }
}
