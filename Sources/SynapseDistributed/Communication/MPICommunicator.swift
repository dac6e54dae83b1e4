import CMPIBridge
import Foundation

/// All processes of an `mpirun` job, over Open MPI (Debian's `openmpi-bin`/`libopenmpi-dev`).
///
/// One communication thread makes every MPI call, in the order operations were started — the
/// order collectives need on every process — with MPI's own blocking calls, so each reduction
/// runs Open MPI's tuned algorithm at full speed (the design of Horovod's background thread).
/// `startAllReduceSum` only queues the operation and returns, so a gradient bucket is reduced
/// while the training thread runs the rest of backward. A thread that waits first checks for a
/// few milliseconds, yielding its core between checks (no sleeping hand-off on the critical path;
/// not when the process is bound to one core and MPI polls, see `spinSeconds`), then sleeps on a
/// condition until the operation is done — or until `timeout` seconds have passed, which throws
/// `DistributedError.timedOut` instead of hanging when a peer died or stopped. After a timeout the
/// communication thread may still be blocked inside MPI: end the job (`abortJob`), as the CLI does.
///
/// While it waits inside MPI, the communication thread yields its core to the training thread
/// when nothing progresses (`OMPI_MCA_mpi_yield_when_idle`, set before MPI starts unless the
/// environment sets it); at the barriers of the shared-memory sums it sleeps instead
/// (`sharedSumsSleepWhileWaiting`).
///
/// MPI is initialised once per process: `world()` returns the same communicator every time.
public final class MPICommunicator: Communicator, @unchecked Sendable {
    /// This process's rank in the job.
    public let rank: Int
    /// The job's number of processes.
    public let worldSize: Int
    /// The host this process runs on, as MPI names it.
    public let hostName: String
    /// Seconds a waiting thread checks without sleeping before it sleeps on a condition: 5 ms,
    /// except when the process is bound to one core (`mpirun`'s default binding of one core per
    /// rank) and the communication thread waits for its peers by polling inside MPI: then 0. On a
    /// single core that thread needs that very core, so a waiter that checks and yields only
    /// delays it with context switches (`perf` showed 5% of a W12 rank's time in `sched_yield` and
    /// task switches). When the shared-memory sums wait on a sleeping barrier instead
    /// (`sharedSumsSleepWhileWaiting`), the waiter's checks keep the core busy while the
    /// communication thread sleeps, so the peer's wake-up reaches a running core and not one that
    /// has halted. W12, 15 alternating pairs: 2.3% more samples/s on average than `MPI_Barrier`
    /// with no checks; the sleeping barrier without the checks gained nothing.
    public var spinSeconds: Double {
        boundToOneCore && !sharedSumsSleepWhileWaiting ? 0 : 0.005
    }
    private let boundToOneCore: Bool

    private let settings = NSLock()
    private var timeoutSeconds: Double
    // Serialises MPI calls: the communication thread's and `blockingAllReduceSum`'s.
    private let mpi = NSLock()
    // Guards the queue and the operations' completion; signalled on both.
    private let state = NSCondition()
    private var queue: [(operation: PendingCommunication, call: () -> Int32)] = []
    private var stopping = false
    private var finished = false
    // Set by the first timeout: the communication thread may be stuck inside MPI, so nothing more
    // is started and the operations still queued fail at once.
    private var broken: DistributedError?

    private static let creation = NSLock()
    nonisolated(unsafe) private static var instance: MPICommunicator?

    /// Seconds any one operation may wait for the other processes (default 300).
    public var timeout: Double {
        get { settings.lock(); defer { settings.unlock() }; return timeoutSeconds }
        set { settings.lock(); timeoutSeconds = newValue; settings.unlock() }
    }

    /// The communicator of every process in the job, initialising MPI on the first call (later
    /// calls return the same one and update its `timeout`).
    /// - Throws: `DistributedError` when MPI cannot start or lacks thread support.
    public static func world(timeout: Double = 300) throws(DistributedError) -> MPICommunicator {
        creation.lock()
        defer { creation.unlock() }
        if let instance {
            instance.timeout = timeout
            return instance
        }
        // The communication thread spins inside MPI while it waits; let the training thread run.
        setenv("OMPI_MCA_mpi_yield_when_idle", "1", 0)
        var rank: Int32 = 0, size: Int32 = 0, level: Int32 = 0
        let code = synapse_mpi_initialize(&rank, &size, &level)
        guard code == 0 else { throw Self.error(code, "MPI_Init_thread") }
        // The communication thread may sit inside MPI while another thread aborts the job or reads an error.
        guard level >= 3 else { throw .threadSupport(provided: Int(level)) }
        let communicator = MPICommunicator(rank: Int(rank), worldSize: Int(size), timeout: timeout)
        instance = communicator
        return communicator
    }

