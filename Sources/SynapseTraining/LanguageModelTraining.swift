import Foundation
import SynapseCore
import SynapseData
import SynapseModels
import SynapseOptim

/// Training progress of a language model, reported every `logEvery` steps.
public struct LanguageModelProgress: Sendable {
    /// Steps done so far.
    public let step: Int
    /// Mean training loss over the steps since the previous report.
    public let trainLoss: Double
    /// Training tokens per second over the steps since the previous report.
    public let tokensPerSecond: Double
    /// Wall-clock seconds of training so far.
    public let seconds: Double
}

/// Next-token training of a `LanguageModel` on random windows of a `TextCorpus`: the loop behind
/// `synapse train --model char-lstm|gpt` and the W4/W5 benchmarks.
///
/// Each step draws `batchSize` windows of `context` tokens at uniformly random offsets (with their
/// next-token targets) from `windowGenerator`, then runs forward, cross-entropy, backward and the
/// optimizer step. The validation loss is the mean of the per-batch mean losses of `batches`
/// batches drawn the same way from the validation text.
public struct LanguageModelTraining {
    /// Optimisation steps.
    public var steps: Int
    /// Windows per step.
    public var batchSize: Int
    /// Tokens per window.
    public var context: Int
    /// Report progress every this many steps (and after the last one).
    public var logEvery: Int

    /// Creates a configuration.
    public init(steps: Int, batchSize: Int, context: Int, logEvery: Int = 50) {
        self.steps = steps
        self.batchSize = batchSize
        self.context = context
        self.logEvery = max(logEvery, 1)
    }

    /// The generator of training windows for `seed` (independent of the initialisation stream).
    public static func windowGenerator(seed: UInt64) -> RandomGenerator { RandomGenerator(seed: seed, stream: .dataOrder) }

    /// The generator of validation windows for `seed` (stream 4, shared with the PyTorch reference
    /// scripts so both evaluate the same windows).
    public static func validationGenerator(seed: UInt64) -> RandomGenerator {
        RandomGenerator(seed: seed, stream: RandomStream(rawValue: 4))
    }

    /// One optimisation step on a batch, unchecked (the benchmarks' step; `train` checks for
    /// divergence); returns the loss.
    @discardableResult
    public static func step(_ model: some LanguageModel, _ optimizer: some Optimizer,
                            _ batch: (inputs: IntTensor, targets: IntTensor)) -> Float {
        let loss = model.loss(batch.inputs, batch.targets)
        optimizer.zeroGrad()
        loss.backward()
        optimizer.step()
        return loss.item()
    }

    /// Trains `model` for `steps` steps on windows of `corpus` drawn from `generator`; returns the
    /// training tokens per second over all steps (0 when `steps` is 0).
    ///
    /// Every step checks the loss and, before the optimizer step, every gradient; the weights are
    /// checked after the last step (see `DivergenceCheck`).
    /// - Throws: `TrainingError.nonFinite` naming the step on divergence (that step's update is not
    ///   applied, so callers save nothing), `.anomaly` in anomaly mode.
    @discardableResult
    public func train(model: some LanguageModel, optimizer: some Optimizer, corpus: TextCorpus, generator: RandomGenerator,
                      onProgress: (LanguageModelProgress) -> Void = { _ in }) throws(TrainingError) -> Double {
        guard steps > 0 else { return 0 }
        model.train()
        let check = DivergenceCheck(parameters: optimizer.parameters, model: model)
        let start = Date()
        var lastTime = start, lossSum = 0.0, lastStep = 0
        for step in 1...steps {
            let batch = corpus.randomWindows(batchSize: batchSize, length: context, generator: generator)
            let loss = model.loss(batch.inputs, batch.targets)
            try check.anomaly(epoch: nil, step: step)
            let lossValue = loss.item()
            try check.loss(lossValue, epoch: nil, step: step)
            optimizer.zeroGrad()
            loss.backward()
            try check.anomaly(epoch: nil, step: step)
            try check.gradients(epoch: nil, step: step)
            optimizer.step()
            lossSum += Double(lossValue)
            if step % logEvery == 0 || step == steps {
                let now = Date()
                let tokens = Double((step - lastStep) * batchSize * context)
                onProgress(LanguageModelProgress(step: step, trainLoss: lossSum / Double(step - lastStep),
                                                 tokensPerSecond: tokens / max(now.timeIntervalSince(lastTime), 1e-9),
                                                 seconds: now.timeIntervalSince(start)))
                lastTime = now
                lossSum = 0
                lastStep = step
            }
        }
        try check.weights(epoch: nil, step: steps)
        return Double(steps * batchSize * context) / max(Date().timeIntervalSince(start), 1e-9)
    }

    /// Mean next-token loss of `model` over `batches` batches of `batchSize` × `context` random
    /// windows of `corpus` drawn from `generator`, in eval mode without gradients. `batches` must be
    /// at least 1: a mean over no batches is undefined, not 0.
    public static func validationLoss(of model: some LanguageModel, on corpus: TextCorpus, batches: Int, batchSize: Int,
                                      context: Int, generator: RandomGenerator) -> Double {
        require(batches > 0, "validationLoss: \(batches) validation batches; the mean loss needs at least 1")
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        return withoutGradients {
            var sum = 0.0
            for _ in 0..<batches {
                let b = corpus.randomWindows(batchSize: batchSize, length: context, generator: generator)
                sum += Double(model.loss(b.inputs, b.targets).item())
            }
            return sum / Double(batches)
        }
    }
}
