extension Tensor {
    /// A tensor of `shape` filled with `value`.
    public static func full(_ shape: [Int], _ value: Float) -> Tensor {
        Tensor(storage: TensorStorage(repeating: value, count: ShapeMath.count(shape)), shape: shape)
    }
    /// Zeros of `shape`.
    public static func zeros(_ shape: [Int]) -> Tensor { full(shape, 0) }
    /// Ones of `shape`.
    public static func ones(_ shape: [Int]) -> Tensor { full(shape, 1) }
    /// Zeros with the shape of `other`.
    public static func zeros(like other: Tensor) -> Tensor { zeros(other.shape) }
    /// Ones with the shape of `other`.
    public static func ones(like other: Tensor) -> Tensor { ones(other.shape) }

    /// Values `start, start+step, ...` below `end` (PyTorch `arange`).
    public static func arange(_ start: Float = 0, _ end: Float, step: Float = 1) -> Tensor {
        require(step != 0, "arange: step must be non-zero")
        let n = Swift.max(0, Int(((end - start) / step).rounded(.up)))
        return Tensor(shape: [n]) { b in for i in 0..<n { b[i] = start + Float(i) * step } }
    }

    /// `count` evenly spaced values from `start` to `end` inclusive (PyTorch `linspace`).
    public static func linspace(_ start: Float, _ end: Float, count: Int) -> Tensor {
        require(count >= 0, "linspace: count must be non-negative")
        let step = count > 1 ? (Double(end) - Double(start)) / Double(count - 1) : 0
        return Tensor(shape: [count]) { b in
            for i in 0..<count { b[i] = Float(Double(start) + Double(i) * step) }
            if count > 1 { b[count - 1] = end }
        }
    }

    /// The identity matrix of size `n`.
    public static func eye(_ n: Int) -> Tensor {
        Tensor(shape: [n, n]) { b in
            b.update(repeating: 0)
            for i in 0..<n { b[i * n + i] = 1 }
        }
    }

    /// Standard normal samples.
    public static func randn(_ shape: [Int], generator: RandomGenerator = .global) -> Tensor {
        Tensor(shape: shape) { b in for i in b.indices { b[i] = generator.nextNormal() } }
    }

    /// Uniform samples in [0, 1).
    public static func rand(_ shape: [Int], generator: RandomGenerator = .global) -> Tensor {
        uniform(shape, low: 0, high: 1, generator: generator)
    }

    /// Uniform samples in [low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, generator: RandomGenerator = .global) -> Tensor {
        Tensor(shape: shape) { b in
            for i in b.indices { b[i] = low + (high - low) * generator.nextUniform() }
        }
    }

    /// Normal samples with the given mean and standard deviation.
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: RandomGenerator = .global) -> Tensor {
        Tensor(shape: shape) { b in for i in b.indices { b[i] = mean + std * generator.nextNormal() } }
    }
}
