import Foundation
import Synapse

/// W12: data-parallel W3 — the CNN on Fashion-MNIST at a global batch of 64, split over the
/// processes `mpirun -np N synapse-bench W12 --threads 1` starts (batch 64/N each, gradients
/// averaged by `DistributedDataParallel`); run without `mpirun` it is the one-process baseline
/// through the same code (a `SingleProcessCommunicator`). Rank 0 reports training samples per
/// second (median epoch; loading and the warm-up are not timed) and the test accuracy after the
/// spec's 2 epochs; with more than one process, also the reduction throughput of the bucketed
/// path against one blocking `MPI_Allreduce` of the same bytes.
struct W12: Workload {
    /// Smoke mode: 3 × 20 timed steps instead of epochs.
    let quick: Bool
    /// The most MiB of gradient per bucket (`--bucket-mb`).
    let bucketMB: Double
    /// The global batch: the spec's 64 (`--global-batch`).
    let globalBatch: Int

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let launched = try LaunchEnvironment.detect(ProcessInfo.processInfo.environment)?.isDistributed ?? false
        let mpi = launched ? try MPICommunicator.world(timeout: 600) : nil
        let world: any Communicator = mpi ?? SingleProcessCommunicator()
        guard globalBatch % world.worldSize == 0 else {
            throw BenchError("W12 splits a global batch of \(globalBatch) evenly: use 1, 2, 4, ... processes, not \(world.worldSize)")
        }
        let train = try FashionMNIST.load(split: .train)
        // Warm-up on a throwaway replica (its reductions warm MPI's buffers too).
        try makeTrainer(train, seed: 1, world: world).trainer.fit(steps: quick ? 5 : 20)

