import SynapseCore
import SynapseIO

// Building blocks that compute their output shapes, shared by the module conversions.
extension ONNXGraphBuilder {
    /// `Transpose` with `perm`.
    public func transpose(_ x: ONNXValue, _ perm: [Int], path: String) -> ONNXValue {
        add("Transpose", [x], shape: perm.map { x.shape[$0] }, elementType: x.elementType,
            attributes: ["perm": .ints(perm)], path: path)
    }

    /// `Reshape` to `target`, where `0` copies the input's dimension and `-1` is inferred (ONNX rules).
    public func reshape(_ x: ONNXValue, _ target: [Int], path: String) -> ONNXValue {
        var shape: [Int?] = target.enumerated().map { i, d in d == 0 ? x.shape[i] : (d == -1 ? nil : d) }
        if let inferred = target.firstIndex(of: -1) {
            // Known when every dynamic input dimension is copied through a 0 at its own position.
            let copiedDynamic = target.indices.filter { target[$0] == 0 && x.shape[$0] == nil }.count
            let dynamicCount = x.shape.filter { $0 == nil }.count
            if copiedDynamic == dynamicCount {
                let known = x.shape.compactMap { $0 }.reduce(1, *)
                let others = shape.enumerated().filter { $0.offset != inferred }.compactMap { $0.element }.reduce(1, *)
                shape[inferred] = others == 0 ? 0 : known / others
            }
        }
        return add("Reshape", [x, int64s(target, path: path)], shape: shape, elementType: x.elementType, path: path)
    }

    /// `MatMul` of `a` [..., M, K] and `b` [..., K, N] (batch dimensions taken from the longer operand).
    public func matmul(_ a: ONNXValue, _ b: ONNXValue, path: String) -> ONNXValue {
        let batch = a.rank >= b.rank ? Array(a.shape.dropLast(2)) : Array(b.shape.dropLast(2))
        return add("MatMul", [a, b], shape: batch + [a.shape[a.rank - 2], b.shape[b.rank - 1]], path: path)
    }

    /// An elementwise binary op (`Add`, `Mul`, `Sub`, `Div`) whose output has `a`'s shape.
    public func binary(_ op: String, _ a: ONNXValue, _ b: ONNXValue, path: String) -> ONNXValue {
        add(op, [a, b], shape: a.rank >= b.rank ? a.shape : b.shape, path: path)
    }

    /// An elementwise unary op (`Relu`, `Tanh`, ...) with optional attributes.
    public func unary(_ op: String, _ x: ONNXValue, attributes: [String: ONNXAttribute] = [:], path: String) -> ONNXValue {
        add(op, [x], shape: x.shape, elementType: x.elementType, attributes: attributes, path: path)
    }

    /// `x·Wᵀ + b` for a PyTorch-layout weight [out, in]: one `Gemm` for rank-2 inputs, `MatMul` with
    /// the transposed weight (folded to a constant by runtimes) and `Add` otherwise.
    public func linear(_ x: ONNXValue, weight: ONNXValue, bias: ONNXValue?, path: String) -> ONNXValue {
        let out = weight.shape[0]
        if x.rank == 2 {
            return add("Gemm", [x, weight, bias], shape: [x.shape[0], out], attributes: ["transB": .int(1)], path: path)
        }
        let product = matmul(x, transpose(weight, [1, 0], path: path), path: path)
        return bias.map { binary("Add", product, $0, path: path) } ?? product
    }

    /// `Slice` of `x` along `axes` from `starts` to `ends` (static bounds).
    public func slice(_ x: ONNXValue, starts: [Int], ends: [Int], axes: [Int], path: String) -> ONNXValue {
        var shape = x.shape
        for (i, axis) in axes.enumerated() {
            let a = x.normalizedAxis(axis)
            let size = x.shape[a].map { Swift.min(ends[i], $0) } ?? ends[i]
            shape[a] = size - starts[i]
        }
        return add("Slice", [x, int64s(starts, path: path), int64s(ends, path: path), int64s(axes, path: path)],
                   shape: shape, elementType: x.elementType, path: path)
    }

    /// The length of `x`'s dimension `axis` at run time, as a 1-element int64 tensor (for dynamic
    /// slicing by sequence length).
    public func dimension(_ x: ONNXValue, axis: Int, path: String) -> ONNXValue {
        let shape = add("Shape", [x], shape: [x.rank], elementType: .int64, path: path)
        return add("Slice", [shape, int64s([axis], path: path), int64s([axis + 1], path: path)],
                   shape: [1], elementType: .int64, path: path)
    }

    /// `x` normalised along its last dimension(s): `LayerNormalization` (opset 17) with `axis`.
    func layerNormalization(_ x: ONNXValue, scale: ONNXValue, bias: ONNXValue?, axis: Int, eps: Float, path: String) -> ONNXValue {
        add("LayerNormalization", [x, scale, bias], shape: x.shape,
            attributes: ["axis": .int(axis), "epsilon": .float(eps)], path: path)
    }
}
