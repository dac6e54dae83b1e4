import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData
@testable import SynapseDistributed
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseTraining

/// `PipelineParallel` with its stages run as threads of one process (`InProcessGroup`): the
/// pipelined gradients, training runs, evaluation passes and clipping equal one process's.
@Suite struct PipelineParallelTests {
    /// A chain of seven layers (four with parameters) for the trainer fixtures' 6 features and 3 classes.
    static func chain(seed: UInt64, hidden: Int = 16) -> Sequential {
        let g = RandomGenerator(seed: seed)
        return Sequential([Flatten(), Linear(6, hidden, generator: g), ReLU(), Linear(hidden, hidden, generator: g), Tanh(),
                           Linear(hidden, 8, generator: g), Linear(8, 3, generator: g)])
    }

    /// Trains `chain(seed:)` on the trainer fixtures; with a communicator, as one stage of a
    /// pipeline (the returned model is rank 0's whole chain after `gatherWeights`).
    static func train(communicator: (any Communicator)?, microBatches: Int = 3, balance: PipelineBalance = .parameters,
                      schedule: PipelineSchedule = .gpipe, epochs: Int = 2, batchSize: Int = 20, clipNorm: Double? = nil,
                      accumulation: Int = 1) throws
        -> (model: Sequential, history: TrainingHistory, pipeline: PipelineParallel?) {
        let model = chain(seed: 21)
        let loader = DataLoader(TrainerFixtures.train, batchSize: batchSize, shuffle: true, dropLast: true, seed: 4)
        let validation = DataLoader(TrainerFixtures.validation, batchSize: 25)
        let pipeline = try communicator.map {
            try PipelineParallel(layers: model.layers, communicator: $0, microBatches: microBatches, balance: balance, schedule: schedule)
        }
        let trained: Module = pipeline?.stage ?? model
        var callbacks: [any TrainingCallback] = []
        if let clipNorm {
            let clipping = GradientClippingCallback(maxNorm: clipNorm)
            if let pipeline { clipping.combineNorm = { try pipeline.combinedGradientNorm($0, normType: $1) } }
            callbacks.append(clipping)
        }
        let trainer = Trainer(model: trained, optimizer: Adam(trained.parameters(), learningRate: 0.01),
                              objective: pipeline?.classificationObjective() ?? .classification(model),
                              train: loader, validation: validation, metrics: TrainingMetrics.accuracy, callbacks: callbacks, generators: [:])
        trainer.accumulationSteps = accumulation
        let history = try trainer.fit(epochs: epochs)
        try pipeline?.gatherWeights(to: 0)
        return (model, history, pipeline)
    }

    static func maxDifference(_ a: Module, _ b: Module) -> Float {
        zip(a.parameters(), b.parameters()).map { p, q in
            zip(p.value.scalars, q.value.scalars).map { abs($0 - $1) }.max() ?? 0
        }.max() ?? 0
    }

    @Test func microBatchesSplitABatchEvenly() {
        #expect(PipelineParallel.microBatchRanges(examples: 10, count: 4) == [0..<3, 3..<6, 6..<8, 8..<10])
        #expect(PipelineParallel.microBatchRanges(examples: 8, count: 4) == [0..<2, 2..<4, 4..<6, 6..<8])
        // Never an empty micro-batch.
        #expect(PipelineParallel.microBatchRanges(examples: 2, count: 4) == [0..<1, 1..<2])
        #expect(PipelineParallel.theoreticalBubbleFraction(stages: 2, microBatches: 4) == 0.2)
        #expect(PipelineParallel.theoreticalBubbleFraction(stages: 1, microBatches: 4) == 0)
    }

    @Test func balancedStagesMinimiseTheSlowestStage() {
        #expect(PipelinePartition.balanced(costs: [1, 1, 1, 1], stages: 2) == [0, 2])
        #expect(PipelinePartition.balanced(costs: [5, 1, 1, 1, 1, 1], stages: 2) == [0, 1])
        #expect(PipelinePartition.balanced(costs: [1, 1, 8], stages: 3) == [0, 1, 2])
        // A flatten, a large layer, then small ones: the large layer's stage also takes the flatten,
        // rather than leaving a stage with nothing to compute at the same slowest stage.
        #expect(PipelinePartition.balanced(costs: [0, 4, 0.1, 1.3, 0.1, 0.05], stages: 3) == [0, 2, 4])
        // Against every cut, on random costs: the largest stage is the smallest possible.
        let g = RandomGenerator(seed: 5)
        for _ in 0..<50 {
            let n = 2 + Int(g.nextUniform() * 6), stages = 1 + Int(g.nextUniform() * Float(n))
            let costs = (0..<n).map { _ in Double(g.nextUniform()) }
            let starts = PipelinePartition.balanced(costs: costs, stages: min(stages, n))
            func largest(_ s: [Int]) -> Double {
                zip(s, s.dropFirst() + [n]).map { costs[$0..<$1].reduce(0, +) }.max()!
            }
            var bestPossible = Double.infinity
            // Every way to choose stages−1 cuts among the n−1 gaps.
            for mask in 0..<(1 << (n - 1)) where mask.nonzeroBitCount == min(stages, n) - 1 {
                bestPossible = min(bestPossible, largest([0] + (1..<n).filter { mask & (1 << ($0 - 1)) != 0 }))
            }
            #expect(starts.count == min(stages, n) && starts.first == 0)
            #expect(abs(largest(starts) - bestPossible) < 1e-9)
        }
    }

