import Foundation
import SynapseCore
import SynapseNN
import SynapseTraining

/// Data-parallel training (PyTorch's `DistributedDataParallel`): every process holds a replica of
/// `module`, trains on its own share of each batch (`DistributedSampler`), and after each backward
/// pass every gradient is the mean over the processes — so N processes with batch B step exactly as
/// one process with batch N·B, up to the order of the floating-point sums.
///
/// - At creation the replicas are checked to have the same parameters, and rank 0's parameters
///   and buffers are copied to every process.
/// - Gradients are reduced in buckets of about `bucketCapacityBytes` (25 MiB by default, as DDP;
///   the first bucket at most 1 MiB, as DDP's, so reducing starts early), filled in reverse
///   parameter order — the order backward produces them. A bucket's reduction starts as soon as
///   its last gradient is final, while backward goes on (`backward`'s `leafGradientReady`);
///   buckets start in the same order on every process. A parameter larger than a bucket gets one
///   of its own, so smaller buckets overlap more of backward (at more reductions per step).
/// - When every process runs on one host (`MPICommunicator`, unless `SYNAPSE_MPI_SHARED_REDUCE=0`
///   or `SYNAPSE_MPI_SHARED_BUCKETS=0`),
///   the buckets live in shared memory that all of them map (`SharedReductionRegion`): backward's
///   gradients are copied once, into the bucket, instead of into a communication buffer and back
///   as well. With up to 4 processes, the end of backward is one barrier, after which each
///   process reads every process's buckets and writes their mean straight into its gradients
///   (`sumsOnWriteBack`): no per-bucket reduction, no communication during backward, one pass
///   over the gradients. With more processes (or `SYNAPSE_MPI_BUCKET_SUMS=chunks`), each bucket
///   is summed in place as it completes, each process summing a 1/N chunk of it (reading N
///   whole buckets each would cost more than the second barrier this takes). Both give the
///   same bits: the sums run in rank order.
/// - Buffers (batch-norm running statistics) are copied from rank 0 after each step when
///   `broadcastBuffers` is on, as DDP's `broadcast_buffers` (a model without buffers sends nothing).
/// - The parameters and buffers are those `module` holds when wrapped: like DDP, this wrapper
///   keeps them (their values may change; replacing a `Parameter` or `Buffer` object afterwards
///   is not seen).
/// - Parameters a pass did not reach send zeros; one that no process used keeps no gradient.
///
/// With `Trainer`, set it as `gradientSynchronizer` and add `DistributedTrainingCallback`:
/// ```swift
/// let world = try MPICommunicator.world()
/// let loader = DataLoader(train, batchSize: 64, shuffle: true, dropLast: true, seed: 0,
///                         sampler: DistributedSampler(rank: world.rank, worldSize: world.worldSize))
/// let ddp = try DistributedDataParallel(model, communicator: world)
/// let trainer = Trainer(model: model, optimizer: Adam(model.parameters()), objective: .classification(model),
///                       train: loader, callbacks: [DistributedTrainingCallback(communicator: world)])
/// trainer.gradientSynchronizer = ddp
/// ```
/// In a loop of your own, `try ddp.backward(loss)` replaces `loss.backward()`; a plain
/// `loss.backward()` accumulates locally without reducing (PyTorch's `no_sync`), for gradient
/// accumulation across micro-batches.
public final class DistributedDataParallel: GradientSynchronizer {
    /// The replica trained in this process.
    public let module: Module
    /// The processes it is reduced over.
    public let communicator: any Communicator
    /// The most bytes of gradient in one bucket (a parameter larger than that gets its own).
    public let bucketCapacityBytes: Int
    /// Copy rank 0's buffers to every process after each step.
    public var broadcastBuffers: Bool
    /// The synchronizer every `BatchNorm` of `module` shares when made with `synchronizeBatchNorm`.
    public let batchNormSynchronizer: SyncBatchNorm?
    private let buckets: [GradientBucket]
    /// Where the buckets live when the processes share a host (nil: each bucket has its own buffer).
    /// Set once, at creation, after the processes are known to have the same buckets.
    private var region: SharedReductionRegion?
    /// Each bucket's first float in the region's areas (cache-line aligned).
    private var regionOffsets: [Int] = []
    /// Backward passes begun: the region's area alternates between them.
    private var passes = 0
    /// With a region: sum every process's buckets while writing the means back, after one
    /// barrier, instead of reducing each bucket in place (agreed: part of the layout check).
    private let sumsWhenWritingBack: Bool
    // Listed once: walking the module tree (reflection) each step cost 0.3 ms of W12's 13 ms step.
    private let buffers: [Buffer]
    private var slotOfLeaf: [ObjectIdentifier: (bucket: Int, slot: Int)] = [:]
    /// The flat copy broadcast by `broadcastState`, kept between steps so the per-step buffer
    /// broadcast allocates nothing.
    private var stateScratch: [Float] = []
    private var nextLaunch = 0
    private var failure: DistributedError?
    /// Whether the buckets live in shared memory that every process maps (and are summed there).
    public var bucketsInSharedMemory: Bool { region != nil }
    /// Whether the buckets in shared memory are summed as their means are written back, after
    /// one barrier at the end of backward (up to 4 processes), rather than in place, bucket by
    /// bucket, by 1/N chunks. False without shared memory.
    public var sumsOnWriteBack: Bool { region != nil && sumsWhenWritingBack }
    /// Buckets whose reduction started during the last backward pass (overlapped with it).
    public private(set) var bucketsStartedDuringBackward = 0
    /// Seconds spent in `finishBackward` (waiting for reductions, copying gradients back, buffers)
    /// since the wrapper was made, and the number of calls: what communication costs a step
    /// beyond what backward hid.
    public private(set) var synchronization: (seconds: Double, steps: Int) = (0, 0)