        manualSeed(0)
        let (trainer, ddp) = try makeTrainer(train, seed: 0, world: world)
        let trace = ProcessInfo.processInfo.environment["SYNAPSE_W12_STEP_TRACE"].map { W12StepTrace(ddp: ddp, path: "\($0).\(world.rank)") }
        if let trace { trainer.callbacks.append(trace) }
        var extras: [(String, JSONValue)] = [("ranks", .int(world.worldSize)), ("batch_per_rank", .int(globalBatch / world.worldSize)),
                                             ("global_batch", .int(globalBatch)),
                                             ("bucket_mb", .double(bucketMB)), ("buckets", .int(ddp.bucketSizes.count))]
        let samplesPerSecond: Double
        if quick {
            let times = try (1...3).map { round in try Timing.seconds { try trainer.fit(steps: round * 20) } }
            samplesPerSecond = Double(20 * globalBatch) / Timing.median(times)
            extras.append(("note", .string("smoke run, not an epoch")))
        } else {
            let times = try (1...2).map { epoch in try Timing.seconds { try trainer.fit(epochs: epoch) } }
            samplesPerSecond = Double(trainer.trainLoader.count * globalBatch) / Timing.median(times)
            let test = DataLoader(try FashionMNIST.load(split: .test), batchSize: 1000)
            extras += [("s/epoch", .double(Timing.median(times))), ("steps", .int(trainer.trainLoader.count)),
                       ("test_accuracy", .double(try trainer.evaluate(test)["accuracy"] ?? .nan))]
        }
        try trace?.write()
        extras.append(("overlapped_buckets", .int(ddp.bucketsStartedDuringBackward)))
        extras.append(("sync_ms_per_step", .double(ddp.synchronization.seconds * 1000 / Double(max(ddp.synchronization.steps, 1)))))
        if world.rank == 0 {
            var m = Measurement("W12", threads: threads, metric: "samples/s", value: samplesPerSecond)
            m.extras = extras.map { (key: $0.0, value: $0.1) }
            emit(m)
        }
        if let mpi {
            let (bucketed, communication, raw) = try reductionThroughput(ddp, mpi, repetitions: quick ? 10 : 40)
            let shared = mpi.sumsThroughSharedMemory ?? false
            let exact = try reductionsMatchAllReduce(mpi)
            let bucketsExact = try bucketsMatchAllReduce(ddp, mpi)
            if world.rank == 0 {
                emit(Measurement("W12", threads: threads, metric: "reduce GB/s", value: communication,
                                 ["raw_mpi_allreduce_gbps": .double(raw), "ratio_to_raw": .double(communication / raw),
                                  "with_gradient_copies_gbps": .double(bucketed), "copies_ratio_to_raw": .double(bucketed / raw),
                                  "bytes": .int(ddp.bucketSizes.reduce(0) { $0 + $1.bytes }),
                                  "shared_memory_reduce": .bool(shared), "reduce_exact": .bool(exact),
                                  "sleeping_barrier": .bool(mpi.sharedSumsSleepWhileWaiting),
                                  "buckets_in_shared_memory": .bool(ddp.bucketsInSharedMemory), "buckets_exact": .bool(bucketsExact),
                                  "bucket_sums": .string(ddp.sumsOnWriteBack ? "write-back" : ddp.bucketsInSharedMemory ? "chunks" : "mpi")]))
            }
            guard exact else { throw BenchError("W12: the queued reduction differs from MPI_Allreduce on integer-valued floats") }
            guard bucketsExact else { throw BenchError("W12: the gradients written back differ from MPI_Allreduce's mean on integer-valued floats") }
            try mpi.barrier(label: "the end of W12")
            try mpi.finalize()
            guard stepFailsAfterFinalize(ddp) else {
                throw BenchError("W12: a data-parallel step after MPI_Finalize did not fail with an error")
            }
        }
    }

    /// The W3 network and trainer for this process: its share of each epoch, its replica wrapped.
    private func makeTrainer(_ train: TensorDataset, seed: UInt64, world: any Communicator) throws
        -> (trainer: Trainer<TensorDataset, TensorDataset>, ddp: DistributedDataParallel) {
        let model = CNNClassifier(generator: RandomGenerator(seed: seed))
        let loader = DataLoader(train, batchSize: globalBatch / world.worldSize, shuffle: true, dropLast: true, seed: seed,
                                sampler: DistributedSampler(rank: world.rank, worldSize: world.worldSize))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 1e-3), objective: .classification(model),
                              train: loader, metrics: TrainingMetrics.accuracy,
                              callbacks: [DistributedTrainingCallback(communicator: world)])
        let ddp = try DistributedDataParallel(model, communicator: world, bucketCapacityMB: bucketMB)
        trainer.gradientSynchronizer = ddp
        return (trainer, ddp)
    }

    /// Whether the queued reduction (`startAllReduceSum`, the path gradients take) gives exactly what
    /// a blocking `MPI_Allreduce` gives, on every process, for sizes around the chunk and alignment
    /// boundaries and one that grows the shared window. Integer-valued floats sum exactly in any
    /// order, so the results must be equal bit for bit whatever order either path adds in.
    private func reductionsMatchAllReduce(_ mpi: MPICommunicator) throws -> Bool {
        var exact = true
        for count in [1, 15, 16, 17, 33, 1_000, 65_537, 2_500_003, 7] {
            let queued = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            let blocking = UnsafeMutableBufferPointer<Float>.allocate(capacity: count)
            defer { queued.deallocate(); blocking.deallocate() }
            for i in 0..<count { queued[i] = Float((i * 31 + mpi.rank * 7 + count) % 97) - 48 }
            _ = blocking.initialize(from: queued)
            try mpi.wait(try mpi.startAllReduceSum(queued, label: "the reduction check of \(count) values"))
            try mpi.blockingAllReduceSum(blocking)
            exact = exact && zip(queued, blocking).allSatisfy { $0.bitPattern == $1.bitPattern }
        }
        // Every process's verdict: rank 0 reports for all.
        var verdict = [exact ? 0.0 : 1.0]
        try mpi.allReduceSum(&verdict, label: "the reduction check's verdict")
        return verdict[0] == 0
    }

    /// Whether a step of `ddp` after MPI is finalized fails with an error (its buckets' shared
    /// memory is gone: they must not write there, nor crash).
    private func stepFailsAfterFinalize(_ ddp: DistributedDataParallel) -> Bool {
        ddp.beginBackward()
        for leaf in ddp.module.parameters().compactMap({ $0.value.autogradLeafIdentity }) { ddp.gradientReady(leaf) }
        do { try ddp.finishBackward() } catch { return true }
        return false
    }

    /// Whether the mean gradients `ddp` writes back equal a blocking `MPI_Allreduce`'s sum times
    /// 1/N, bit for bit, on integer-valued floats (exact in any order), over three backward passes
    /// (both areas of a shared region, then the first again), with a parameter that only rank 0 has
    /// a gradient for. Leaves the model's gradients set.
    private func bucketsMatchAllReduce(_ ddp: DistributedDataParallel, _ mpi: MPICommunicator) throws -> Bool {
        var seen = Set<ObjectIdentifier>()
        let parameters = ddp.module.parameters().filter { $0.requiresGrad && seen.insert(ObjectIdentifier($0)).inserted }
        let leaves = parameters.compactMap { $0.value.autogradLeafIdentity }
        let scale = 1 / Float(mpi.worldSize)
        var exact = true
        for pass in 0..<3 {
            var expected: [[Float]] = []
            for (j, p) in parameters.enumerated() {
                let absent = j == 0 && mpi.rank != 0
                let values = (0..<p.value.count).map { absent ? 0 : Float(($0 * 13 + j * 5 + pass * 3 + mpi.rank * 7) % 61) - 30 }
                p.grad = absent ? nil : Tensor(shape: p.shape, scalars: values)
                let sum = UnsafeMutableBufferPointer<Float>.allocate(capacity: values.count)
                defer { sum.deallocate() }
                _ = sum.initialize(from: values)
                try mpi.blockingAllReduceSum(sum)
                expected.append(sum.map { $0 * scale })
            }
            ddp.beginBackward()
            for leaf in leaves { ddp.gradientReady(leaf) }
            try ddp.finishBackward()
            for (p, want) in zip(parameters, expected) {
                let got = p.grad?.scalars ?? []
                exact = exact && got.count == want.count && zip(got, want).allSatisfy { $0.bitPattern == $1.bitPattern }
            }
        }
        var verdict = [exact ? 0.0 : 1.0]
        try mpi.allReduceSum(&verdict, label: "the bucket check's verdict")
        return verdict[0] == 0
    }

    /// GB/s of the bucketed path (every parameter reported ready, buckets filled, reduced and
    /// written back, as after a backward pass), of its communication alone (the buckets' sizes
    /// reduced non-blocking through the progress thread, no gradient copies) and of one blocking
    /// `MPI_Allreduce` on as many bytes.
    private func reductionThroughput(_ ddp: DistributedDataParallel, _ mpi: MPICommunicator, repetitions: Int) throws
        -> (bucketed: Double, communication: Double, raw: Double) {
        let parameters = ddp.module.parameters()
        for p in parameters { p.grad = Tensor.ones(p.shape) }
        let leaves = parameters.compactMap { $0.value.autogradLeafIdentity }
        let bytes = Double(ddp.bucketSizes.reduce(0) { $0 + $1.bytes })
        func bucketed() throws {
            ddp.beginBackward()
            for leaf in leaves { ddp.gradientReady(leaf) }
            try ddp.finishBackward()
        }
        let flat = UnsafeMutableBufferPointer<Float>.allocate(capacity: Int(bytes) / 4)
        defer { flat.deallocate() }
        flat.initialize(repeating: 1)
        // The buckets' sizes as slices of one buffer.
        var slices: [UnsafeMutableBufferPointer<Float>] = [], start = 0
        for (_, size) in ddp.bucketSizes {
            slices.append(UnsafeMutableBufferPointer(rebasing: flat[start..<(start + size / 4)]))
            start += size / 4
        }
        func communicate() throws {
            let pending = try slices.map { try mpi.startAllReduceSum($0, label: "benchmark") }
            for p in pending { try mpi.wait(p) }
        }
        for _ in 0..<3 { try bucketed(); try communicate(); try mpi.blockingAllReduceSum(flat) }
        // Rounds of the three, interleaved, and each one's median: a shared host's noise hits all alike.
        var times: [[Double]] = [[], [], []]
        for _ in 0..<7 {
            let kinds: [() throws -> Void] = [bucketed, communicate, { try mpi.blockingAllReduceSum(flat) }]
            for (kind, body) in kinds.enumerated() {
                try mpi.barrier(label: "the reduction benchmark")
                times[kind].append(try Timing.seconds { for _ in 0..<repetitions { try body() } })
            }
        }
        let total = bytes * Double(repetitions) / 1e9
        return (total / Timing.median(times[0]), total / Timing.median(times[1]), total / Timing.median(times[2]))
    }
}

