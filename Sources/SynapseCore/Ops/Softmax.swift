extension Tensor {
    /// Softmax (or log-softmax) over the last dimension of a dense tensor, with a fused VJP.
    fileprivate func softmaxLastDim(log: Bool) -> Tensor {
        let x = contiguous()
        let cols = Swift.max(shape.last ?? 1, 1)
        let rows = x.count / cols
        let y = Tensor.produce(shape) { out in
            CPUBackend.softmaxRows(x.basePointer, into: out, rows: rows, cols: cols, log: log)
        }
        withExtendedLifetime(x) {}
        let saved = y
        return y.recorded(log ? "logSoftmax" : "softmax", inputs: [x]) { g in
            let gc = g.contiguous()
            let dx = Tensor.produce(saved.shape) { out in
                CPUBackend.softmaxRowsBackward(y: saved.basePointer, dy: gc.basePointer, into: out, rows: rows, cols: cols,
                                               log: log)
            }
            return withExtendedLifetime((gc, saved)) { [dx] }
        }
    }

    fileprivate func alongLastDim(_ dim: Int, op: String, _ f: (Tensor) -> Tensor) -> Tensor {
        let d = ShapeMath.normalize(dim, rank: rank, op: op)
        if d == rank - 1 || rank == 0 { return f(self) }
        return f(transposed(d, -1)).transposed(d, -1)
    }
}

/// Softmax along `dim`: exp(x) / Σ exp(x), computed stably.
public func softmax(_ x: Tensor, dim: Int = -1) -> Tensor {
    x.alongLastDim(dim, op: "softmax") { $0.softmaxLastDim(log: false) }
}

/// Log-softmax along `dim`: x − logsumexp(x), computed stably.
public func logSoftmax(_ x: Tensor, dim: Int = -1) -> Tensor {
    x.alongLastDim(dim, op: "logSoftmax") { $0.softmaxLastDim(log: true) }
}