    /// Wraps `module`, checks that every process has the same parameters and copies rank 0's
    /// parameters and buffers to all.
    /// - Parameters:
    ///   - bucketCapacityMB: the most mebibytes of gradient per bucket (default 25, as DDP).
    ///   - broadcastBuffers: copy rank 0's buffers after each step (default true).
    ///   - synchronizeBatchNorm: normalise every `BatchNorm` of `module` over the global batch in
    ///     training (`SyncBatchNorm`) instead of each process's share (default false, as DDP).
    /// - Throws: `DistributedError.mismatch` naming what differs; communication errors.
    public init(_ module: Module, communicator: any Communicator, bucketCapacityMB: Double = 25,
                broadcastBuffers: Bool = true, synchronizeBatchNorm: Bool = false) throws(DistributedError) {
        guard bucketCapacityMB > 0, bucketCapacityMB.isFinite else {
            throw .unsupported(reason: "bucket capacity \(bucketCapacityMB) MB is not a positive size")
        }
        self.module = module
        self.communicator = communicator
        self.bucketCapacityBytes = Int(min(bucketCapacityMB * 1_048_576, Double(Int32.max)))
        self.broadcastBuffers = broadcastBuffers
        batchNormSynchronizer = synchronizeBatchNorm ? SyncBatchNorm.convert(module, communicator: communicator) : nil
        buffers = module.namedBuffers().map(\.1)
        let trainable = Self.uniqueParameters(module).filter(\.requiresGrad)
        buckets = Self.makeBuckets(Array(trainable.reversed()), capacityBytes: bucketCapacityBytes,
                                   firstCapacityBytes: min(bucketCapacityBytes, Self.firstBucketCapacityBytes))
        sumsWhenWritingBack = try Self.sumsWhenWritingBack(processes: communicator.worldSize,
                                                           setting: ProcessInfo.processInfo.environment["SYNAPSE_MPI_BUCKET_SUMS"])
        try checkSameLayout()
        var offsets: [Int] = [], floats = 0
        for bucket in buckets {
            offsets.append(floats)
            floats += (bucket.flatCount + 15) / 16 * 16
        }
        regionOffsets = offsets
        region = try (communicator as? MPICommunicator)?.makeSharedReductionRegion(
            count: floats, label: "the shared memory for \(buckets.count) gradient buckets (\(floats * 4) bytes)")
        try broadcastState(parameters: true, buffers: true, label: "the initial parameters and buffers from rank 0")
    }

    /// Each bucket's parameter count and bytes, in launch order.
    public var bucketSizes: [(parameters: Int, bytes: Int)] { buckets.map { ($0.parameters.count, $0.byteCount) } }

    /// Backpropagates from `loss` and reduces the gradients (`beginBackward`, `backward` with
    /// `gradientReady`, `finishBackward`).
    public func backward(_ loss: Tensor) throws(DistributedError) {
        beginBackward()
        loss.backward(leafGradientReady: gradientReady)
        try finishBackward()
    }

    // MARK: GradientSynchronizer

    /// Maps the parameters' current autodiff leaves to their bucket slots and clears the buckets.
    public func beginBackward() {
        slotOfLeaf.removeAll(keepingCapacity: true)
        passes += 1
        for (b, bucket) in buckets.enumerated() {
            bucket.reset(storage: region?.area(passes & 1).map { $0 + regionOffsets[b] })
            for (s, p) in bucket.parameters.enumerated() {
                if let leaf = p.value.autogradLeafIdentity { slotOfLeaf[leaf] = (b, s) }
            }
        }
        nextLaunch = 0
        failure = nil
        bucketsStartedDuringBackward = 0
    }

