import SynapseCore

/// A stack of `TransformerEncoderLayer`s with an optional final norm (PyTorch
/// `torch.nn.TransformerEncoder`). State-dict names: `layers.0.…`, `layers.1.…`, `norm.…`.
///
/// Unlike PyTorch, which deep-copies one prototype layer (so every layer starts with the same
/// weights), the layers are built by a factory, so each is initialised independently; load a
/// PyTorch state dict to reproduce a PyTorch model exactly.
public final class TransformerEncoder: Module, Layer {
    /// The layers, applied in order.
    public let layers: [TransformerEncoderLayer]
    /// Applied after the last layer, when given.
    public let norm: LayerNorm?

    /// `numLayers` layers made by `layer` (called once per layer), then `norm`.
    public init(_ layer: () -> TransformerEncoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
        require(numLayers > 0, "TransformerEncoder: numLayers must be positive, got \(numLayers)")
        layers = (0..<numLayers).map { _ in layer() }
        self.norm = norm
        super.init()
    }

    /// PyTorch names: `layers.<i>`, `norm`.
    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("layers.\($0.offset)", $0.element as Module) } + (norm.map { [("norm", $0 as Module)] } ?? [])
    }

    /// Encodes `src` without masks.
    public func callAsFunction(_ src: Tensor) -> Tensor { callAsFunction(src, mask: nil) }

    /// Encodes `src` through every layer with the same additive masks (see
    /// `TransformerEncoderLayer.callAsFunction(_:mask:keyPaddingMask:isCausal:)`), then `norm`.
    public func callAsFunction(_ src: Tensor, mask: Tensor?, keyPaddingMask: Tensor? = nil, isCausal: Bool = false) -> Tensor {
        recordingCall {
            var x = src
            for layer in layers { x = layer(x, mask: mask, keyPaddingMask: keyPaddingMask, isCausal: isCausal) }
            return norm.map { $0(x) } ?? x
        }
    }
}

/// A stack of `TransformerDecoderLayer`s with an optional final norm (PyTorch
/// `torch.nn.TransformerDecoder`). State-dict names: `layers.0.…`, `norm.…`. Layers come from a
/// factory and are initialised independently (see `TransformerEncoder`).
public final class TransformerDecoder: Module {
    /// The layers, applied in order.
    public let layers: [TransformerDecoderLayer]
    /// Applied after the last layer, when given.
    public let norm: LayerNorm?

    /// `numLayers` layers made by `layer` (called once per layer), then `norm`.
    public init(_ layer: () -> TransformerDecoderLayer, numLayers: Int, norm: LayerNorm? = nil) {
        require(numLayers > 0, "TransformerDecoder: numLayers must be positive, got \(numLayers)")
        layers = (0..<numLayers).map { _ in layer() }
        self.norm = norm
        super.init()
    }

    /// PyTorch names: `layers.<i>`, `norm`.
    public override func namedChildren() -> [(String, Module)] {
        layers.enumerated().map { ("layers.\($0.offset)", $0.element as Module) } + (norm.map { [("norm", $0 as Module)] } ?? [])
    }

    /// Decodes `tgt` attending to `memory` through every layer with the same additive masks (see
    /// `TransformerDecoderLayer.callAsFunction`), then `norm`.
    public func callAsFunction(_ tgt: Tensor, _ memory: Tensor, tgtMask: Tensor? = nil, memoryMask: Tensor? = nil,
                               tgtKeyPaddingMask: Tensor? = nil, memoryKeyPaddingMask: Tensor? = nil,
                               tgtIsCausal: Bool = false, memoryIsCausal: Bool = false) -> Tensor {
        recordingCall {
            var x = tgt
            for layer in layers {
                x = layer(x, memory, tgtMask: tgtMask, memoryMask: memoryMask, tgtKeyPaddingMask: tgtKeyPaddingMask,
                          memoryKeyPaddingMask: memoryKeyPaddingMask, tgtIsCausal: tgtIsCausal, memoryIsCausal: memoryIsCausal)
            }
            return norm.map { $0(x) } ?? x
        }
    }
}
