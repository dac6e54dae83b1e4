import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN
import SynapseOptim

/// Summary of one training epoch.
public struct EpochSummary: Sendable, Codable {
    /// 1-based epoch number.
    public let epoch: Int
    /// Mean training loss over the epoch's batches.
    public let trainLoss: Double
    /// Accuracy on the evaluation set after the epoch.
    public let testAccuracy: Double
    /// Wall-clock seconds of the training pass (evaluation excluded).
    public let seconds: Double
}

/// Supervised training of a classifier with cross-entropy: the loop behind `synapse train`.
public struct ClassifierTraining {
    /// Number of passes over the training set.
    public var epochs: Int
    /// Examples per step.
    public var batchSize: Int
    /// Seed for shuffling.
    public var seed: UInt64
    /// Show a progress bar on standard error.
    public var showProgress: Bool

    /// Creates a configuration.
    public init(epochs: Int, batchSize: Int, seed: UInt64 = 0, showProgress: Bool = true) {
        self.epochs = epochs
        self.batchSize = batchSize
        self.seed = seed
        self.showProgress = showProgress
    }

    /// Trains `model` on `train` (shuffled each epoch, last partial batch dropped) and evaluates
    /// on `test` after every epoch; `onEpoch` sees each summary as it completes.
    ///
    /// Each step checks the loss (read back anyway) and, before the optimizer step, every gradient
    /// (one vectorised pass each); the weights are checked once per epoch (see `DivergenceCheck`).
    /// - Throws: `TrainingError.nonFinite` on divergence (the step is not applied and no later
    ///   epoch is reported, so callers save nothing), `.anomaly` in anomaly mode,
    ///   `.noOptimizerSteps` when `train` is smaller than one batch, `.emptyEvaluationSet` for an
    ///   empty `test`.
    @discardableResult
    public func train(model: some Layer, optimizer: some Optimizer, train: TensorDataset, test: TensorDataset,
                      onEpoch: (EpochSummary) -> Void = { _ in }) throws(TrainingError) -> [EpochSummary] {
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)
        guard loader.count > 0 else { throw .noOptimizerSteps(examples: train.count, batchSize: batchSize, dropLast: true) }
        guard test.count > 0 else { throw .emptyEvaluationSet(name: "test") }
        let check = DivergenceCheck(parameters: optimizer.parameters, model: model)
        var summaries: [EpochSummary] = []
        for epoch in 1...max(epochs, 1) {
            model.train()
            let bar = showProgress ? ProgressBar(total: loader.count, label: "epoch \(epoch)/\(epochs)") : nil
            let start = Date()
            var lossSum = 0.0, steps = 0
            for batch in loader {
                let loss = crossEntropy(model(batch.features), batch.labels)
                try check.anomaly(epoch: epoch, step: steps + 1)
                let lossValue = loss.item()
                try check.loss(lossValue, epoch: epoch, step: steps + 1)
                optimizer.zeroGrad()
                loss.backward()
                try check.anomaly(epoch: epoch, step: steps + 1)
                try check.gradients(epoch: epoch, step: steps + 1)
                optimizer.step()
                lossSum += Double(lossValue)
                steps += 1
                bar?.update(step: steps, samples: steps * batchSize, metrics: [("loss", lossSum / Double(steps))])
            }
            try check.weights(epoch: epoch, step: steps)
            let seconds = Date().timeIntervalSince(start)
            let accuracy = Self.accuracy(of: model, on: test)
            let summary = EpochSummary(epoch: epoch, trainLoss: lossSum / Double(max(steps, 1)), testAccuracy: accuracy, seconds: seconds)
            summaries.append(summary)
            onEpoch(summary)
        }
        return summaries
    }

    /// Fraction of `dataset` examples whose arg-max logit equals the label (evaluation mode, no tape).
    /// `dataset` must not be empty (`train` checks its test set up front).
    public static func accuracy(of model: some Layer, on dataset: TensorDataset, batchSize: Int = 1000) -> Double {
        require(dataset.count > 0, "accuracy: the evaluation set is empty, so accuracy is undefined")
        let wasTraining = model.isTraining
        model.eval()
        defer { model.train(wasTraining) }
        var correct = 0
        withoutGradients {
            var start = 0
            while start < dataset.count {
                let end = min(start + batchSize, dataset.count)
                let batch = dataset.batch(Array(start..<end))
                let predicted = model(batch.features).argmax(dim: 1).scalars
                correct += zip(predicted, batch.labels.scalars).filter { $0 == $1 }.count
                start = end
            }
        }
        return Double(correct) / Double(dataset.count)
    }
}
