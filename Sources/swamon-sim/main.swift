import SwamonCore
import SwamonSimulation
for seed: UInt64 in 1...8 {
let space = SimulatedAddressSpace(pageSize: 4096)
space.add(1, .typical(anonymousBytes: 512 << 20, hotBytes: 64 << 20))
let ctx = MonitoringContext(targets: [Target(id: 1)], operations: VirtualAddressOperations(mode: .vaddr, addressSpace: space), minRegionSize: 4096, random: SplitMix64(seed: seed), clock: {0})
var ws: [UInt64] = []
ctx.callbacks.afterAggregation = { c in let s = c.snapshots()[0]; ws.append(s.accessedBytes >> 10); if c.aggregations == 100 { c.stopRequested = true } }
ctx.run(sleep: {_ in})
let st = ws.dropFirst(20).sorted()
print(seed, "min", st.first!, "p50", st[st.count/2], "max", st.last!, "of", 65536)
}
