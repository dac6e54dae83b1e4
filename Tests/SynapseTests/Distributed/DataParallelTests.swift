import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseDistributed
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseTraining

/// A two-layer classifier without randomness in training (no dropout), so replicas can be
/// compared with a single process step for step.
final class DataParallelNet: Module, Layer {
    let fc1: Linear
    let fc2: Linear

    init(seed: UInt64) {
        let g = RandomGenerator(seed: seed)
        fc1 = Linear(6, 16, generator: g)
        fc2 = Linear(16, 3, generator: g)
        super.init()
    }

    func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(fc1(x))) }
}

/// `DistributedDataParallel` and `DistributedTrainingCallback` on replicas run as threads of one
/// process (`InProcessGroup`): N replicas with batch B train as one process with batch N·B.
@Suite struct DataParallelTests {
    /// Trains `DataParallelNet` for `epochs` on the trainer fixtures; with a communicator, as one
    /// replica of a data-parallel job (`modelSeed` differs per rank: rank 0's weights must win).
    static func train(communicator: (any Communicator)?, batchSize: Int, modelSeed: UInt64, epochs: Int = 3,
                      accumulation: Int = 1, bucketMB: Double = 0.0001, extra: [any TrainingCallback] = []) throws
        -> (model: DataParallelNet, history: TrainingHistory, ddp: DistributedDataParallel?) {
        let model = DataParallelNet(seed: modelSeed)
        let sampler = communicator.map { DistributedSampler(rank: $0.rank, worldSize: $0.worldSize) }
        let loader = DataLoader(TrainerFixtures.train, batchSize: batchSize, shuffle: true, dropLast: true, seed: 3, sampler: sampler)
        var callbacks = extra
        if let communicator { callbacks.append(DistributedTrainingCallback(communicator: communicator)) }
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01), objective: .classification(model),
                              train: loader, callbacks: callbacks, generators: [:])
        trainer.accumulationSteps = accumulation
        let ddp = try communicator.map { try DistributedDataParallel(model, communicator: $0, bucketCapacityMB: bucketMB) }
        trainer.gradientSynchronizer = ddp
        let history = try trainer.fit(epochs: epochs)
        return (model, history, ddp)
    }

    static func maxDifference(_ a: Module, _ b: Module) -> Float {
        zip(a.parameters(), b.parameters()).map { p, q in
            zip(p.value.scalars, q.value.scalars).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
    }

    static func weights(_ m: Module) -> [[Float]] { m.parameters().map(\.value.scalars) }

    @Test func twoReplicasWithHalfBatchesStepAsOneProcessWithTheWholeBatch() throws {
        let single = try Self.train(communicator: nil, batchSize: 32, modelSeed: 7)
        let members = InProcessGroup(size: 2).members()
        let replicas = onThreads(2) { rank in
            try Self.train(communicator: members[rank], batchSize: 16, modelSeed: rank == 0 ? 7 : 99)
        }
        let r0 = try replicas[0].get(), r1 = try replicas[1].get()
        // The replicas hold the same weights, bit for bit, after every step's averaged update.
        #expect(Self.weights(r0.model) == Self.weights(r1.model))
        // One process with the whole batch: equal up to the order of the floating-point sums.
        let difference = Self.maxDifference(r0.model, single.model)
        #expect(difference < 2e-5, "replicas differ from the single process by \(difference)")
        // Several buckets, each started during backward.
        #expect(r0.ddp!.bucketSizes.count == 4 && r0.ddp!.bucketsStartedDuringBackward == 4)
        // The logged training loss is the mean over replicas: the single process's, up to rounding.
        for (a, b) in zip(r0.history.records, single.history.records) {
            #expect(abs(a.values["loss"]! - b.values["loss"]!) < 1e-5)
        }
        #expect(r0.history.records.map { $0.values["loss"]! } == r1.history.records.map { $0.values["loss"]! })
    }

    @Test func accumulatedMicroBatchesAreReducedOncePerStep() throws {
        let single = try Self.train(communicator: nil, batchSize: 32, modelSeed: 5, epochs: 2)
        let group = InProcessGroup(size: 2)
        let members = group.members()
        let replicas = onThreads(2) { rank in
            try Self.train(communicator: members[rank], batchSize: 8, modelSeed: 5, epochs: 2, accumulation: 2, bucketMB: 25)
        }
        let r0 = try replicas[0].get()
        #expect(Self.maxDifference(r0.model, single.model) < 2e-5)
        // 192 examples / 2 ranks / 8 = 12 micro-batches, 6 steps per epoch: one bucket reduced per step.
        #expect(members[0].reductions == 12)
    }

    @Test func rankZerosDecisionToStopHoldsEverywhere() throws {
        final class StopAfterFirstEpoch: TrainingCallback {
            func epochEnd(_ context: TrainingContext) throws { context.stopTraining = true }
        }
        let members = InProcessGroup(size: 2).members()
        let replicas = onThreads(2) { rank in
            try Self.train(communicator: members[rank], batchSize: 16, modelSeed: 1, epochs: 4,
                           extra: rank == 0 ? [StopAfterFirstEpoch()] : [])
        }
        #expect(try replicas.map { try $0.get().history.records.count } == [1, 1])
    }

    @Test func replicasWithDifferentModelsOrStepCountsAreRefused() throws {
        let members = InProcessGroup(size: 2).members()
        let built = onThreads(2) { rank -> DistributedDataParallel in
            let model: Module = rank == 0 ? DataParallelNet(seed: 1) : Linear(6, 3)
            return try DistributedDataParallel(model, communicator: members[rank])
        }
        for result in built {
            #expect(throws: DistributedError.self) { try result.get() }
            if case .failure(let error as DistributedError) = result { #expect(error.description.contains("disagree")) }
        }
        // Different numbers of batches per epoch would leave one process waiting: refused at the start.
        let others = InProcessGroup(size: 2).members()
        let trained = onThreads(2) { rank -> Int in
            let model = DataParallelNet(seed: 1)
            let data = rank == 0 ? TrainerFixtures.train : TrainerFixtures.validation
            let loader = DataLoader(data, batchSize: 16, shuffle: true, dropLast: true, seed: 3)
            let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.1), objective: .classification(model),
                                  train: loader, callbacks: [DistributedTrainingCallback(communicator: others[rank])], generators: [:])
            trainer.gradientSynchronizer = try DistributedDataParallel(model, communicator: others[rank])
            return try trainer.fit(epochs: 1).records.count
        }
        for result in trained {
            #expect(throws: DistributedError.self) { try result.get() }
        }
    }

    @Test func rankZerosParametersReachEveryReplica() throws {
        let members = InProcessGroup(size: 2).members()
        let models = onThreads(2) { rank -> DataParallelNet in
            let model = DataParallelNet(seed: UInt64(10 + rank))
            _ = try DistributedDataParallel(model, communicator: members[rank])
            return model
        }
        let m0 = try models[0].get(), m1 = try models[1].get()
        #expect(Self.weights(m0) == Self.weights(m1) && Self.weights(m0) == Self.weights(DataParallelNet(seed: 10)))
    }

    /// Buffers travel after every step only when the model has some: a batch-normalised replica
    /// gets rank 0's running statistics each step (from the buffer list taken when wrapped); a
    /// model without buffers sends nothing beyond the gradients.
    @Test func buffersAreBroadcastEachStepOnlyWhenTheModelHasSome() throws {
        final class Normalised: Module, Layer {
            let fc = Linear(6, 4, generator: RandomGenerator(seed: 5))
            let norm = BatchNorm1d(4)
            func callAsFunction(_ x: Tensor) -> Tensor { norm(fc(x)) }
        }
        let members = InProcessGroup(size: 2).members()
        let results = onThreads(2) { rank -> (broadcasts: [Int], mean: [Float], plainBroadcasts: [Int]) in
            let x = Tensor(shape: [8, 6], scalars: (0..<48).map { Float($0 % 7 + 5 * rank) / 3 })
            let communicator = members[rank]
            let model = Normalised()
            let ddp = try DistributedDataParallel(model, communicator: communicator)
            var counts = [communicator.broadcasts]
            for _ in 0..<3 {
                try ddp.backward(square(model(x)).sum())
                counts.append(communicator.broadcasts)
            }
            let plain = DataParallelNet(seed: 3)
            let plainDDP = try DistributedDataParallel(plain, communicator: communicator)
            var plainCounts = [communicator.broadcasts]
            for _ in 0..<3 {
                try plainDDP.backward(square(plain(x)).sum())
                plainCounts.append(communicator.broadcasts)
            }
            return (counts, model.norm.runningMean!.value.scalars, plainCounts)
        }
        let r0 = try results[0].get(), r1 = try results[1].get()
        #expect(r0.broadcasts == [1, 2, 3, 4] && r1.broadcasts == [1, 2, 3, 4])
        let start = r0.plainBroadcasts[0]
        #expect(r0.plainBroadcasts == [start, start, start, start] && r1.plainBroadcasts == r0.plainBroadcasts)
        // The replicas saw different inputs, so their own statistics differ: rank 0's hold everywhere.
        #expect(r0.mean == r1.mean && r0.mean.contains { $0 != 0 })
    }

    @Test func oneProcessGradientsAreThePlainOnesAndUnusedParametersKeepNone() throws {
        final class WithUnused: Module, Layer {
            let used = Linear(4, 3, generator: RandomGenerator(seed: 1))
            let unused = Linear(3, 3, generator: RandomGenerator(seed: 2))
            func callAsFunction(_ x: Tensor) -> Tensor { used(x) }
        }
        let x = Tensor(shape: [5, 4], scalars: (0..<20).map { Float($0) / 7 - 1 })
        let plain = WithUnused()
        (plain(x) * plain(x)).sum().backward()
        let model = WithUnused()
        let ddp = try DistributedDataParallel(model, communicator: SingleProcessCommunicator(), bucketCapacityMB: 1e-5)
        try ddp.backward((model(x) * model(x)).sum())
        #expect(model.used.weight.grad!.scalars == plain.used.weight.grad!.scalars)
        #expect(model.used.bias!.grad!.scalars == plain.used.bias!.grad!.scalars)
        #expect(model.unused.weight.grad == nil && model.unused.bias!.grad == nil)
        #expect(ddp.bucketSizes.map(\.parameters) == [1, 1, 1, 1])
    }

    @Test func rowSparseGradientsAreRefused() throws {
        let table = Embedding(10, 4, sparse: true, generator: RandomGenerator(seed: 3))
        let ddp = try DistributedDataParallel(table, communicator: SingleProcessCommunicator())
        #expect(throws: DistributedError.self) { try ddp.backward(table(IntTensor([1, 2, 2])).sum()) }
        #expect(throws: DistributedError.self) { try DistributedDataParallel(table, communicator: SingleProcessCommunicator(), bucketCapacityMB: 0) }
    }
}