    @Test func oneStepsGradientsEqualTheWholeBatchsOnEveryStage() throws {
        let batch = TrainerFixtures.train.batch(Array(0..<10))
        let single = Self.chain(seed: 8)
        crossEntropy(single(batch.features), batch.labels).backward()
        let expected = single.parameters().map { $0.grad!.scalars }
        let expectedLoss = crossEntropy(single(batch.features), batch.labels).item()
        // Fewer, as many and more micro-batches than stages; sends wait for their receivers, as
        // MPI's rendezvous sends do, so a schedule that deadlocks would time out here.
        let cases = [2, 3, 4].flatMap { stages in PipelineSchedule.allCases.flatMap { schedule in [1, 3, 4, 6].map { (stages, schedule, $0) } } }
        for (stages, schedule, microBatches) in cases {
            let members = InProcessGroup(size: stages).members(timeout: 10)
            let results = onThreads(stages) { rank -> [(Int, [Float])] in
                let model = Self.chain(seed: 8)
                let pipeline = try PipelineParallel(layers: model.layers, communicator: members[rank], microBatches: microBatches,
                                                    schedule: schedule)
                let result = try pipeline.trainStep(inputs: batch.features) { outputs, examples in
                    crossEntropy(outputs, IntTensor(Array(batch.labels.scalars[examples])))
                }
                // Every stage gets the whole batch's outputs and mean loss.
                #expect(result.outputs.shape == [10, 3])
                #expect(abs(result.loss - expectedLoss) < 1e-5)
                // This stage's gradients, by their position among the chain's parameters.
                let all = model.parameters().map(ObjectIdentifier.init)
                return pipeline.stage.parameters().map { p in (all.firstIndex(of: ObjectIdentifier(p))!, p.grad!.scalars) }
            }
            var seen = Set<Int>()
            for result in results {
                for (index, gradient) in try result.get() {
                    seen.insert(index)
                    let difference = zip(gradient, expected[index]).map { abs($0 - $1) }.max()!
                    #expect(difference < 1e-6, "\(stages) stages, \(schedule), \(microBatches) micro-batches: parameter \(index)'s gradient differs by \(difference)")
                }
            }
            // The stages together hold every parameter, each once.
            #expect(seen == Set(expected.indices))
        }
    }

    @Test func pipelinedTrainingMatchesOneProcess() throws {
        let single = try Self.train(communicator: nil)
        for (stages, balance, schedule) in [(2, PipelineBalance.parameters, PipelineSchedule.gpipe), (3, .starts([0, 2, 5]), .gpipe),
                                            (3, .starts([0, 2, 5]), .oneForwardOneBackward)] {
            let members = InProcessGroup(size: stages).members()
            let cut = UncheckedBox(balance)
            let runs = onThreads(stages) { rank in try Self.train(communicator: members[rank], balance: cut.value, schedule: schedule) }
            let lead = try runs[0].get()
            let difference = Self.maxDifference(lead.model, single.model)
            #expect(difference < 2e-5, "\(stages) stages differ from one process by \(difference)")
            // Every stage logged the same epochs: training loss and validation figures through the pipeline.
            #expect(lead.history.records.count == 2 && single.history.records.count == 2)
            for run in runs {
                for (a, b) in zip(try run.get().history.records, single.history.records) {
                    for key in ["loss", "val_loss", "val_accuracy"] {
                        #expect(abs(a.values[key]! - b.values[key]!) < 1e-5, "\(stages) stages: \(key) \(a.values[key]!) vs \(b.values[key]!)")
                    }
                }
            }
            let statistics = lead.pipeline!.statistics
            #expect(statistics.steps == 2 * (192 / 20))
            #expect(statistics.computeSeconds > 0 && statistics.computeSeconds <= statistics.stepSeconds)
        }
    }