    /// Ends every process of the job with `code` (`MPI_Abort`): what a process does after an error,
    /// so that none of the others waits for it.
    public static func abortJob(code: Int32 = 1) -> Never {
        synapse_mpi_abort(code)
        exit(code)
    }

    private init(rank: Int, worldSize: Int, timeout: Double) {
        self.rank = rank
        self.worldSize = worldSize
        self.timeoutSeconds = timeout
        var name = [CChar](repeating: 0, count: 256)
        synapse_mpi_processor_name(&name, Int32(name.count))
        hostName = String(decoding: name.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        boundToOneCore = synapse_allowed_cpu_count() == 1
        let thread = Thread { [unowned self] in self.communicationLoop() }
        thread.name = "mpi"
        thread.start()
    }

    /// Waits for the operations started, stops the communication thread and finalises MPI (after
    /// which no communicator can be made in this process). Call once, at the end of a successful job.
    /// - Throws: `DistributedError.timedOut` when the operations started do not finish within
    ///   `timeout` seconds (MPI is then left as it is: end the job with `abortJob`).
    public func finalize() throws(DistributedError) {
        let deadline = Date(timeIntervalSinceNow: timeout)
        state.lock()
        stopping = true
        state.broadcast()
        while !finished {
            if !state.wait(until: deadline) && !finished {
                state.unlock()
                throw .timedOut(operation: "the operations still in flight at the end", seconds: timeout, rank: rank)
            }
        }
        state.unlock()
        mpi.lock()
        let code = synapse_mpi_is_active() != 0 ? synapse_mpi_finalize() : 0
        mpi.unlock()
        guard code == 0 else { throw Self.error(code, "MPI_Finalize") }
    }

    // MARK: The communication thread

    private func communicationLoop() {
        state.lock()
        while true {
            while queue.isEmpty && !stopping { state.wait() }
            if queue.isEmpty { break }
            let (operation, call) = queue.removeFirst()
            if let broken {
                operation.isDone = true
                operation.failure = broken
                state.broadcast()
                continue
            }
            state.unlock()
            mpi.lock()
            let code = call()
            mpi.unlock()
            state.lock()
            operation.isDone = true
            if code != 0 { operation.failure = Self.error(code, operation.label) }
            state.broadcast()
        }
        finished = true
        state.broadcast()
        state.unlock()
    }

    /// Queues `call` (an MPI call returning its error code) behind the operations already started.
    func start(_ label: String, _ call: @escaping () -> Int32) throws(DistributedError) -> PendingCommunication {
        let operation = PendingCommunication(label: label)
        state.lock()
        defer { state.unlock() }
        if let broken { throw broken }
        guard !stopping else { throw .unsupported(reason: "\(label): the communicator is finalized") }
        queue.append((operation, call))
        state.broadcast()
        return operation
    }

    /// Waits until `operation` is complete.
    /// - Throws: `DistributedError.timedOut` after `timeout` seconds; `.mpi` when MPI failed it.
    public func wait(_ operation: PendingCommunication) throws(DistributedError) {
        let seconds = timeout
        let deadline = Date(timeIntervalSinceNow: seconds)
        let spinEnd = DispatchTime.now().uptimeNanoseconds + UInt64(spinSeconds * 1e9)
        state.lock()
        defer { state.unlock() }
        // Most reductions finish within a few milliseconds: check without sleeping first.
        while !operation.isDone && DispatchTime.now().uptimeNanoseconds < spinEnd {
            state.unlock()
            sched_yield()
            state.lock()
        }
        while !operation.isDone {
            if !state.wait(until: deadline) && !operation.isDone {
                let failure = DistributedError.timedOut(operation: operation.label, seconds: seconds, rank: rank)
                broken = broken ?? failure
                throw failure
            }
        }
        if let failure = operation.failure { throw failure }
    }

    /// Runs `call` in order behind the operations started and waits for it.
    func run(_ label: String, _ call: @escaping () -> Int32) throws(DistributedError) {
        try wait(start(label, call))
    }

    // MARK: Collectives

    /// Starts summing `buffer` over all processes, in place, on the communication thread. When every
    /// process runs on this host the sum goes through one shared-memory window (each process copies
    /// its buffer in, sums a 1/N chunk of everyone's in rank order, copies the other chunks' sums
    /// out: two barriers, no transport fragments; `shared_reduce.c`), else through `MPI_Allreduce`.
    /// Every process gets the same bits either way. `SYNAPSE_MPI_SHARED_REDUCE=0` forces
    /// `MPI_Allreduce`.
    public func startAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>, label: String) throws(DistributedError) -> PendingCommunication {
        try start(label) { synapse_mpi_allreduce_sum_f32_shared(buffer.baseAddress, Int64(buffer.count)) }
    }

