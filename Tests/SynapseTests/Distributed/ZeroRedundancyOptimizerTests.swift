import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseDistributed
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseTraining

/// `ZeroRedundancyOptimizer` (ZeRO-1): each replica keeps half of Adam's state, yet trains exactly
/// as replicas with whole optimizers do, and its consolidated state is the plain optimizer's.
@Suite struct ZeroRedundancyOptimizerTests {
    /// Two replicas of `DataParallelNet` for 2 epochs with DDP, sharded or not.
    static func train(sharded: Bool, epochs: Int = 2) -> [Result<(DataParallelNet, any Optimizer), any Error>] {
        let members = InProcessGroup(size: 2).members()
        return onThreads(2) { rank in
            // Rank 1 starts from other weights: DDP's broadcast of rank 0's must reach the shards too.
            let model = DataParallelNet(seed: rank == 0 ? 4 : 77)
            let world = members[rank]
            let optimizer: any Optimizer = sharded
                ? ZeroRedundancyOptimizer(model.parameters(), communicator: world) { Adam($0, learningRate: 0.01) }
                : Adam(model.parameters(), learningRate: 0.01)
            let loader = DataLoader(TrainerFixtures.train, batchSize: 16, shuffle: true, dropLast: true, seed: 3,
                                    sampler: DistributedSampler(rank: rank, worldSize: 2))
            let trainer = Trainer(model: model, optimizer: optimizer, objective: .classification(model), train: loader,
                                  callbacks: [DistributedTrainingCallback(communicator: world)], generators: [:])
            trainer.gradientSynchronizer = try DistributedDataParallel(model, communicator: world)
            try trainer.fit(epochs: epochs)
            return (model, optimizer)
        }
    }

    @Test func shardedStateTrainsAsWholeOptimizersAndHoldsHalfTheState() throws {
        let plain = Self.train(sharded: false), sharded = Self.train(sharded: true)
        let (m0, o0) = try sharded[0].get(), (m1, o1) = try sharded[1].get()
        let (reference, whole) = try plain[0].get()
        // The same update of every parameter, bit for bit: the owner applies Adam, the other copies it.
        #expect(DataParallelTests.weights(m0) == DataParallelTests.weights(reference))
        #expect(DataParallelTests.weights(m1) == DataParallelTests.weights(reference))
        let z0 = try #require(o0 as? ZeroRedundancyOptimizer), z1 = try #require(o1 as? ZeroRedundancyOptimizer)
        // Each holds half of the moments (the 163 values cut 81 + 82); a parameter split between the
        // two has a step count on both.
        #expect(z0.ranges == [0..<81, 81..<163] && z0.segments.count + z1.segments.count == 5)
        let moments = { (z: ZeroRedundancyOptimizer) in z.local.stateDict().filter { !$0.key.hasSuffix(".step") }.values.reduce(0) { $0 + $1.count } }
        #expect(moments(z0) == 2 * 81 && moments(z1) == 2 * 82)
        // Consolidated (the epoch-end callback did it), the state is the plain optimizer's, keyed alike.
        for z in [z0, z1] {
            let state = z.stateDict(), expected = whole.stateDict()
            #expect(Set(state.keys) == Set(expected.keys))
            for (key, tensor) in expected { #expect(state[key]?.scalars == tensor.scalars, "\(key)") }
        }
    }

    @Test func aWholeStateLoadsIntoTheShardsOfAnyNumberOfProcesses() throws {
        let (_, whole) = try Self.train(sharded: false, epochs: 1)[0].get()
        let state = whole.stateDict()
        let single = ZeroRedundancyOptimizer(DataParallelNet(seed: 4).parameters(), communicator: SingleProcessCommunicator()) {
            Adam($0, learningRate: 0.01)
        }
        try single.loadStateDict(state)
        for (key, tensor) in state { #expect(single.stateDict()[key]?.scalars == tensor.scalars) }
        #expect(throws: OptimizerError.self) { try single.loadStateDict(["99.exp_avg": Tensor([1])]) }
        #expect(throws: OptimizerError.self) { try single.loadStateDict(["0.exp_avg": Tensor([1, 2])]) }
        // Two processes each take their slices; gathered again, they are the whole state.
        let members = InProcessGroup(size: 2).members()
        let gathered = onThreads(2) { rank -> [String: [Float]] in
            let z = ZeroRedundancyOptimizer(DataParallelNet(seed: 4).parameters(), communicator: members[rank]) { Adam($0, learningRate: 0.01) }
            try z.loadStateDict(state)
            try z.consolidate()
            return z.stateDict().mapValues(\.scalars)
        }
        for result in gathered { #expect(try result.get() == state.mapValues(\.scalars)) }
    }

    @Test func theParametersLaidEndToEndAreCutEvenly() {
        #expect(ZeroRedundancyOptimizer.ranges(total: 10, processes: 3) == [0..<3, 3..<6, 6..<10])
        let segments = ZeroRedundancyOptimizer.segments(of: 3..<8, sizes: [4, 2, 5])
        #expect(segments.map(\.parameter) == [0, 1, 2] && segments.map(\.offset) == [3, 0, 0] && segments.map(\.count) == [1, 2, 2])
    }
}