    @Test func accumulationAndClippingByTheWholeModelsNormMatchOneProcess() throws {
        // A norm far below the gradients' clips every step: per-stage norms would scale differently.
        let single = try Self.train(communicator: nil, epochs: 1, clipNorm: 0.05, accumulation: 2)
        let members = InProcessGroup(size: 2).members()
        let runs = onThreads(2) { rank in try Self.train(communicator: members[rank], epochs: 1, clipNorm: 0.05, accumulation: 2) }
        let difference = Self.maxDifference(try runs[0].get().model, single.model)
        #expect(difference < 2e-5, "clipped pipeline differs from one process by \(difference)")
    }

    @Test func oneForwardOneBackwardHoldsFewerMicroBatchesThanGPipe() throws {
        let batch = TrainerFixtures.train.batch(Array(0..<12))
        // GPipe keeps every micro-batch until the drain; 1F1B at most S − s on stage s (fewer
        // micro-batches than stages included).
        let cases: [(PipelineSchedule, Int, [Int])] = [(.gpipe, 6, [6, 6, 6]), (.oneForwardOneBackward, 6, [3, 2, 1]),
                                                       (.oneForwardOneBackward, 2, [2, 2, 1]), (.oneForwardOneBackward, 1, [1, 1, 1])]
        for (schedule, microBatches, expected) in cases {
            let members = InProcessGroup(size: 3).members()
            let peaks = onThreads(3) { rank in
                let pipeline = try PipelineParallel(layers: Self.chain(seed: 8).layers, communicator: members[rank],
                                                    microBatches: microBatches, schedule: schedule)
                _ = try pipeline.trainStep(inputs: batch.features) { outputs, examples in
                    crossEntropy(outputs, IntTensor(Array(batch.labels.scalars[examples])))
                }
                #expect(abs(try pipeline.trainStep(inputs: batch.features) { $0.sum() * 0 + crossEntropy($0, IntTensor(Array(batch.labels.scalars[$1]))) }.loss
                            - crossEntropy(Self.chain(seed: 8)(batch.features), batch.labels).item()) < 1e-4)
                return try pipeline.gatherStatistics().map(\.peakLiveMicroBatches)
            }
            #expect(try peaks[0].get() == expected, "\(schedule), \(microBatches) micro-batches")
        }
        // The processes must agree on the schedule.
        let members = InProcessGroup(size: 2).members()
        let refused = onThreads(2) { rank in
            try PipelineParallel(layers: Self.chain(seed: 8).layers, communicator: members[rank],
                                 schedule: rank == 0 ? .gpipe : .oneForwardOneBackward)
        }
        for result in refused { #expect(throws: DistributedError.self) { try result.get() } }
    }

    @Test func measuredBalanceIsRankZerosEverywhere() throws {
        let members = InProcessGroup(size: 2).members()
        let sample = TrainerFixtures.train.features[0..<8]
        let starts = onThreads(2) { rank in
            try PipelineParallel(layers: Self.chain(seed: 3).layers, communicator: members[rank], microBatches: 2,
                                 balance: .measured(sample: sample)).stageStarts
        }
        let first = try starts[0].get()
        #expect(try starts[1].get() == first)
        #expect(first.count == 2 && first[0] == 0 && first[1] > 0 && first[1] < 7)
    }

    @Test func processesWithAnotherChainOrCutAreRefused() throws {
        let members = InProcessGroup(size: 2).members()
        let results = onThreads(2) { rank in
            try PipelineParallel(layers: Self.chain(seed: 3, hidden: rank == 0 ? 16 : 12).layers, communicator: members[rank])
        }
        for result in results {
            #expect(throws: DistributedError.self) { try result.get() }
            if case .failure(let error) = result {
                #expect("\(error)".contains("disagree") && "\(error)".contains("parameter shapes"), "\(error)")
            }
        }
        // Two processes that cut the same chain differently.
        let cuts = InProcessGroup(size: 2).members()
        let differentCuts = onThreads(2) { rank in
            try PipelineParallel(layers: Self.chain(seed: 3).layers, communicator: cuts[rank], balance: .starts(rank == 0 ? [0, 2] : [0, 3]))
        }
        for result in differentCuts {
            #expect(throws: DistributedError.self) { try result.get() }
        }
        let single = InProcessGroup(size: 3).members()
        #expect(throws: DistributedError.self) {
            try PipelineParallel(layers: [Linear(2, 2), ReLU()], communicator: single[0])
        }
        let two = InProcessGroup(size: 2).members()
        #expect(throws: DistributedError.self) {
            try PipelineParallel(layers: Self.chain(seed: 1).layers, communicator: two[0], balance: .starts([0, 9]))
        }
        // A parameter shared by layers of two stages.
        let tied = Linear(4, 4)
        #expect(throws: DistributedError.self) {
            try PipelineParallel(layers: [tied, ReLU(), tied], communicator: two[0], balance: .starts([0, 2]))
        }
    }

    @Test func aStageThatNeverSendsEndsTheNextOneWithATimeout() throws {
        let members = InProcessGroup(size: 2).members(timeout: 0.5)
        let batch = TrainerFixtures.train.batch(Array(0..<4))
        let results = onThreads(2) { rank -> Bool in
            let pipeline = try PipelineParallel(layers: Self.chain(seed: 2).layers, communicator: members[rank])
            guard rank == 1 else { return true }  // stage 0 "dies" before its first step
            _ = try pipeline.trainStep(inputs: batch.features) { outputs, _ in outputs.sum() }
            return true
        }
        #expect(try results[0].get())
        #expect {
            try results[1].get()
        } throws: { error in
            guard case .timedOut(_, let seconds, let rank) = error as? DistributedError else { return false }
            return seconds == 0.5 && rank == 1
        }
    }

    @Test func stagesThatReadDifferentBatchesAreRefused() throws {
        let members = InProcessGroup(size: 2).members(timeout: 2)
        let results = onThreads(2) { rank in
            let pipeline = try PipelineParallel(layers: Self.chain(seed: 2).layers, communicator: members[rank], microBatches: 2)
            let batch = TrainerFixtures.train.batch(Array(0..<(rank == 0 ? 4 : 6)))
            _ = try pipeline.trainStep(inputs: batch.features) { outputs, examples in
                crossEntropy(outputs, IntTensor(Array(batch.labels.scalars[examples])))
            }
        }
        #expect {
            try results[1].get()
        } throws: { error in
            guard case .mismatch(let reason) = error as? DistributedError else { return false }
            return reason.contains("read different batches")
        }
        #expect(throws: DistributedError.self) { try results[0].get() }
    }

    @Test func pipelinedInferenceGivesTheChainsOutputsAndLossOnEveryStage() throws {
        let batch = TrainerFixtures.validation.batch(Array(0..<9))
        let labels = batch.labels.scalars
        let expected = withoutGradients { Self.chain(seed: 6)(batch.features) }
        let expectedLoss = withoutGradients { crossEntropy(expected, IntTensor(labels)).item() }
        let members = InProcessGroup(size: 3).members()
        let results = onThreads(3) { rank in
            let pipeline = try PipelineParallel(layers: Self.chain(seed: 6).layers, communicator: members[rank], microBatches: 4)
            let result = try pipeline.forward(batch.features) { outputs, examples in
                crossEntropy(outputs, IntTensor(Array(labels[examples])))
            }
            // Inference keeps nothing for a backward pass and leaves no gradients.
            #expect(pipeline.stage.parameters().allSatisfy { $0.grad == nil })
            #expect(pipeline.statistics.steps == 0)
            return result
        }
        for result in results {
            let r = try result.get()
            #expect(r.outputs.shape == expected.shape)
            #expect(!r.outputs.requiresGrad)
            #expect(zip(r.outputs.scalars, expected.scalars).allSatisfy { abs($0 - $1) < 1e-6 })
            #expect(abs(r.loss - expectedLoss) < 1e-5)
        }
    }

    @Test func pipelinedInferenceWithoutALossReportsNaN() throws {
        let inputs = TrainerFixtures.validation.features[0..<5]
        let members = InProcessGroup(size: 2).members()
        let losses = onThreads(2) { rank in
            try PipelineParallel(layers: Self.chain(seed: 3).layers, communicator: members[rank], microBatches: 2).forward(inputs).loss
        }
        for loss in losses { #expect(try loss.get().isNaN) }
    }

    @Test func aStagesStateDictUsesTheChainsNames() throws {
        let model = Self.chain(seed: 1)
        let stage = PipelineStage(layers: Array(model.layers[3..<7]), indices: 3..<7)
        #expect(stage.namedParameters().map(\.0) == ["3.weight", "3.bias", "5.weight", "5.bias", "6.weight", "6.bias"])
        let whole = model.stateDict()
        for (name, value) in stage.stateDict() { #expect(whole[name]?.scalars == value.scalars) }
    }

    @Test func theClassifiersChainsComputeTheirOutputs() {
        let images = Tensor.randn([3, 1, 28, 28], generator: RandomGenerator(seed: 4))
        let models: [any LayerChain] = [MLPClassifier(generator: RandomGenerator(seed: 1)), CNNClassifier(generator: RandomGenerator(seed: 2))]
        for model in models {
            let expected = model(images)
            let chained = model.chainedLayers.reduce(images) { $1($0) }
            #expect(chained.shape == expected.shape)
            #expect(zip(chained.scalars, expected.scalars).allSatisfy { abs($0 - $1) < 1e-5 })
            // The chain's parameters are the model's own.
            let own = Set(model.parameters().map(ObjectIdentifier.init))
            #expect(Set(model.chainedLayers.flatMap { ($0 as Module).parameters() }.map(ObjectIdentifier.init)) == own)
        }
    }
}
