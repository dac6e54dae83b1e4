@testable import Synapse
@testable import SynapseNN
@testable import SynapseOptim
@testable import SynapseData
@testable import SynapseEval
@testable import SynapseTraining

/// Classification accuracy of a model on a whole dataset, measured the way every run measures it:
/// `Trainer.evaluate` (evaluation mode, no tape) with `TrainingMetrics.accuracy`.
enum TestAccuracy {
    /// Fraction of `dataset`'s examples whose arg-max logit is the label; `dataset` must not be empty.
    static func of(_ model: some Layer, on dataset: TensorDataset) throws -> Double {
        let loader = DataLoader(dataset, batchSize: 1000)
        // The optimizer is never stepped: the trainer only evaluates.
        let trainer = Trainer(model: model, optimizer: SGD(model.parameters(), learningRate: 1e-3), objective: .classification(model),
                              train: loader, metrics: TrainingMetrics.accuracy, generators: [:])
        return try trainer.evaluate(loader)["accuracy"]!
    }
}
