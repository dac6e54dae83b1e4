import Synchronization

/// How a recurrence (a time loop whose steps depend on each other) spreads over the thread team:
/// by **batch rows**. The rows of a batch never interact inside a recurrence, so each thread can run
/// the whole time loop on its own rows with no synchronisation at all; splitting every step's small
/// product and cell kernel by columns instead costs a fork and a barrier per kernel, several per
/// time step. Measured on Zen 4 for the LSTM step product [32, 256]·[256, 1024]: 150 µs on one
/// thread, 87 µs split by oneDNN over two, 76–83 µs as two 16-row products on a thread each.
///
/// Inside the region oneDNN runs each product on the thread that calls it, whatever the primitive
/// was planned for; two threads may run one primitive at once because every execution has its own
/// stream and scratchpad (`DNNLPrimitiveCache`).
struct RecurrentBatchSplit {
    /// Fewer rows per thread than this and a product cannot use its vector registers well: the
    /// recurrence then runs unsplit (each kernel split by oneDNN or `parallelFor` as usual).
    static let minimumRowsPerThread = 8

    /// Number of row blocks: the team size when every thread gets enough rows, else 1.
    let blocks: Int
    /// Rows per block (the last block may have fewer).
    let blockRows: Int
    let rows: Int

    /// The split for a batch of `rows`, on the team the next region gets. A reduced team (a busy
    /// machine), a serial thread (a server worker) or a single thread gets one block.
    init(rows: Int) {
        let pool = ThreadPool.shared
        let threads = pool.threadCount
        let split = threads > 1 && !ThreadPool.isCallingThreadSerial && pool.effectiveThreadCount == threads
            && rows >= threads * Self.minimumRowsPerThread
        self.init(rows: rows, blocks: split ? threads : 1)
    }

    /// `blocks` blocks of `rows` whatever the team (tests).
    init(rows: Int, blocks: Int) {
        self.rows = rows
        self.blocks = Swift.max(1, blocks)
        blockRows = (rows + self.blocks - 1) / self.blocks
    }

    /// The distinct block sizes, each with what `make(rows)` builds for it (the recurrent product
    /// of a block of that many rows).
    func products<Product>(_ make: (_ rows: Int) -> Product) -> [Int: Product] {
        var made: [Int: Product] = [:]
        for block in 0..<blocks {
            let count = rowCount(of: block)
            if count > 0, made[count] == nil { made[count] = make(count) }
        }
        return made
    }

    /// Runs `body(firstRow, rowCount, shared)` for every block: with several blocks, once per team
    /// thread in one region (`shared` false: the body runs alone on its thread and must not split
    /// its kernels); with one block, on the calling thread (`shared` true: its kernels may use the
    /// team). Where the region cannot fork after all, the blocks run one after another on the
    /// calling thread, which is equally correct because they are independent.
    func run(_ body: (_ firstRow: Int, _ rowCount: Int, _ shared: Bool) -> Void) {
        guard blocks > 1 else {
            body(0, rows, true)
            return
        }
        // Threads claim blocks from a counter rather than taking block i: every block runs
        // exactly once whatever team the region really gets.
        let next = Atomic<Int>(0)
        ThreadPool.shared.run { _ in
            while true {
                let block = next.add(1, ordering: .relaxed).oldValue
                guard block < blocks else { return }
                let count = rowCount(of: block)
                if count > 0 { body(block * blockRows, count, false) }
            }
        }
    }

    /// Runs a row kernel, `kernel(firstRow, rowCount)`, over one block's rows as `run` handed them:
    /// split over the team by `parallelFor` (at least `grain` rows a thread) when the block is shared,
    /// in one call on this thread otherwise.
    static func forRows(_ firstRow: Int, _ rowCount: Int, shared: Bool, grain: Int, _ kernel: (_ firstRow: Int, _ rowCount: Int) -> Void) {
        if shared {
            ThreadPool.shared.parallelFor(rowCount, grain: grain) { r in kernel(firstRow + r.lowerBound, r.count) }
        } else {
            kernel(firstRow, rowCount)
        }
    }

    private func rowCount(of block: Int) -> Int {
        Swift.max(0, Swift.min(rows, (block + 1) * blockRows) - block * blockRows)
    }
}
