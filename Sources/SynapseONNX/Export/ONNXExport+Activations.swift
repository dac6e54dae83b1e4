import SynapseCore
import SynapseIO
import SynapseNN

// Activations: one ONNX op where opset 17 has it, a short formula otherwise.

extension ReLU: ONNXExportable {
    /// `Relu`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Relu", try firstInput(inputs, self, path: path), path: path)]
    }
}

extension LeakyReLU: ONNXExportable {
    /// `LeakyRelu` with `alpha` = negative slope.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("LeakyRelu", try firstInput(inputs, self, path: path), attributes: ["alpha": .float(negativeSlope)], path: path)]
    }
}

extension ELU: ONNXExportable {
    /// `Elu` with `alpha`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Elu", try firstInput(inputs, self, path: path), attributes: ["alpha": .float(alpha)], path: path)]
    }
}

extension SELU: ONNXExportable {
    /// `Selu` (ONNX's default α and γ are PyTorch's constants).
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Selu", try firstInput(inputs, self, path: path), path: path)]
    }
}

extension SiLU: ONNXExportable {
    /// `x · Sigmoid(x)`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        return [graph.binary("Mul", x, graph.unary("Sigmoid", x, path: path), path: path)]
    }
}

extension GELU: ONNXExportable {
    /// The erf or tanh formula (opset 17 has no `Gelu`).
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [geluONNX(try firstInput(inputs, self, path: path), approximate: approximate, graph: graph, path: path)]
    }
}

/// GELU as opset-17 ops: `0.5·x·(1 + erf(x/√2))`, or `0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))`.
func geluONNX(_ x: ONNXValue, approximate: GELUApproximation, graph: ONNXGraphBuilder, path: String) -> ONNXValue {
    let inner: ONNXValue
    if approximate == .none {
        inner = graph.unary("Erf", graph.binary("Mul", x, graph.scalar(Float(0.5).squareRoot(), path: path), path: path), path: path)
    } else {
        let cube = graph.binary("Mul", graph.binary("Mul", x, x, path: path), x, path: path)
        let sum = graph.binary("Add", x, graph.binary("Mul", cube, graph.scalar(0.044715, path: path), path: path), path: path)
        let scaled = graph.binary("Mul", sum, graph.scalar((2 / Float.pi).squareRoot(), path: path), path: path)
        inner = graph.unary("Tanh", scaled, path: path)
    }
    let onePlus = graph.binary("Add", inner, graph.scalar(1, path: path), path: path)
    return graph.binary("Mul", graph.binary("Mul", x, graph.scalar(0.5, path: path), path: path), onePlus, path: path)
}

extension Sigmoid: ONNXExportable {
    /// `Sigmoid`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Sigmoid", try firstInput(inputs, self, path: path), path: path)]
    }
}

extension Tanh: ONNXExportable {
    /// `Tanh`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Tanh", try firstInput(inputs, self, path: path), path: path)]
    }
}

extension Softplus: ONNXExportable {
    /// `Where(β·x > threshold, x, Softplus(β·x)/β)`: PyTorch's linear region above the threshold.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        let x = try firstInput(inputs, self, path: path)
        let scaled = beta == 1 ? x : graph.binary("Mul", x, graph.scalar(beta, path: path), path: path)
        var soft = graph.unary("Softplus", scaled, path: path)
        if beta != 1 { soft = graph.binary("Div", soft, graph.scalar(beta, path: path), path: path) }
        let linear = graph.add("Greater", [scaled, graph.scalar(threshold, path: path)], shape: x.shape, elementType: .bool, path: path)
        return [graph.add("Where", [linear, x, soft], shape: x.shape, path: path)]
    }
}

extension Softmax: ONNXExportable {
    /// `Softmax` along `dim`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("Softmax", try firstInput(inputs, self, path: path), attributes: ["axis": .int(dim)], path: path)]
    }
}

extension LogSoftmax: ONNXExportable {
    /// `LogSoftmax` along `dim`.
    public func exportONNX(_ inputs: [ONNXValue], into graph: ONNXGraphBuilder, path: String) throws(ONNXError) -> [ONNXValue] {
        [graph.unary("LogSoftmax", try firstInput(inputs, self, path: path), attributes: ["axis": .int(dim)], path: path)]
    }
}
