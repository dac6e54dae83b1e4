import SynapseCore
import SynapseIO

extension ONNXOperators {
    /// `Gemm`: alpha·A'·B' + beta·C. The form PyTorch writes for `nn.Linear` (transB = 1, alpha =
    /// beta = 1, a 1-D bias) runs as Synapse's fused `linear`.
    static func gemm(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        var a = try operands.float(0), b = try operands.float(1)
        let c = try operands.optionalFloat(2)
        let alpha = try node.float("alpha", 1), beta = try node.float("beta", 1)
        let transA = try node.int("transA", 0) != 0, transB = try node.int("transB", 0) != 0
        guard a.rank == 2, b.rank == 2 else { throw node.error("A and B must be matrices, got \(a.shape) and \(b.shape)") }
        try ONNXShapeChecks.nonEmpty(a, node, "A")
        try ONNXShapeChecks.nonEmpty(b, node, "B")
        let k = transA ? a.shape[0] : a.shape[1], kb = transB ? b.shape[1] : b.shape[0]
        guard k == kb else { throw node.error("inner dimensions differ: A \(a.shape)\(transA ? "ᵀ" : "") and B \(b.shape)\(transB ? "ᵀ" : "")") }
        let n = transB ? b.shape[0] : b.shape[1]
        let m = transA ? a.shape[1] : a.shape[0]
        if let c { _ = try ONNXShapeChecks.broadcast(c.shape, [m, n], node) }
        try ONNXShapeChecks.work([m, n, k], node)
        if !transA && transB && alpha == 1 && beta == 1, c == nil || c!.shape == [n] {
            return .float(linear(a, weight: b, bias: c))
        }
        if transA { a = a.transposed() }
        if transB { b = b.transposed() }
        var y = matmul(a, b)
        if alpha != 1 { y = y * alpha }
        if let c {
            guard (try ONNXShapeChecks.broadcast(c.shape, [m, n], node)) == [m, n] else {
                throw node.error("C of shape \(c.shape) does not broadcast to the output [\(m), \(n)]")
            }
            y = y + (beta == 1 ? c : c * beta)
        }
        return .float(y)
    }

    /// `MatMul` with NumPy semantics (1-D operands promoted, batch dimensions broadcast).
    static func matmulOp(_ node: ONNXNode, _ operands: ONNXOperands) throws(ONNXError) -> ONNXImportValue {
        let a = try operands.float(0), b = try operands.float(1)
        guard a.rank >= 1, b.rank >= 1 else { throw node.error("operands must have at least one dimension, got \(a.shape) and \(b.shape)") }
        try ONNXShapeChecks.nonEmpty(a, node, "A")
        try ONNXShapeChecks.nonEmpty(b, node, "B")
        let ka = a.shape[a.rank - 1], kb = b.rank == 1 ? b.shape[0] : b.shape[b.rank - 2]
        guard ka == kb else { throw node.error("inner dimensions differ: \(a.shape) × \(b.shape)") }
        let batch = try ONNXShapeChecks.broadcast(Array(a.shape.dropLast(min(2, a.rank))), Array(b.shape.dropLast(min(2, b.rank))), node)
        let m = a.rank >= 2 ? a.shape[a.rank - 2] : 1, n = b.rank >= 2 ? b.shape[b.rank - 1] : 1
        _ = try ONNXShapeChecks.elementCount(batch + [m, n], node)
        try ONNXShapeChecks.work(batch + [m, n, ka], node)
        return .float(matmul(a, b))
    }
}