/// `DistributedSampler`: PyTorch's sharding (pad by repeating the order's start, or drop the tail),
/// and batch j of every rank together is the single process's batch j.
@Suite struct DistributedSamplerTests {
    @Test func shardsLikePyTorch() {
        let order = [7, 3, 9, 0, 1, 8, 2, 6, 5, 4]
        let padded = (0..<3).map { DistributedSampler(rank: $0, worldSize: 3).shard(order) }
        #expect(padded == [[7, 0, 2, 4], [3, 1, 6, 7], [9, 8, 5, 3]])
        let cut = (0..<3).map { DistributedSampler(rank: $0, worldSize: 3, dropLast: true).shard(order) }
        #expect(cut == [[7, 0, 2], [3, 1, 6], [9, 8, 5]])
        #expect(DistributedSampler(rank: 0, worldSize: 4).shard([]) == [])
        #expect(DistributedSampler(rank: 1, worldSize: 2).examplesPerProcess(of: 11) == 6)
    }

    @Test func ranksTogetherVisitTheSingleProcessBatches() {
        let data = TrainerFixtures.train
        let single = DataLoader(data, batchSize: 32, shuffle: true, dropLast: true, seed: 9)
        let ranks = (0..<2).map { DataLoader(data, batchSize: 16, shuffle: true, dropLast: true, seed: 9,
                                              sampler: DistributedSampler(rank: $0, worldSize: 2)) }
        #expect(ranks.allSatisfy { $0.count == single.count })
        for _ in 0..<2 {   // two epochs: each draws the same new order everywhere
            let whole = single.makeIterator().order
            let shards = ranks.map { $0.makeIterator().order }
            for j in 0..<single.count {
                let batch = Set(whole[(j * 32)..<((j + 1) * 32)])
                let parts = Set(shards[0][(j * 16)..<((j + 1) * 16)]).union(shards[1][(j * 16)..<((j + 1) * 16)])
                #expect(batch == parts, "batch \(j)")
            }
        }
    }
}

/// `LaunchEnvironment.detect`: Open MPI's and PMI's variables; malformed ones are an error.
@Suite struct LaunchEnvironmentTests {
    @Test func readsTheLaunchersVariables() throws {
        #expect(try LaunchEnvironment.detect([:]) == nil)
        let ompi = try LaunchEnvironment.detect(["OMPI_COMM_WORLD_RANK": "1", "OMPI_COMM_WORLD_SIZE": "4", "OMPI_COMM_WORLD_LOCAL_RANK": "1"])
        #expect(ompi == LaunchEnvironment(rank: 1, worldSize: 4, localRank: 1) && ompi!.isDistributed)
        #expect(try LaunchEnvironment.detect(["PMI_RANK": "0", "PMI_SIZE": "1"])?.isDistributed == false)
        for bad in [["OMPI_COMM_WORLD_RANK": "2", "OMPI_COMM_WORLD_SIZE": "2"], ["PMI_RANK": "x", "PMI_SIZE": "2"],
                    ["PMI_RANK": "0", "PMI_SIZE": "0"]] {
            #expect(throws: DistributedError.self) { try LaunchEnvironment.detect(bad) }
        }
    }
}
