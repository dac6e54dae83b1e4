import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseTraining

/// Freezing, parameter groups, the weight-decay split and the warm-up + linear-decay schedule.
@Suite("Fine-tuning tools")
struct FineTuningToolsTests {
    /// Its own generator: tests run in parallel, and the global one belongs to seeded tests.
    final class Net: Module {
        let encoder: Linear, norm = LayerNorm(6), head: Linear
        init(seed: UInt64 = 0) {
            let g = RandomGenerator(seed: seed)
            encoder = Linear(4, 6, generator: g)
            head = Linear(6, 2, generator: g)
            super.init()
        }
        func callAsFunction(_ x: Tensor) -> Tensor { head(relu(norm(encoder(x)))) }
    }

    /// A frozen module records nothing on the tape, gets no gradient and is not updated; unfreezing
    /// makes it train again.
    @Test func frozenParametersGetNoGradientAndStayUnchanged() {
        let net = Net(seed: 1)
        net.encoder.freeze()
        #expect(!net.encoder.weight.requiresGrad && net.head.weight.requiresGrad)
        #expect(net.trainableParameterCount == 6 * 2 + 2 + 12)
        let x = Tensor.randn([5, 4], generator: RandomGenerator(seed: 3))
        // The encoder's output depends only on frozen leaves: no tape for it.
        #expect(!net.encoder(x).requiresGrad)
        let before = net.encoder.weight.value.scalars
        let optimizer = SGD(net.parameters(), learningRate: 0.1, momentum: 0.9, weightDecay: 0.01)
        for _ in 0..<3 {
            optimizer.zeroGrad()
            net(x).sum().backward()
            #expect(net.encoder.weight.grad == nil)
            optimizer.step()
        }
        #expect(net.encoder.weight.value.scalars == before)
        // Assigning a value keeps the parameter frozen.
        net.encoder.weight.value = Tensor.ones([6, 4])
        #expect(!net.encoder.weight.value.requiresGrad)
        net.unfreeze()
        net(x).sum().backward()
        #expect(net.encoder.weight.grad != nil)
    }

    @Test func weightDecayGroupsExemptBiasesAndNorms() {
        let net = Net()
        let (decay, noDecay) = net.weightDecayGroups()
        #expect(decay.map(ObjectIdentifier.init) == [net.encoder.weight, net.head.weight].map(ObjectIdentifier.init))
        #expect(noDecay.count == 4)  // two biases, LayerNorm weight and bias
        net.head.freeze()
        #expect(net.weightDecayGroups().decay.count == 1)
    }

    /// Each group keeps its own rate and decay; a schedule scales every group by the same factor
    /// (as PyTorch's schedulers act on each group's initial_lr).
    @Test func parameterGroupsFollowTheirOwnRates() throws {
        let net = Net(seed: 2)
        let optimizer = GroupedOptimizer(groups: [
            ParameterGroup(net.encoder.parameters(), learningRate: 0.01, weightDecay: 0.1, name: "encoder"),
            ParameterGroup(net.norm.parameters() + net.head.parameters(), learningRate: 0.1, name: "head"),
        ]) { AdamW($0.parameters, learningRate: $0.learningRate, weightDecay: $0.weightDecay) }
        #expect(optimizer.groupLearningRates == [0.01, 0.1])
        let scheduler = ScheduledLR(optimizer, schedule: LinearWarmupDecay(warmupSteps: 2, totalSteps: 10))
        #expect(optimizer.groupLearningRates == [0, 0])
        scheduler.step()
        #expect(abs(optimizer.groupLearningRates[0] - 0.005) < 1e-12 && abs(optimizer.groupLearningRates[1] - 0.05) < 1e-12)
        // One step of the grouped optimizer equals separate AdamW steps with each group's settings.
        let twin = Net()
        try twin.loadStateDict(net.stateDict())
        let x = Tensor.randn([3, 4], generator: RandomGenerator(seed: 4))
        net(x).sum().backward()
        twin(x).sum().backward()
        optimizer.step()
        AdamW(twin.encoder.parameters(), learningRate: 0.005, weightDecay: 0.1).step()
        AdamW(twin.norm.parameters() + twin.head.parameters(), learningRate: 0.05, weightDecay: 0).step()
        for (a, b) in zip(net.parameters(), twin.parameters()) { #expect(a.value.scalars == b.value.scalars) }
        let state = optimizer.stateDict()
        #expect(state.keys.contains("group0.0.exp_avg") && state.keys.contains("group1.2.exp_avg"))
        try optimizer.loadStateDict(state)
        #expect(throws: OptimizerError.self) { try optimizer.loadStateDict(["group7.0.exp_avg": Tensor.zeros([1])]) }
    }

    /// Hugging Face's `get_linear_schedule_with_warmup` factors at the boundaries.
    @Test func linearWarmupDecayMatchesTheFormula() {
        let s = LinearWarmupDecay(warmupSteps: 4, totalSteps: 20)
        let factors = [0, 1, 3, 4, 5, 12, 19, 20, 25].map { s.learningRate(at: $0, baseLearningRate: 1) }
        let expected = [0, 0.25, 0.75, 1, 15.0 / 16, 0.5, 1.0 / 16, 0, 0]
        for (f, e) in zip(factors, expected) { #expect(abs(f - e) < 1e-12) }
        let noWarmup = LinearWarmupDecay(warmupSteps: 0, totalSteps: 10)
        #expect(noWarmup.learningRate(at: 0, baseLearningRate: 2) == 2)
        #expect(LinearWarmupDecay(warmupFraction: 0.1, totalSteps: 95).warmupSteps == 9)
    }
}

/// Gradient accumulation through `Trainer`.
@Suite("Gradient accumulation")
struct GradientAccumulationTests {
    /// k micro-batches of b examples accumulate to the step one batch of k·b takes (the loss is a
    /// mean, so each micro-batch is scaled by 1/k); the epoch's shorter last group is scaled by its
    /// own size, and `fit(steps:)` counts optimizer steps.
    @Test func accumulatedMicroBatchesEqualOneLargeBatch() throws {
        let data = TensorDataset(features: Tensor.randn([20, 3], generator: RandomGenerator(seed: 4)),
                                 labels: IntTensor((0..<20).map { $0 % 3 }))
        func train(batchSize: Int, accumulation: Int, steps: Int) throws -> [Float] {
            let model = MLPClassifier(inputSize: 3, hiddenSizes: [5], classes: 3, generator: RandomGenerator(seed: 9))
            let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 0.5), objective: .classification(model),
                                  train: DataLoader(data, batchSize: batchSize))
            trainer.accumulationSteps = accumulation
            _ = try trainer.fit(steps: steps)
            #expect(trainer.context.globalStep == steps)
            return model.parameters().flatMap { $0.value.scalars }
        }
        // 20 examples: batches of 4 accumulated 2 at a time = steps on 8, 8, 4 examples; batches of 8 → 8, 8, 4.
        let accumulated = try train(batchSize: 4, accumulation: 2, steps: 6)
        let large = try train(batchSize: 8, accumulation: 1, steps: 6)
        #expect(zip(accumulated, large).allSatisfy { abs($0 - $1) < 1e-5 })
        let unaccumulated = try train(batchSize: 4, accumulation: 1, steps: 6)
        #expect(zip(accumulated, unaccumulated).contains { abs($0 - $1) > 1e-3 })
    }
}