    /// Whether the shared-memory sums (`startAllReduceSum`'s window, `DistributedDataParallel`'s
    /// buckets) wait for the other processes on a barrier that sleeps (a futex in shared memory)
    /// rather than polling inside `MPI_Barrier`; false before the first such sum decides it, off
    /// Linux, and with `SYNAPSE_MPI_SLEEPING_BARRIER=0`. Reading it calls no MPI.
    public var sharedSumsSleepWhileWaiting: Bool { synapse_mpi_sleeping_barrier() == 1 }

    /// Whether `startAllReduceSum` sums through the shared-memory window (every process of the job
    /// on this host), once the first reduction has decided it; nil before. Reading it calls no MPI.
    public var sumsThroughSharedMemory: Bool? {
        state.lock()
        defer { state.unlock() }
        let decided = synapse_mpi_shared_reduce_state()
        return decided < 0 ? nil : decided == 1
    }

    /// Sums `buffer` over all processes with one `MPI_Allreduce` on the calling thread, without a
    /// deadline: the reference that benchmarks compare the queued path with.
    public func blockingAllReduceSum(_ buffer: UnsafeMutableBufferPointer<Float>) throws(DistributedError) {
        mpi.lock()
        let code = synapse_mpi_allreduce_sum_f32(buffer.baseAddress, Int64(buffer.count))
        mpi.unlock()
        guard code == 0 else { throw Self.error(code, "MPI_Allreduce") }
    }

    /// Runs `call` on a heap copy of `input` (zero-padded to `count` bytes) and returns the copy's
    /// bytes after it. The copy belongs to the queued call, so an operation that outlives a
    /// timed-out wait never writes into memory that is gone.
    private func runOnCopy(_ label: String, input: [UInt8], count: Int,
                           _ call: @escaping (UnsafeMutableRawPointer) -> Int32) throws(DistributedError) -> [UInt8] {
        let box = HeapBytes(count: count)
        input.withUnsafeBytes { raw in
            if let base = raw.baseAddress { box.pointer.copyMemory(from: base, byteCount: min(raw.count, count)) }
        }
        try run(label) { call(box.pointer) }
        return Array(UnsafeRawBufferPointer(start: box.pointer, count: count))
    }

    private static func bytes<T>(_ values: [T]) -> [UInt8] { values.withUnsafeBytes { Array($0) } }

    private static func values<T>(_ bytes: [UInt8], as type: T.Type) -> [T] {
        bytes.withUnsafeBytes { Array($0.bindMemory(to: T.self)) }
    }

    /// Sums `values` over all processes, in place.
    public func allReduceSum(_ values: inout [Double], label: String) throws(DistributedError) {
        let count = values.count, input = Self.bytes(values)
        let output = try runOnCopy(label, input: input, count: input.count) {
            synapse_mpi_allreduce_sum_f64($0.assumingMemoryBound(to: Double.self), Int64(count))
        }
        values = Self.values(output, as: Double.self)
    }

    /// Replaces `bytes` with `root`'s on every process.
    public func broadcast(_ bytes: inout [UInt8], root: Int, label: String) throws(DistributedError) {
        try checkRank(root, label)
        let count = bytes.count
        bytes = try runOnCopy(label, input: bytes, count: count) { synapse_mpi_broadcast($0, Int64(count), Int32(root)) }
    }

