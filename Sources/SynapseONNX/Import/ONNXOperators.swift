import SynapseCore
import SynapseIO

/// The operators the importer implements, and the dispatch from an operator name to its
/// implementation. Each implementation checks its operands first and throws `ONNXError` for
/// anything the Synapse op would reject, so a bad file never traps.
enum ONNXOperators {
    /// Default-domain operator types the importer can run.
    static let supported: Set<String> = [
        // Element-wise arithmetic and activations.
        "Add", "Sub", "Mul", "Div", "Pow", "Sqrt", "Neg", "Exp", "Log", "Erf", "Abs", "Reciprocal", "Mod",
        "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "Softmax", "LogSoftmax", "Max", "Min",
        "Equal", "Less", "Greater", "Not", "Where", "Cast", "Identity", "Dropout",
        // Linear algebra.
        "Gemm", "MatMul",
        // Shapes and indexing.
        "Reshape", "Flatten", "Transpose", "Concat", "Gather", "Shape", "Unsqueeze", "Squeeze", "Slice",
        "Constant", "ConstantOfShape", "Expand", "Range", "Split", "Trilu",
        // Reductions.
        "ReduceMean", "ReduceSum",
        // Convolution and pooling.
        "Conv", "ConvTranspose", "MaxPool", "AveragePool", "GlobalAveragePool",
        // Normalisation.
        "BatchNormalization", "LayerNormalization", "InstanceNormalization",
        // Recurrent layers.
        "LSTM", "GRU", "RNN",
    ]

    /// Runs `node` on `operands` with opset `opset`; returns one value per node output (trailing
    /// optional outputs the operator does not compute are nil and must not be consumed).
    static func evaluate(_ node: ONNXNode, _ operands: ONNXOperands, opset: Int64) throws(ONNXError) -> [ONNXImportValue?] {
        switch node.op {
        case "Add", "Sub", "Mul", "Div", "Pow", "Mod", "Max", "Min", "Equal", "Less", "Greater":
            return [try binary(node, operands)]
        case "Sqrt", "Neg", "Exp", "Log", "Erf", "Abs", "Reciprocal", "Relu", "LeakyRelu", "Sigmoid", "Tanh", "Gelu", "Not":
            return [try unary(node, operands)]
        case "Softmax", "LogSoftmax": return [try softmax(node, operands)]
        case "Where": return [try whereOp(node, operands)]
        case "Cast": return [try cast(node, operands)]
        case "Identity", "Dropout":
            if node.op == "Dropout", node.proto.output.count > 1, !node.proto.output[1].isEmpty {
                throw node.error("the dropout mask output is not supported (export the model in eval mode)")
            }
            return [try operands.value(0)]
        case "Gemm": return [try gemm(node, operands)]
        case "MatMul": return [try matmulOp(node, operands)]
        case "Reshape": return [try reshape(node, operands)]
        case "Flatten": return [try flatten(node, operands)]
        case "Transpose": return [try transpose(node, operands)]
        case "Concat": return [try concat(node, operands)]
        case "Gather": return [try gather(node, operands)]
        case "Shape": return [try shapeOp(node, operands)]
        case "Unsqueeze": return [try unsqueeze(node, operands, opset: opset)]
        case "Squeeze": return [try squeeze(node, operands, opset: opset)]
        case "Slice": return [try sliceOp(node, operands)]
        case "Constant": return [try constant(node)]
        case "ConstantOfShape": return [try constantOfShape(node, operands)]
        case "Expand": return [try expand(node, operands)]
        case "Range": return [try range(node, operands)]
        case "Split": return try split(node, operands, opset: opset)
        case "Trilu": return [try trilu(node, operands)]
        case "ReduceMean", "ReduceSum": return [try reduce(node, operands, opset: opset)]
        case "Conv": return [try conv(node, operands)]
        case "ConvTranspose": return [try convTranspose(node, operands)]
        case "MaxPool", "AveragePool": return [try pool(node, operands)]
        case "GlobalAveragePool": return [try globalAveragePool(node, operands)]
        case "BatchNormalization": return [try batchNorm(node, operands)]
        case "LayerNormalization": return [try layerNormalization(node, operands)]
        case "InstanceNormalization": return [try instanceNorm(node, operands)]
        case "LSTM", "GRU", "RNN": return try recurrent(node, operands)
        default: throw ONNXError.unsupportedOperators([node.op])
        }
    }
}
