import Foundation
import SynapseCore

/// Adds `table[0..<T]` to `x` laid out as [N, T, E] (`batchFirst`), [T, N, E] or unbatched [T, E].
private func addPositions(_ x: Tensor, _ table: Tensor, batchFirst: Bool, name: String) -> Tensor {
    let maxLength = table.shape[0], dModel = table.shape[1]
    require((x.rank == 2 || x.rank == 3) && x.shape.last == dModel,
                 "\(name): expected input [\(batchFirst ? "N, T" : "T, N"), \(dModel)] or [T, \(dModel)], got \(x.shape)")
    let timeDim = x.rank == 3 && batchFirst ? 1 : 0
    let t = x.shape[timeDim]
    require(t <= maxLength, "\(name): sequence length \(t) exceeds maxLength \(maxLength) (input \(x.shape))")
    let positions = table.slice(dim: 0, start: 0, end: t)
    return x + (x.rank == 3 && !batchFirst ? positions.unsqueezed(1) : positions)
}

/// Fixed sinusoidal positional encoding ("Attention Is All You Need"): adds
///
///     PE[t, 2i] = sin(t / 10000^(2i / dModel)),  PE[t, 2i + 1] = cos(t / 10000^(2i / dModel))
///
/// to the input. The table is a constant, not a parameter or buffer, so it is not in the state dict
/// (like a PyTorch buffer registered with `persistent=False`).
public final class SinusoidalPositionalEncoding: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "dModel: \(encoding.shape[1]), maxLength: \(encoding.shape[0])" + (batchFirst ? ", batchFirst" : "")
    }

    /// The table [maxLength, dModel].
    public let encoding: Tensor
    /// Whether inputs are [N, T, E] (true) or [T, N, E] (false).
    public let batchFirst: Bool

    /// A table for positions 0..<maxLength.
    public init(dModel: Int, maxLength: Int = 5000, batchFirst: Bool = false) {
        require(dModel > 0 && maxLength > 0,
                     "SinusoidalPositionalEncoding: dModel and maxLength must be positive, got \(dModel), \(maxLength)")
        encoding = Tensor(shape: [maxLength, dModel]) { b in
            for t in 0..<maxLength {
                for c in 0..<dModel {
                    let i = c / 2
                    let angle = Double(t) / Foundation.pow(10000, Double(2 * i) / Double(dModel))
                    b[t * dModel + c] = Float(c % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle))
                }
            }
        }
        self.batchFirst = batchFirst
        super.init()
    }

    /// `x` plus the encodings of positions 0..<T.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            addPositions(x, encoding, batchFirst: batchFirst, name: "SinusoidalPositionalEncoding(dModel: \(encoding.shape[1]))")
        }
    }
}

/// Learned absolute positional encoding: a trainable table `weight` [maxLength, dModel]
/// (initialised N(0, 1) like `nn.Embedding`) whose first T rows are added to the input.
public final class LearnedPositionalEncoding: Module, Layer {
    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "dModel: \(weight.shape[1]), maxLength: \(weight.shape[0])" + (batchFirst ? ", batchFirst" : "")
    }

    /// The table [maxLength, dModel] (state-dict name `weight`).
    public let weight: Parameter
    /// Whether inputs are [N, T, E] (true) or [T, N, E] (false).
    public let batchFirst: Bool

    /// A table for positions 0..<maxLength.
    public init(dModel: Int, maxLength: Int, batchFirst: Bool = false, generator: RandomGenerator = .global) {
        require(dModel > 0 && maxLength > 0,
                     "LearnedPositionalEncoding: dModel and maxLength must be positive, got \(dModel), \(maxLength)")
        weight = Parameter(Tensor.randn([maxLength, dModel], generator: generator))
        self.batchFirst = batchFirst
        super.init()
    }

    /// `x` plus the learned encodings of positions 0..<T.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            addPositions(x, weight.value, batchFirst: batchFirst, name: "LearnedPositionalEncoding(dModel: \(weight.shape[1]))")
        }
    }
}

extension LearnedPositionalEncoding {
    /// The argument order before both positional encodings took `(dModel:maxLength:)`.
    @available(*, deprecated, renamed: "init(dModel:maxLength:batchFirst:generator:)")
    public convenience init(maxLength: Int, dModel: Int, batchFirst: Bool = false, generator: RandomGenerator = .global) {
        self.init(dModel: dModel, maxLength: maxLength, batchFirst: batchFirst, generator: generator)
    }
}
