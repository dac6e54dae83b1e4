import SynapseCore

/// Builds a `Sequential` from a list of layers.
@resultBuilder
public enum LayerBuilder {
    /// Collects the layers.
    public static func buildBlock(_ layers: any Layer...) -> [any Layer] { layers }
    /// Allows `if` without `else`.
    public static func buildOptional(_ layers: [any Layer]?) -> [any Layer] { layers ?? [] }
}

/// Layers applied one after another (PyTorch `nn.Sequential`); parameters are named `0.weight`, `1.bias`…
public final class Sequential: Module, Layer {
    /// The layers in order.
    public let layers: [any Layer]

    /// A chain of `layers`.
    public init(_ layers: [any Layer]) {
        self.layers = layers
        super.init()
    }

    /// A chain written with a result builder: `Sequential { Linear(4, 8); ReLU(); Linear(8, 2) }`.
    public convenience init(@LayerBuilder _ build: () -> [any Layer]) { self.init(build()) }

    /// Children are named by position, as in PyTorch.
    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("\($0.offset)", $0.element as Module) }
    }

    /// Runs the layers in order. A `Linear` directly followed by `ReLU`, and a `ReLU` directly followed
    /// by `MaxPool2d`, run as one fused op each (same values and gradients as the two layers).
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall {
            var h = x
            var i = 0
            // A summary lists the ReLU as its own call, so it sees the two layers unfused (same values).
            let fuses = !ModuleCallRecorder.isActive
            while i < layers.count {
                if fuses, h.rank >= 1, h.count / Swift.max(h.shape[h.rank - 1], 1) < smallBatchLinearRows,
                   let (chain, end) = plainLinearRun(from: i), let y = linearChain(h, chain) {
                    h = y
                    i = end
                    continue
                }
                if fuses, let dense = layers[i] as? Linear, i + 1 < layers.count, layers[i + 1] is ReLU {
                    h = dense(h, activation: .relu)
                    i += 2
                } else if fuses, layers[i] is ReLU, i + 1 < layers.count, let pool = layers[i + 1] as? MaxPool2d {
                    h = pool.pooledReLU(h)
                    i += 2
                } else {
                    h = layers[i](h)
                    i += 1
                }
            }
            return h
        }
    }
}

extension Sequential {
    /// The longest run of at least two float `Linear` layers (each optionally followed by `ReLU`)
    /// starting at `start` whose forward pass is plain `linear` (no adapter, quantization,
    /// calibration or other precision), and the index after it.
    func plainLinearRun(from start: Int) -> ([LinearChainLayer], Int)? {
        var chain: [LinearChainLayer] = []
        var i = start
        while i < layers.count, let dense = layers[i] as? Linear, dense.computesPlainLinear {
            let relu = i + 1 < layers.count && layers[i + 1] is ReLU
            chain.append(LinearChainLayer(weight: dense.weight.value, bias: dense.bias?.value, relu: relu))
            i += relu ? 2 : 1
        }
        return chain.count >= 2 ? (chain, i) : nil
    }
}

/// A model that is a chain of layers applied one after another: what pipeline parallelism cuts
/// into stages (`PipelineParallel` in SynapseDistributed).
public protocol LayerChain: Layer {
    /// The layers in order; applied one after another they compute what `callAsFunction` does.
    /// They are the model's own layers (their parameters are the model's), plus any parameter-free
    /// glue such as a `Flatten`.
    var chainedLayers: [any Layer] { get }
}

extension Sequential: LayerChain {
    /// The layers.
    public var chainedLayers: [any Layer] { layers }
}
