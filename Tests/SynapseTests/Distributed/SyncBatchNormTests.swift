import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseDistributed
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseTraining

/// A classifier with batch normalisation between its layers.
final class BatchNormNet: Module, Layer {
    let fc1: Linear
    let norm: BatchNorm1d
    let fc2: Linear

    init(seed: UInt64) {
        let g = RandomGenerator(seed: seed)
        // No bias before batch norm (its gradient is 0 up to rounding, which Adam would amplify).
        fc1 = Linear(6, 16, bias: false, generator: g)
        norm = BatchNorm1d(16)
        fc2 = Linear(16, 3, generator: g)
        super.init()
    }

    func callAsFunction(_ x: Tensor) -> Tensor { fc2(relu(norm(fc1(x)))) }
}

/// `SyncBatchNorm`: replicas run as threads (`InProcessGroup`) normalise over the global batch, so
/// they compute what one process computes on every replica's examples at once.
@Suite struct SyncBatchNormTests {
    static func largest(_ a: [Float], _ b: [Float]) -> Float {
        #expect(a.count == b.count)
        return zip(a, b).map { abs($0 - $1) }.max() ?? 0
    }

    /// One forward and backward pass of a `BatchNorm2d` on `x` (loss Σ y·w): the outputs, the input
    /// gradient, γ's and β's gradients and the running statistics after it.
    static func pass(_ x: Tensor, weights w: Tensor, synchronizer: SyncBatchNorm?)
        -> (y: [Float], dx: [Float], dGamma: [Float], dBeta: [Float], runningMean: [Float], runningVar: [Float]) {
        let norm = BatchNorm2d(3)
        withoutGradients {
            norm.weight!.value = Tensor([1.5, 0.5, -1])
            norm.bias!.value = Tensor([0.1, -0.2, 0.3])
        }
        norm.statisticsSynchronizer = synchronizer
        let input = x.requiringGrad()
        let y = norm(input)
        (y * w).sum().backward()
        return (y.scalars, input.grad!.scalars, norm.weight!.grad!.scalars, norm.bias!.grad!.scalars,
                norm.runningMean!.value.scalars, norm.runningVar!.value.scalars)
    }

    @Test func replicasNormaliseTheGlobalBatchAsOneProcess() throws {
        let g = RandomGenerator(seed: 11)
        // Channel means far from 0 and unequal spreads: per-replica statistics would differ.
        let x = Tensor.randn([8, 3, 4, 5], generator: g) * 2 + 3
        let w = Tensor.randn([8, 3, 4, 5], generator: g)
        let single = Self.pass(x, weights: w, synchronizer: nil)
        let members = InProcessGroup(size: 2).members()
        let replicas = try onThreads(2) { rank in
            let rows = (rank * 4)..<((rank + 1) * 4)
            return Self.pass(x[rows], weights: w[rows], synchronizer: SyncBatchNorm(communicator: members[rank]))
        }.map { try $0.get() }
        #expect(Self.largest(replicas[0].y + replicas[1].y, single.y) < 1e-5)
        // The loss is the sum of the replicas' losses: each input's gradient is the single process's.
        #expect(Self.largest(replicas[0].dx + replicas[1].dx, single.dx) < 1e-5)
        // γ and β act per example: their gradients sum over the replicas (DDP then averages).
        #expect(Self.largest(zip(replicas[0].dGamma, replicas[1].dGamma).map(+), single.dGamma) < 1e-4)
        #expect(Self.largest(zip(replicas[0].dBeta, replicas[1].dBeta).map(+), single.dBeta) < 1e-4)
        for replica in replicas {
            #expect(Self.largest(replica.runningMean, single.runningMean) < 1e-6)
            #expect(Self.largest(replica.runningVar, single.runningVar) < 1e-5)
        }
        // Without synchronisation each replica normalises its own half: the test can tell.
        let alone = Self.pass(x[0..<4], weights: w[0..<4], synchronizer: nil)
        #expect(Self.largest(alone.y, Array(single.y[0..<alone.y.count])) > 1e-2)
    }

    /// Trains `BatchNormNet` with DDP (`synchronizeBatchNorm`) or alone on the trainer fixtures.
    static func train(communicator: (any Communicator)?, batchSize: Int, synchronize: Bool) throws -> BatchNormNet {
        let model = BatchNormNet(seed: 4)
        let sampler = communicator.map { DistributedSampler(rank: $0.rank, worldSize: $0.worldSize) }
        let loader = DataLoader(TrainerFixtures.train, batchSize: batchSize, shuffle: true, dropLast: true, seed: 3, sampler: sampler)
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), learningRate: 0.01), objective: .classification(model),
                              train: loader, callbacks: communicator.map { [DistributedTrainingCallback(communicator: $0)] } ?? [],
                              generators: [:])
        trainer.gradientSynchronizer = try communicator.map {
            try DistributedDataParallel(model, communicator: $0, synchronizeBatchNorm: synchronize)
        }
        try trainer.fit(epochs: 2)
        return model
    }

    static func state(_ model: Module) -> [Float] {
        model.stateDict().sorted { $0.key < $1.key }.flatMap(\.value.scalars)
    }

    @Test func dataParallelTrainingWithSyncBatchNormMatchesOneProcess() throws {
        let single = Self.state(try Self.train(communicator: nil, batchSize: 32, synchronize: false))
        for synchronize in [true, false] {
            let members = InProcessGroup(size: 2).members()
            let replicas = try onThreads(2) { rank in
                Self.state(try Self.train(communicator: members[rank], batchSize: 16, synchronize: synchronize))
            }.map { try $0.get() }
            let difference = Self.largest(replicas[0], single)
            if synchronize {
                // Weights and running statistics: the single process's up to the order of the sums.
                #expect(replicas[0] == replicas[1])
                #expect(difference < 1e-4, "synchronised replicas differ from one process by \(difference)")
            } else {
                #expect(difference > 1e-3, "per-replica batch norm should differ from one process")
            }
        }
    }

    @Test func convertReachesEveryBatchNormAndEvaluationDoesNotCommunicate() throws {
        let model = Sequential([Linear(4, 5), BatchNorm1d(5), ReLU(), Sequential([Linear(5, 5), BatchNorm1d(5)])])
        let members = InProcessGroup(size: 1).members()
        let sync = SyncBatchNorm.convert(model, communicator: members[0])
        #expect(SyncBatchNorm.synchronizedLayers(of: model).count == 2)
        model.eval()
        _ = model(Tensor.randn([3, 4], generator: RandomGenerator(seed: 1)))
        #expect(sync.reductions == 0)
    }

    @Test func aFailedReductionIsThrownAfterTheStepAndNotRetried() throws {
        // Rank 1 never takes part: rank 0's reductions time out.
        let members = InProcessGroup(size: 2).members(timeout: 0.5)
        let norm = BatchNorm1d(4)
        let sync = SyncBatchNorm(communicator: members[0])
        norm.statisticsSynchronizer = sync
        let x = Tensor.randn([6, 4], generator: RandomGenerator(seed: 2))
        let y = norm(x)
        // The step went on with this process's own statistics.
        let alone = BatchNorm1d(4)(x)
        #expect(Self.largest(y.scalars, alone.scalars) < 1e-6)
        #expect(throws: DistributedError.self) { try sync.checkCommunication() }
        let start = Date()
        _ = norm(x)
        #expect(Date().timeIntervalSince(start) < 0.4, "a failed synchronizer must not wait again")
    }
}

