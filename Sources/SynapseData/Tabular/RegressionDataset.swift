import SynapseCore

/// A dataset with real-valued targets held in memory: `features` of shape `[N, ...]` and `targets`
/// of shape `[N, T]` (T = 1 for one target), so a batch's targets have the shape of a model's
/// `[B, T]` output and go straight into `mseLoss`.
public struct RegressionDataset: BatchedDataset, Sendable {
    /// One example: its features (shape `features.shape.dropFirst()`) and targets (shape `[T]`).
    public typealias Element = (features: Tensor, target: Tensor)
    /// A batch: features `[B, ...]` and targets `[B, T]`.
    public typealias Batch = (features: Tensor, targets: Tensor)

    /// All features, dense, shape `[N, ...]`.
    public let features: Tensor
    /// All targets, dense, shape `[N, T]`.
    public let targets: Tensor

    /// A dataset of `features` (`[N, ...]`) and `targets` (`[N]` or `[N, T]`; `[N]` becomes `[N, 1]`).
    /// - Precondition: both have the same leading dimension.
    public init(features: Tensor, targets: Tensor) {
        require(features.rank >= 1, "RegressionDataset: features must have a leading example dimension, got shape \(features.shape)")
        require((targets.rank == 1 || targets.rank == 2) && targets.shape[0] == features.shape[0],
                "RegressionDataset: targets of shape \(targets.shape) do not match \(features.shape[0]) examples of features \(features.shape)")
        self.features = features.contiguous()
        self.targets = (targets.rank == 1 ? targets.reshaped([targets.shape[0], 1]) : targets).contiguous()
    }

    /// Number of examples.
    public var count: Int { features.shape[0] }

    /// The example at `index`.
    public subscript(index: Int) -> Element {
        let b = batch([index])
        return (b.features.reshaped(Array(features.shape.dropFirst())), b.targets.reshaped([targets.shape[1]]))
    }

    /// The examples at `indices`, copied row by row.
    public func batch(_ indices: [Int]) -> Batch {
        for i in indices { require(i >= 0 && i < count, "RegressionDataset.batch: index \(i) out of range 0..<\(count)") }
        return (gatherRows(features, indices), gatherRows(targets, indices))
    }

    /// A new dataset holding only the examples at `indices`, in that order.
    public func subset(_ indices: [Int]) -> RegressionDataset {
        let b = batch(indices)
        return RegressionDataset(features: b.features, targets: b.targets)
    }
}

/// Rows `indices` of a dense tensor `[N, ...]`, stacked into `[indices.count, ...]`.
func gatherRows(_ tensor: Tensor, _ indices: [Int]) -> Tensor {
    let rowShape = Array(tensor.shape.dropFirst())
    let rowSize = rowShape.reduce(1, *)
    return tensor.withUnsafeBufferPointer { src in
        Tensor(shape: [indices.count] + rowShape, fill: { dst in
            guard rowSize > 0, let s = src.baseAddress, let d = dst.baseAddress else { return }
            for (row, index) in indices.enumerated() {
                (d + row * rowSize).update(from: s + index * rowSize, count: rowSize)
            }
        })
    }
}
