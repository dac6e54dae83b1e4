import SynapseCore

/// Cuts a contiguous window of `length` steps at a random position out of a sequence (the sequence
/// counterpart of a random crop, for time series and token streams).
///
/// Applies to one example whose first dimension is time: shape `[T]` or `[T, features...]` gives
/// `[length]` or `[length, features...]`. Draws one number per example, the window's start.
public struct RandomWindow: RandomTransform {
    /// A sequence tensor, time first.
    public typealias Value = Tensor
    /// Steps kept.
    public let length: Int

    /// Windows of `length` steps.
    public init(length: Int) {
        require(length >= 1, "RandomWindow: length must be at least 1, got \(length)")
        self.length = length
    }

    /// The start of a window over a sequence of `count` steps, uniform in `0...(count - length)`.
    public func start(count: Int, using generator: RandomGenerator) -> Int {
        require(count >= length, "RandomWindow: a window of \(length) steps does not fit in a sequence of \(count)")
        return generator.nextInt(below: count - length + 1)
    }

    /// A random window of `sequence` along its first dimension.
    public func callAsFunction(_ sequence: Tensor, using generator: RandomGenerator) -> Tensor {
        require(sequence.rank >= 1, "RandomWindow: expects a sequence of shape [T, ...], got \(sequence.shape)")
        let s = start(count: sequence.shape[0], using: generator)
        let step = sequence.shape.dropFirst().reduce(1, *)
        return sequence.withUnsafeBufferPointer { src in
            Tensor(shape: [length] + sequence.shape.dropFirst()) { dst in
                guard step > 0 else { return }
                dst.baseAddress!.update(from: src.baseAddress! + s * step, count: length * step)
            }
        }
    }

    /// A random window of a token sequence (or any array).
    public func callAsFunction<T>(_ sequence: [T], using generator: RandomGenerator) -> [T] {
        let s = start(count: sequence.count, using: generator)
        return Array(sequence[s..<(s + length)])
    }
}
