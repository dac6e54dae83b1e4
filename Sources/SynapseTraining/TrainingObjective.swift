import SynapseCore
import SynapseData
import SynapseEval
import SynapseNN

/// What the trainer optimises on a batch: the model's predictions and the loss, plus the batch's
/// targets as a tensor for metrics. Keeps `Trainer` independent of the batch type and the task.
public struct TrainingObjective<Batch> {
    /// Runs the model on a batch: predictions (first dimension = examples) and the scalar loss.
    public var forward: (Batch) -> (predictions: Tensor, loss: Tensor)
    /// The batch's targets as a Float tensor (class indices as floats), handed to metric functions.
    public var targets: (Batch) -> Tensor
    /// Runs forward *and* backward of a training batch itself, for training that cannot run them
    /// as two whole passes: pipeline parallelism (`PipelineParallel` in SynapseDistributed), where
    /// the micro-batches of one batch are in different stages' forward and backward passes at once.
    /// It receives the factor to multiply the batch's mean loss by before backward (gradient
    /// accumulation's 1/k, loss scaling), must leave the batch's gradients accumulated in the
    /// parameters, and returns the predictions and the batch's mean loss (unscaled). `forward` still
    /// serves evaluation. Nil (the default): the trainer calls `forward`, then `backward` on the loss.
    public var forwardBackward: ((Batch, _ lossFactor: Float) throws -> (predictions: Tensor, loss: Float))?
    /// Replaces `forward` in evaluation passes when the pass can fail on its own (a pipeline whose
    /// stages run in other processes): the predictions and the batch's mean loss. Nil (the default):
    /// evaluation calls `forward`.
    public var evaluationForward: ((Batch) throws -> (predictions: Tensor, loss: Float))?

    /// Creates an objective from its two closures (and, for pipelined training, `forwardBackward`
    /// and `evaluationForward`).
    public init(forward: @escaping (Batch) -> (predictions: Tensor, loss: Tensor), targets: @escaping (Batch) -> Tensor,
                forwardBackward: ((Batch, Float) throws -> (predictions: Tensor, loss: Float))? = nil,
                evaluationForward: ((Batch) throws -> (predictions: Tensor, loss: Float))? = nil) {
        self.forward = forward
        self.targets = targets
        self.forwardBackward = forwardBackward
        self.evaluationForward = evaluationForward
    }
}

extension TrainingObjective where Batch == TensorDataset.Batch {
    /// Classification with cross-entropy on `(features, labels)` batches; predictions are logits.
    public static func classification(_ model: some Layer, labelSmoothing: Float = 0) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let logits = model(batch.features)
            return (logits, crossEntropy(logits, batch.labels, labelSmoothing: labelSmoothing))
        }, targets: { $0.labels.asFloat })
    }
}

extension TrainingObjective where Batch == RegressionDataset.Batch {
    /// Regression with mean squared error on `(features, targets)` batches; predictions are the
    /// model's outputs `[N, 1]` (the tabular regression and forecasting runs).
    public static func regression(_ model: some Layer) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let predictions = model(batch.features)
            return (predictions, mseLoss(predictions, batch.targets))
        }, targets: { $0.targets })
    }
}

/// A metric function: named values from the predictions and targets of a whole evaluation pass
/// (concatenated along the first dimension). Any metric library can be plugged in through it.
public typealias MetricFunction = (_ predictions: Tensor, _ targets: Tensor) -> [String: Double]

/// Small built-in metric functions for `Trainer.metrics`.
public enum TrainingMetrics {
    /// Classification accuracy from logits `[N, C]` and class-index targets `[N]`: `["accuracy": …]`.
    public static func accuracy(_ predictions: Tensor, _ targets: Tensor) -> [String: Double] {
        let predicted = predictions.argmax(dim: 1).scalars
        let labels = targets.scalars
        let correct = zip(predicted, labels).filter { Float($0) == $1 }.count
        return ["accuracy": Double(correct) / Double(Swift.max(labels.count, 1))]
    }

    /// Mean squared and mean absolute error of regression predictions: `["mse": …, "mae": …]`.
    public static func regressionErrors(_ predictions: Tensor, _ targets: Tensor) -> [String: Double] {
        let p = predictions.scalars, t = targets.scalars
        var se = 0.0, ae = 0.0
        for (a, b) in zip(p, t) { let d = Double(a) - Double(b); se += d * d; ae += Swift.abs(d) }
        let n = Double(Swift.max(p.count, 1))
        return ["mse": se / n, "mae": ae / n]
    }
}
