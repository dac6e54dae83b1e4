import SynapseCore
import SynapseData
import SynapseNN

extension TrainingObjective where Batch == TensorDataset.Batch {
    /// Knowledge distillation on `(features, labels)` batches: `student` learns from the labels
    /// and from `teacher`'s softened logits (`distillationLoss`). The teacher runs in evaluation
    /// mode (dropout off, batch-norm running statistics) and records no gradients; predictions
    /// are the student's logits, so accuracy metrics measure the student.
    ///
    /// The teacher runs on every batch, which suits augmented data. On fixed inputs, run it once:
    /// `TeacherLogitsDataset` with the other `distillation` objective.
    public static func distillation(student: some Layer, teacher: some Layer, settings: DistillationSettings = DistillationSettings())
        -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let wasTraining = teacher.isTraining
            teacher.eval()
            let teacherLogits = withoutGradients { teacher(batch.features) }
            teacher.train(wasTraining)
            let logits = student(batch.features)
            return (logits, distillationLoss(studentLogits: logits, teacherLogits: teacherLogits, labels: batch.labels, settings: settings))
        }, targets: { $0.labels.asFloat })
    }
}

extension TrainingObjective where Batch == TeacherLogitsDataset.Batch {
    /// Knowledge distillation from cached teacher logits (`TeacherLogitsDataset`): the same loss
    /// as the per-batch objective without running the teacher again each epoch.
    public static func distillation(student: some Layer, settings: DistillationSettings = DistillationSettings()) -> TrainingObjective {
        TrainingObjective(forward: { batch in
            let logits = student(batch.features)
            return (logits, distillationLoss(studentLogits: logits, teacherLogits: batch.teacherLogits, labels: batch.labels,
                                             settings: settings))
        }, targets: { $0.labels.asFloat })
    }
}

/// A classification dataset with the teacher's logits stored beside each example, computed once
/// (evaluation mode, no gradients, in batches): distillation then costs the student's steps only.
/// Use it when the inputs do not change between epochs (no random augmentation).
public struct TeacherLogitsDataset: BatchedDataset, Sendable {
    /// One example with its teacher logits `[classes]`.
    public typealias Element = (features: Tensor, label: Int, teacherLogits: Tensor)
    /// Features, labels and the teacher's logits of the examples.
    public typealias Batch = (features: Tensor, labels: IntTensor, teacherLogits: Tensor)

    /// The examples.
    public let base: TensorDataset
    /// The teacher's logits, `[count, classes]`.
    public let teacherLogits: Tensor

    /// Runs `teacher` over `base` in batches of `batchSize` and keeps its logits.
    public init(_ base: TensorDataset, teacher: some Layer, batchSize: Int = 1000) {
        require(base.count > 0, "TeacherLogitsDataset: the dataset is empty")
        let wasTraining = teacher.isTraining
        teacher.eval()
        defer { teacher.train(wasTraining) }
        var parts: [Tensor] = []
        withoutGradients {
            var start = 0
            while start < base.count {
                let end = min(start + max(batchSize, 1), base.count)
                parts.append(teacher(base.batch(Array(start..<end)).features).contiguous())
                start = end
            }
        }
        self.base = base
        teacherLogits = Tensor.cat(parts, dim: 0)
    }

    /// Number of examples.
    public var count: Int { base.count }

    /// The example at `index` with its teacher logits.
    public subscript(index: Int) -> Element {
        let (features, label) = base[index]
        return (features, label, teacherLogits.slice(dim: 0, start: index, end: index + 1).reshaped([teacherLogits.shape[1]]))
    }

    /// The examples at `indices` with their teacher logits.
    public func batch(_ indices: [Int]) -> Batch {
        let b = base.batch(indices)
        let classes = teacherLogits.shape[1]
        let rows = teacherLogits.withUnsafeBufferPointer { all in
            indices.flatMap { i in all[(i * classes)..<((i + 1) * classes)] }
        }
        return (b.features, b.labels, Tensor(shape: [indices.count, classes], scalars: rows))
    }
}
