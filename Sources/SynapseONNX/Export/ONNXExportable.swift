import SynapseIO
import SynapseNN

/// A module that can write its inference (evaluation-mode) forward pass into an ONNX graph.
///
/// Export is symbolic and module-level: instead of tracing ops, each module emits the ONNX nodes that
/// compute what its `callAsFunction` computes in evaluation mode, given the graph values of its
/// inputs, and returns the graph values of its outputs. Containers call `graph.export(child, ...)` for
/// their children, so a custom module built from exportable layers only has to wire them up:
///
/// ```swift
/// extension MyBlock: ONNXExportable {
///     func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
///         let h = try graph.export(fc, [inputs[0]], path: graph.childPath(path, "fc"))[0]
///         return [graph.add("Relu", [h], shape: h.shape)]
///     }
/// }
/// ```
public protocol ONNXExportable: Module {
    /// Emits this module's forward pass into `graph` and returns its outputs.
    ///
    /// - Parameters:
    ///   - inputs: the graph values of the inputs, in the order `callAsFunction` takes them (extra
    ///     inputs of attention layers are additive float masks).
    ///   - graph: the graph under construction.
    ///   - path: this module's state-dict prefix (`""` for the root, `layers.0` for a child), which
    ///     names its initializers (`layers.0.weight`) and nodes.
    func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue]

    /// The element type of the module's first input when exported as a whole model: `.float` by
    /// default, `.int64` for modules that take token ids.
    var onnxInputElementType: ONNXElementType { get }
}

extension ONNXExportable {
    /// Float inputs, the default.
    public var onnxInputElementType: ONNXElementType { .float }
}
