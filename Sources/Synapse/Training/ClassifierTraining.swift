import Foundation

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
    @discardableResult
    public func run(model: some Layer, optimizer: some Optimizer, train: TensorDataset, test: TensorDataset,
                    onEpoch: (EpochSummary) -> Void = { _ in }) -> [EpochSummary] {
        let loader = DataLoader(train, batchSize: batchSize, shuffle: true, dropLast: true, seed: seed)
        var summaries: [EpochSummary] = []
        for epoch in 1...max(epochs, 1) {
            model.train()
            let bar = showProgress ? ProgressBar(total: loader.count, label: "epoch \(epoch)/\(epochs)") : nil
            let start = Date()
            var lossSum = 0.0, steps = 0
            for batch in loader {
                let loss = crossEntropy(model(batch.features), batch.labels)
                optimizer.zeroGrad()
                loss.backward()
                optimizer.step()
                lossSum += Double(loss.item())
                steps += 1
                bar?.update(step: steps, samples: steps * batchSize, metrics: [("loss", lossSum / Double(steps))])
            }
            let seconds = Date().timeIntervalSince(start)
            let accuracy = Self.accuracy(of: model, on: test)
            let summary = EpochSummary(epoch: epoch, trainLoss: lossSum / Double(max(steps, 1)), testAccuracy: accuracy, seconds: seconds)
            summaries.append(summary)
            onEpoch(summary)
        }
        return summaries
    }

    /// Fraction of `dataset` examples whose arg-max logit equals the label (evaluation mode, no tape).
    public static func accuracy(of model: some Layer, on dataset: TensorDataset, batchSize: Int = 1000) -> Double {
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
        return Double(correct) / Double(max(dataset.count, 1))
    }
}