    /// Copies the parameter's final gradient into its bucket and starts every bucket, in order,
    /// that is now complete (buckets summed on write-back wait for the end of backward).
    public func gradientReady(_ leaf: ObjectIdentifier) {
        guard failure == nil, let (b, s) = slotOfLeaf[leaf] else { return }
        do throws(DistributedError) {
            try buckets[b].fill(s)
            if b == nextLaunch && buckets[b].isFull && sharedAreas() == nil {
                bucketsStartedDuringBackward += try launchCompleteBuckets()
            }
        } catch {
            failure = error
        }
    }

    /// Starts the buckets still waiting (with zeros for parameters backward did not reach), waits
    /// for every reduction and writes the mean gradients back; then copies rank 0's buffers. Throws
    /// a failed batch-norm reduction of the step (`synchronizeBatchNorm`) too.
    public func finishBackward() throws(DistributedError) {
        let started = DispatchTime.now().uptimeNanoseconds
        defer {
            synchronization.seconds += Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            synchronization.steps += 1
        }
        if let failure { throw failure }
        try batchNormSynchronizer?.checkCommunication()
        for bucket in buckets[nextLaunch...] { try bucket.fillRemaining() }
        if let (region, mpi) = sharedAreas() {
            try mpi.wait(try mpi.startFence(region, label: "the barrier before the sums of \(buckets.count) gradient buckets in shared memory"))
            guard let areas = region.areasOfAllProcesses(passes & 1) else {
                throw .unsupported(reason: "the shared memory of the gradient buckets is gone (MPI is finalized)")
            }
            for (b, bucket) in buckets.enumerated() {
                bucket.writeBack(summing: areas.map { $0 + regionOffsets[b] }, worldSize: communicator.worldSize)
            }
        } else {
            try reduceBucketByBucket()
        }
        if broadcastBuffers { try broadcastState(parameters: false, buffers: true, label: "the buffers from rank 0") }
    }

    /// The region and communicator when this pass's buckets are summed on write-back (nil: each
    /// bucket is reduced on its own). A pass whose area is gone (MPI finalized) reduces buffers
    /// of its own, which fails with the communicator's error.
    private func sharedAreas() -> (SharedReductionRegion, MPICommunicator)? {
        guard sumsWhenWritingBack, let region, region.area(passes & 1) != nil, let mpi = communicator as? MPICommunicator else { return nil }
        return (region, mpi)
    }

    /// Starts the buckets not started yet, waits for every reduction and writes the means back.
    private func reduceBucketByBucket() throws(DistributedError) {
        _ = try launchCompleteBuckets()
        for bucket in buckets {
            if let pending = bucket.pending { try communicator.wait(pending) }
            bucket.pending = nil
            bucket.writeBack(worldSize: communicator.worldSize)
        }
    }

    /// Whether buckets in shared memory are summed on write-back: `setting` (the environment's
    /// `SYNAPSE_MPI_BUCKET_SUMS`) `write-back` or `chunks`, else write-back for up to 4 processes.
    /// Each process then reads N buckets where the chunked sums read about 2; beyond 4 processes
    /// that costs more than the barrier it saves.
    static func sumsWhenWritingBack(processes: Int, setting: String?) throws(DistributedError) -> Bool {
        switch setting {
        case nil, "": return processes <= 4
        case "write-back": return true
        case "chunks": return false
        case let other?: throw .unsupported(reason: "SYNAPSE_MPI_BUCKET_SUMS is write-back or chunks, not '\(other)'")
        }
    }

    /// Starts the reductions of complete buckets from `nextLaunch` on, in order; returns how many.
    private func launchCompleteBuckets() throws(DistributedError) -> Int {
        var started = 0
        while nextLaunch < buckets.count && buckets[nextLaunch].isFull {
            let bucket = buckets[nextLaunch]
            let label = "the gradient reduction of bucket \(nextLaunch + 1) of \(buckets.count) (\(bucket.byteCount) bytes)"
            if let region, region.area(passes & 1) != nil, let mpi = communicator as? MPICommunicator {
                bucket.pending = try mpi.startReduce(region, parity: passes & 1, offset: regionOffsets[nextLaunch],
                                                     count: bucket.flat.count, label: label)
            } else {
                bucket.pending = try communicator.startAllReduceSum(bucket.flat, label: label)
            }
            nextLaunch += 1
            started += 1
        }
        return started
    }

    // MARK: Set-up

