import Foundation
import SynapseCore

/// Weight initialisers (PyTorch `torch.nn.init`). Each returns a new tensor of `shape`.
///
/// Fan-in / fan-out follow PyTorch: for a weight of shape [out, in, k...], fanIn = in·∏k and
/// fanOut = out·∏k.
public enum Init {
    /// Which fan Kaiming initialisation preserves.
    public enum FanMode: Sendable { case fanIn, fanOut }

    /// (fanIn, fanOut) of a weight shape.
    public static func fans(_ shape: [Int]) -> (fanIn: Int, fanOut: Int) {
        require(shape.count >= 2, "Init: fan in/out need a weight with at least 2 dimensions, got \(shape)")
        let receptive = shape.dropFirst(2).reduce(1, *)
        return (shape[1] * receptive, shape[0] * receptive)
    }

    /// Recommended gain for a nonlinearity ("linear", "sigmoid", "tanh", "relu", "leaky_relu", "selu").
    public static func gain(_ nonlinearity: String, param: Float = 0.01) -> Float {
        switch nonlinearity {
        case "tanh": return 5.0 / 3.0
        case "relu": return Float(2.0).squareRoot()
        case "leaky_relu": return (2.0 / (1 + param * param)).squareRoot()
        case "selu": return 0.75
        default: return 1
        }
    }

    /// U(low, high).
    public static func uniform(_ shape: [Int], low: Float, high: Float, generator: RandomGenerator = .global) -> Tensor {
        Tensor.uniform(shape, low: low, high: high, generator: generator)
    }

    /// N(mean, std²).
    public static func normal(_ shape: [Int], mean: Float = 0, std: Float = 1, generator: RandomGenerator = .global) -> Tensor {
        Tensor.normal(shape, mean: mean, std: std, generator: generator)
    }

    /// Xavier/Glorot uniform: U(−a, a) with a = gain·√(6 / (fanIn + fanOut)).
    public static func xavierUniform(_ shape: [Int], gain: Float = 1, generator: RandomGenerator = .global) -> Tensor {
        let (i, o) = fans(shape)
        let a = gain * (6 / Float(i + o)).squareRoot()
        return uniform(shape, low: -a, high: a, generator: generator)
    }

    /// Xavier/Glorot normal: N(0, σ²) with σ = gain·√(2 / (fanIn + fanOut)).
    public static func xavierNormal(_ shape: [Int], gain: Float = 1, generator: RandomGenerator = .global) -> Tensor {
        let (i, o) = fans(shape)
        return normal(shape, std: gain * (2 / Float(i + o)).squareRoot(), generator: generator)
    }

    /// He/Kaiming uniform: U(−b, b) with b = gain·√(3 / fan), gain for leaky ReLU with slope `a`.
    public static func kaimingUniform(_ shape: [Int], a: Float = 0, mode: FanMode = .fanIn,
                                      nonlinearity: String = "leaky_relu", generator: RandomGenerator = .global) -> Tensor {
        let (i, o) = fans(shape)
        let fan = Float(mode == .fanIn ? i : o)
        let bound = gain(nonlinearity, param: a) * (3 / fan).squareRoot()
        return uniform(shape, low: -bound, high: bound, generator: generator)
    }

    /// He/Kaiming normal: N(0, σ²) with σ = gain / √fan.
    public static func kaimingNormal(_ shape: [Int], a: Float = 0, mode: FanMode = .fanIn,
                                     nonlinearity: String = "leaky_relu", generator: RandomGenerator = .global) -> Tensor {
        let (i, o) = fans(shape)
        let fan = Float(mode == .fanIn ? i : o)
        return normal(shape, std: gain(nonlinearity, param: a) / fan.squareRoot(), generator: generator)
    }
}
