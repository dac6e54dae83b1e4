import CKernels
import Testing
@testable import SynapseCore

/// `ThreadPool.runTeam`: one region whose threads meet at `syn_parallel_barrier`. Team threads only
/// record what they see; the expectations run on the test's own thread.
struct ThreadPoolTeamTests {
    /// Each thread writes its slot, waits at the barrier, then reads every slot: without a working
    /// barrier a thread would see a slot from the previous round.
    @Test func everyThreadSeesTheOthersWritesAfterTheBarrier() {
        let slots = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        slots.initialize(repeating: -1, count: 64)
        defer { slots.deallocate() }
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: 3 * 64)
        counters.initialize(repeating: 0, count: 3 * 64)
        defer { counters.deallocate() }
        let (shared, record) = (SendablePointer(slots), SendablePointer(counters))
        // Other tests' regions can hold the pool, and a region started then runs alone: keep going
        // until 2,000 rounds have run as a team (or 20 s have passed).
        let deadline = ContinuousClock.now + .seconds(20)
        var round = 0
        while counters[64] < 2_000 && ContinuousClock.now < deadline {
            round += 1
            ThreadPool.shared.runTeam { index, team in
                guard index >= 0, index < team, team <= 64 else { record.pointer[0] += 1; return }
                if team == 1 { return }
                record.pointer[64 + index] += 1
                // No atomics on purpose: the barrier is what orders the writes before the reads.
                shared.pointer[index] = round
                syn_parallel_barrier()
                for i in 0..<team where shared.pointer[i] != round { record.pointer[128 + index] += 1 }
                syn_parallel_barrier()
            }
        }
        #expect(counters[0] == 0, "a thread got an index outside its team")
        #expect((0..<64).allSatisfy { counters[128 + $0] == 0 }, "a thread read a slot before its owner wrote it")
        if ThreadPool.shared.threadCount > 1 && ThreadPool.shared.usesOpenMPTeam {
            #expect(counters[64] > 0, "no round ran as a team")
            // With two threads, both took part in every round that ran as a team.
            if ThreadPool.shared.threadCount == 2 { #expect(counters[64] == counters[65]) }
        }
    }

    /// Inside another region (or any call that cannot fork) the body runs once, as thread 0 of a
    /// team of one, and must not wait at barriers for threads that do not exist.
    @Test func nestedInsideARegionItRunsTheBodyOnce() {
        let counters = UnsafeMutablePointer<Int>.allocate(capacity: 64)
        counters.initialize(repeating: 0, count: 64)
        defer { counters.deallocate() }
        let record = SendablePointer(counters)
        ThreadPool.shared.run { outer in
            ThreadPool.shared.runTeam { index, team in
                syn_parallel_barrier()
                if index == 0 { record.pointer[outer] += 1 }
            }
        }
        for i in 0..<ThreadPool.shared.threadCount { #expect(counters[i] == 1) }
    }
}
