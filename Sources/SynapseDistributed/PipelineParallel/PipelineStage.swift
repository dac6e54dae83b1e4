import SynapseCore
import SynapseNN

/// The layers one process runs in a pipeline: a contiguous run of a layer chain (`PipelineParallel`).
///
/// Its layers are named by their index in the whole chain, so a stage's `stateDict()` keys are the
/// whole `Sequential`'s (`3.weight`, not `0.weight`) and the stages' dictionaries together make the
/// chain's. It runs its layers as `Sequential` does (a `Linear` followed by `ReLU` fuses).
public final class PipelineStage: Module, Layer {
    /// The stage's layers, in order.
    public let layers: [any Layer]
    /// Their positions in the whole chain.
    public let layerIndices: Range<Int>
    // Runs the layers; hidden from `namedChildren` so the layers are named by chain position.
    private let chain: Sequential

    /// The stage made of `layers`, which sit at `indices` in the whole chain.
    public init(layers: [any Layer], indices: Range<Int>) {
        require(layers.count == indices.count, "PipelineStage: \(layers.count) layers for the \(indices.count) positions \(indices)")
        self.layers = layers
        self.layerIndices = indices
        chain = Sequential(layers)
        super.init()
    }

    /// Children are named by their position in the whole chain.
    public override func namedChildren() -> [(String, Module)] {
        zip(layerIndices, layers).map { ("\($0)", $1 as Module) }
    }

    /// Runs the stage's layers in order.
    public func callAsFunction(_ x: Tensor) -> Tensor {
        recordingCall { chain(x) }
    }
}
