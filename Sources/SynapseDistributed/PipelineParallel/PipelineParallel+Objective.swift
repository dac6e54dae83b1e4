import SynapseCore
import SynapseData
import SynapseNN
import SynapseTraining

extension PipelineParallel {
    /// Classification with cross-entropy on `(features, labels)` batches through the pipeline, for
    /// `Trainer` (train `stage`): training steps run `trainStep` (the objective's
    /// `forwardBackward`) and evaluation passes run `forward`, so every stage sees the outputs
    /// (logits) and loss, and logs, metrics, early stopping and schedules agree everywhere.
    public func classificationObjective(labelSmoothing: Float = 0) -> TrainingObjective<TensorDataset.Batch> {
        // A micro-batch's loss: the last stage's outputs against the labels of its examples.
        let loss = { (batch: TensorDataset.Batch) in
            { (outputs: Tensor, examples: Range<Int>) -> Tensor in
                crossEntropy(outputs, IntTensor(Array(batch.labels.scalars[examples])), labelSmoothing: labelSmoothing)
            }
        }
        return TrainingObjective(
            forward: { batch in
                // Only reached when called directly: the trainer uses the throwing passes below.
                do {
                    let result = try self.forward(batch.features, loss: loss(batch))
                    return (result.outputs, Tensor(result.loss))
                } catch {
                    requireFailure("PipelineParallel.classificationObjective: \(error)")
                }
            },
            targets: { $0.labels.asFloat },
            forwardBackward: { batch, lossFactor in
                let result = try self.trainStep(inputs: batch.features, lossFactor: lossFactor, loss: loss(batch))
                return (result.outputs, result.loss)
            },
            evaluationForward: { batch in
                let result = try self.forward(batch.features, loss: loss(batch))
                return (result.outputs, result.loss)
            })
    }
}