    /// Parameters in definition order, each once (a tied weight is listed once).
    static func uniqueParameters(_ module: Module) -> [Parameter] {
        var seen = Set<ObjectIdentifier>()
        return module.parameters().filter { seen.insert(ObjectIdentifier($0)).inserted }
    }

    /// The first bucket's capacity (DDP's 1 MiB): the last layers' gradients start reducing early.
    static let firstBucketCapacityBytes = 1 << 20

    /// Consecutive parameters packed into buckets of at most `capacityBytes` (the first at most
    /// `firstCapacityBytes`; a larger parameter gets a bucket of its own).
    static func makeBuckets(_ parameters: [Parameter], capacityBytes: Int, firstCapacityBytes: Int) -> [GradientBucket] {
        var groups: [[Parameter]] = [], current: [Parameter] = [], bytes = 0
        for p in parameters {
            let size = p.value.count * MemoryLayout<Float>.stride
            let capacity = groups.isEmpty ? firstCapacityBytes : capacityBytes
            if !current.isEmpty && bytes + size > capacity {
                groups.append(current)
                current = []
                bytes = 0
            }
            current.append(p)
            bytes += size
        }
        if !current.isEmpty { groups.append(current) }
        return groups.enumerated().map { GradientBucket(index: $0.offset, parameters: $0.element) }
    }

    /// Every process must hold the same parameters (count, shapes) and buffers, else the
    /// reductions would mix unrelated values or wait forever.
    private func checkSameLayout() throws(DistributedError) {
        let parameters = Self.uniqueParameters(module)
        let trainable = parameters.filter(\.requiresGrad)
        // A shape checksum below 2^52, exact in a Double.
        var checksum: UInt64 = 1469598103934665603
        for shape in parameters.map(\.shape) + buffers.map(\.value.shape) {
            for d in shape + [-1] { checksum = (checksum ^ UInt64(bitPattern: Int64(d))) &* 1099511628211 }
        }
        // The buckets and the buffer broadcasts must match too: they are the collectives each step runs.
        for size in buckets.map(\.elementCount) + [broadcastBuffers ? 1 : 0, sumsWhenWritingBack ? 1 : 0] {
            checksum = (checksum ^ UInt64(size)) &* 1099511628211
        }
        let mine = [Double(parameters.count), Double(trainable.count), Double(trainable.reduce(0) { $0 + $1.value.count }),
                    Double(buffers.count), Double(checksum & ((1 << 52) - 1))]
        let all = try communicator.allGather(mine, label: "the check that every process has the same model")
        for (rank, theirs) in all.enumerated() where theirs != mine {
            throw .mismatch(reason: "rank \(rank) has \(Int(theirs[0])) parameters (\(Int(theirs[1])) trained, \(Int(theirs[2])) values) "
                + "and \(Int(theirs[3])) buffers; rank \(communicator.rank) has \(Int(mine[0])) (\(Int(mine[1])) trained, "
                + "\(Int(mine[2])) values) and \(Int(mine[3])) buffers"
                + (theirs[..<4] == mine[..<4] ? ", with other shapes, buckets (--bucket-mb), buffer broadcasts or SYNAPSE_MPI_BUCKET_SUMS" : ""))
        }
    }

    /// Copies rank 0's parameters and/or buffers to every process, in one broadcast.
    private func broadcastState(parameters: Bool, buffers: Bool, label: String) throws(DistributedError) {
        guard communicator.worldSize > 1 else { return }
        let params = parameters ? Self.uniqueParameters(module) : []
        let bufs = buffers ? self.buffers : []
        guard !params.isEmpty || !bufs.isEmpty else { return }
        stateScratch.removeAll(keepingCapacity: true)
        stateScratch.reserveCapacity(params.reduce(0) { $0 + $1.value.count } + bufs.reduce(0) { $0 + $1.value.count })
        for p in params { p.value.withUnsafeBufferPointer { stateScratch.append(contentsOf: $0) } }
        for b in bufs { b.value.withUnsafeBufferPointer { stateScratch.append(contentsOf: $0) } }
        try communicator.broadcast(&stateScratch, root: 0, label: label)
        guard communicator.rank != 0 else { return }
        var offset = 0
        // In place (copy-on-write still protects any other holder of the old values).
        stateScratch.withUnsafeBufferPointer { source in
            for p in params {
                let start = offset
                p.value.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source.baseAddress! + start, count: $0.count) }
                offset += p.value.count
            }
            for b in bufs {
                let start = offset
                b.value.withUnsafeMutableBufferPointer { $0.baseAddress!.update(from: source.baseAddress! + start, count: $0.count) }
                offset += b.value.count
            }
        }
    }
}