    /// Replaces `values` with `root`'s on every process.
    public func broadcast(_ values: inout [Float], root: Int, label: String) throws(DistributedError) {
        try checkRank(root, label)
        let input = Self.bytes(values), count = input.count
        values = Self.values(try runOnCopy(label, input: input, count: count) { synapse_mpi_broadcast($0, Int64(count), Int32(root)) },
                             as: Float.self)
    }

    /// Every process's `values`, in rank order.
    public func allGather(_ values: [Double], label: String) throws(DistributedError) -> [[Double]] {
        let count = values.count, size = worldSize
        guard count * MemoryLayout<Double>.stride <= Int(Int32.max) / max(size, 1) else {
            throw .unsupported(reason: "\(label): \(count) values per process are too many to gather at once")
        }
        let sendBytes = count * MemoryLayout<Double>.stride
        // One buffer: the send part, then room for every process's part.
        let output = try runOnCopy(label, input: Self.bytes(values), count: sendBytes * (size + 1)) {
            synapse_mpi_allgather($0, Int64(sendBytes), $0 + sendBytes)
        }
        let received = Self.values(Array(output[sendBytes...]), as: Double.self)
        return (0..<size).map { Array(received[($0 * count)..<(($0 + 1) * count)]) }
    }

    /// Returns when every process has called it.
    public func barrier(label: String) throws(DistributedError) {
        try run(label) { synapse_mpi_barrier() }
    }

    /// Sends `values` to `destination`; returns when the send buffer may be reused.
    public func send(_ values: [Float], to destination: Int, tag: Int) throws(DistributedError) {
        try checkRank(destination, "send")
        let input = Self.bytes(values), count = input.count
        _ = try runOnCopy("the send of \(values.count) values to rank \(destination)", input: input, count: count) {
            synapse_mpi_send($0, Int64(count), Int32(destination), Int32(tag))
        }
    }

    /// Receives `count` values sent by `source` with `tag`.
    public func receive(count: Int, from source: Int, tag: Int) throws(DistributedError) -> [Float] {
        try checkRank(source, "receive")
        let byteCount = count * MemoryLayout<Float>.stride
        let output = try runOnCopy("the receipt of \(count) values from rank \(source)", input: [], count: byteCount) {
            synapse_mpi_recv($0, Int64(byteCount), Int32(source), Int32(tag))
        }
        return Self.values(output, as: Float.self)
    }

    /// Sends `values` to `destination` while receiving `count` values from `source` (both in flight at once).
    public func sendReceive(_ values: [Float], to destination: Int, sendTag: Int,
                            count: Int, from source: Int, receiveTag: Int) throws(DistributedError) -> [Float] {
        try checkRank(destination, "send")
        try checkRank(source, "receive")
        let input = Self.bytes(values), sendBytes = input.count, receiveBytes = count * MemoryLayout<Float>.stride
        // One buffer: the values sent, then room for those received.
        let output = try runOnCopy("the exchange of \(values.count) values to rank \(destination) for \(count) from rank \(source)",
                                   input: input, count: sendBytes + receiveBytes) {
            synapse_mpi_sendrecv($0, Int64(sendBytes), Int32(destination), Int32(sendTag),
                                 $0 + sendBytes, Int64(receiveBytes), Int32(source), Int32(receiveTag))
        }
        return Self.values(Array(output[sendBytes...]), as: Float.self)
    }

    private func checkRank(_ peer: Int, _ label: String) throws(DistributedError) {
        guard (0..<worldSize).contains(peer) else {
            throw .unsupported(reason: "\(label): rank \(peer) is not in this job of \(worldSize) processes")
        }
    }

    static func error(_ code: Int32, _ operation: String) -> DistributedError {
        var text = [CChar](repeating: 0, count: 512)
        synapse_mpi_error_string(code, &text, Int32(text.count))
        return .mpi(operation: operation, code: code, message: String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
    }
}

/// Heap bytes owned by a queued MPI call (freed when the call and its caller are done with them).
private final class HeapBytes: @unchecked Sendable {
    let pointer: UnsafeMutableRawPointer

    init(count: Int) {
        pointer = .allocate(byteCount: max(count, 1), alignment: 16)
        pointer.initializeMemory(as: UInt8.self, repeating: 0, count: max(count, 1))
    }

    deinit { pointer.deallocate() }
}
