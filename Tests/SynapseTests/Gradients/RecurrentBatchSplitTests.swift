import Synchronization
import Testing
@testable import SynapseCore

/// The LSTM time loop split by batch rows (each team thread runs the whole loop on its own rows,
/// two threads running one cached product primitive at once): it must equal the unsplit loop of a
/// serial thread and finite differences, for batches that split evenly and unevenly.
@Suite("Gradients: recurrence split by batch rows")
struct RecurrentBatchSplitTests {
    @Test("the blocks cover every row exactly once", arguments: [(33, 2), (32, 2), (40, 3), (7, 1), (9, 4)])
    func blocksCoverRows(rows: Int, blocks: Int) {
        let split = RecurrentBatchSplit(rows: rows, blocks: blocks)
        let seen = Mutex<[Int]>([])
        split.run { lo, count, shared in
            #expect(shared == (split.blocks == 1))
            seen.withLock { $0 += Array(lo..<(lo + count)) }
        }
        #expect(seen.withLock { $0.sorted() } == Array(0..<rows))
    }

    @Test("a team splits a batch with enough rows per thread; a serial thread never does")
    func splitDecision() {
        let pool = ThreadPool.shared
        let rows = pool.threadCount * RecurrentBatchSplit.minimumRowsPerThread
        // A busy machine may reduce the team (then nothing is split); it stays reduced for at least
        // 50 ms, so a full team before and after means the split saw a full team.
        let fullBefore = pool.effectiveThreadCount == pool.threadCount
        let split = RecurrentBatchSplit(rows: rows)
        let fullAfter = pool.effectiveThreadCount == pool.threadCount
        if pool.threadCount > 1 && fullBefore && fullAfter {
            #expect(split.blocks == pool.threadCount)
            #expect(split.blockRows == RecurrentBatchSplit.minimumRowsPerThread)
        } else if pool.threadCount == 1 || (!fullBefore && !fullAfter) {
            #expect(split.blocks == 1)
        }
        #expect(RecurrentBatchSplit(rows: rows - 1).blocks == 1)
        ThreadPool.setCallingThreadSerial(true)
        defer { ThreadPool.setCallingThreadSerial(false) }
        #expect(RecurrentBatchSplit(rows: rows).blocks == 1)
    }

    /// Forward values and every gradient of one LSTM recurrence.
    private static func lstmResults(rows: Int, hidden: Int, reverse: Bool) -> [[Float]] {
        let steps = 7
        let gatesX = GradientInputs.normal([steps, rows, 4 * hidden], seed: 41).detached().requiringGrad()
        let w = GradientInputs.normal([4 * hidden, hidden], seed: 42, std: 0.3).detached().requiringGrad()
        let b = GradientInputs.normal([4 * hidden], seed: 43).detached().requiringGrad()
        let h0 = GradientInputs.normal([rows, hidden], seed: 44).detached().requiringGrad()
        let c0 = GradientInputs.normal([rows, hidden], seed: 45).detached().requiringGrad()
        let y = lstmRecurrence(gatesX, weightHH: w, biasHH: b, h0: h0, c0: c0, reverse: reverse)
        y.backward(FiniteDifference.weights(like: y.shape))
        return [y.scalars] + [gatesX, w, b, h0, c0].map { $0.grad?.scalars ?? [] }
    }

    @Test("split by rows equals a serial thread's unsplit loop, values and gradients",
          arguments: [(16, 256, false), (33, 256, true), (33, 24, false), (48, 37, true)])
    func splitEqualsSerial(rows: Int, hidden: Int, reverse: Bool) {
        ThreadPool.setCallingThreadSerial(true)
        let serial = Self.lstmResults(rows: rows, hidden: hidden, reverse: reverse)
        ThreadPool.setCallingThreadSerial(false)
        // Several times: a busy machine may reduce the team for a while (then the loop runs unsplit
        // or its blocks one after another), and every way must give the serial result.
        for _ in 0..<5 {
            let team = Self.lstmResults(rows: rows, hidden: hidden, reverse: reverse)
            for (name, (got, want)) in zip(["y", "dgatesX", "dW_hh", "db_hh", "dh0", "dc0"], zip(team, serial)) {
                #expect(got.count == want.count)
                let worst = zip(got, want).map { abs($0 - $1) / (1 + abs($1)) }.max() ?? 0
                #expect(worst <= 1e-5, "rows \(rows) hidden \(hidden) reverse \(reverse): \(name) differs from the serial loop by \(worst)")
            }
        }
    }

    @Test("split by rows vs finite differences, an uneven batch (9 + 8 rows)", arguments: [false, true])
    func splitGradient(reverse: Bool) {
        let inputs = [GradientInputs.normal([5, 17, 12], seed: 51), GradientInputs.normal([12, 3], seed: 52, std: 0.5),
                      GradientInputs.normal([12], seed: 53), GradientInputs.normal([17, 3], seed: 54),
                      GradientInputs.normal([17, 3], seed: 55)]
        FiniteDifference.check("lstmRecurrence 17 rows reverse=\(reverse)", inputs) { a in
            lstmRecurrence(a[0], weightHH: a[1], biasHH: a[2], h0: a[3], c0: a[4], reverse: reverse)
        }
    }
}
