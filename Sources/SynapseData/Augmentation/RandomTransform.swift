import SynapseCore

/// A seeded random transform of one example (data augmentation).
///
/// Transforms draw all their randomness from the generator they are given, and always draw the
/// same amount of it per example whatever the outcome (a flip that does not happen still consumes
/// its number), so a seed fixes every example's augmentation and the draws of one transform never
/// shift those of the next.
public protocol RandomTransform<Value>: Sendable {
    /// What is transformed: for images a `Tensor` of shape `[C, H, W]` (or `[H, W]`).
    associatedtype Value
    /// The transformed `value`, drawing randomness from `generator`.
    func callAsFunction(_ value: Value, using generator: RandomGenerator) -> Value
}

extension RandomTransform where Value == Tensor {
    /// Applies the transform to each example of `batch` (leading dimension: examples), in order,
    /// each with its own random draws, and stacks the results.
    public func applyPerExample(_ batch: Tensor, using generator: RandomGenerator) -> Tensor {
        require(batch.rank >= 1, "\(Self.self).applyPerExample: batch needs a leading example dimension, got shape \(batch.shape)")
        let n = batch.shape[0]
        let exampleShape = Array(batch.shape.dropFirst())
        let rowSize = exampleShape.reduce(1, *)
        let outputs: [Tensor] = batch.withUnsafeBufferPointer { src in
            (0..<n).map { i in
                let example = Tensor(shape: exampleShape) { dst in
                    guard rowSize > 0 else { return }
                    dst.baseAddress!.update(from: src.baseAddress! + i * rowSize, count: rowSize)
                }
                return self(example, using: generator)
            }
        }
        guard let first = outputs.first else { return batch }
        let outShape = first.shape
        let outSize = first.count
        return Tensor(shape: [n] + outShape) { dst in
            for (i, out) in outputs.enumerated() {
                require(out.shape == outShape,
                        "\(Self.self).applyPerExample: example \(i) became shape \(out.shape), example 0 \(outShape)")
                guard outSize > 0 else { continue }
                out.withUnsafeBufferPointer { dst.baseAddress!.advanced(by: i * outSize).update(from: $0.baseAddress!, count: outSize) }
            }
        }
    }
}
