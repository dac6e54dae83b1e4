import CKernels

extension Tensor {
    /// Softmax (or log-softmax) over the last dimension of a dense tensor, with a fused VJP.
    fileprivate func softmaxLastDim(log: Bool) -> Tensor {
        let x = contiguous()
        let cols = Swift.max(shape.last ?? 1, 1)
        let rows = x.count / cols
        let xp = SendablePointer(x.basePointer)
        let grain = Swift.max(1, 16_384 / cols)
        let y = Tensor.produce(shape) { out in
            let yp = SendablePointer(out)
            ThreadPool.shared.parallelFor(rows, grain: grain) { r in
                syn_softmax_rows(xp.pointer + r.lowerBound * cols, yp.pointer + r.lowerBound * cols, r.count, cols, log ? 1 : 0)
            }
        }
        withExtendedLifetime(x) {}
        let saved = y
        return y.recorded(log ? "logSoftmax" : "softmax", inputs: [x]) { g in
            let gc = g.contiguous()
            let gp = SendablePointer(gc.basePointer), sp = SendablePointer(saved.basePointer)
            let dx = Tensor.produce(saved.shape) { out in
                let dp = SendablePointer(out)
                ThreadPool.shared.parallelFor(rows, grain: grain) { r in
                    let o = r.lowerBound * cols
                    syn_softmax_rows_backward(sp.pointer + o, gp.pointer + o, dp.pointer + o, r.count, cols, log ? 1 : 0)
                }
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
