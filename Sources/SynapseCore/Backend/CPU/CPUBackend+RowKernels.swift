import CKernels

/// Kernels over the rows of a matrix (softmax, and the fused kernels of `lm_kernels.h`:
/// cross-entropy, layer normalisation, causal softmax): dense row-major float32 buffers, rows split
/// across the thread pool.
extension CPUBackend {
    /// Rows per task for a row kernel over `cols` columns: about 16k elements per task.
    private static func rowGrain(_ cols: Int, elements: Int = 16_384) -> Int { Swift.max(1, elements / Swift.max(cols, 1)) }

    /// Softmax (or log-softmax when `log`) of each row of x [rows, cols] (`syn_softmax_rows`).
    static func softmaxRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int, cols: Int,
                            log: Bool) {
        let (xp, yp) = (SendablePointer(x), SendablePointer(y))
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(cols)) { r in
            let o = r.lowerBound * cols
            syn_softmax_rows(xp.pointer + o, yp.pointer + o, r.count, cols, log ? 1 : 0)
        }
    }

    /// Backward of `softmaxRows` from its output `y` and the output gradient `dy`
    /// (`syn_softmax_rows_backward`).
    static func softmaxRowsBackward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                    rows: Int, cols: Int, log: Bool) {
        let (yp, gp, dp) = (SendablePointer(y), SendablePointer(dy), SendablePointer(dx))
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(cols)) { r in
            let o = r.lowerBound * cols
            syn_softmax_rows_backward(yp.pointer + o, gp.pointer + o, dp.pointer + o, r.count, cols, log ? 1 : 0)
        }
    }

    /// Cross-entropy of each row of `logits` [rows, classes] against `targets`: writes the softmax
    /// to `probabilities` and each row's loss to `losses` (`syn_cross_entropy_rows`: class weights
    /// and label smoothing included; rows whose target is `ignoreIndex` get 0).
    static func crossEntropyRows(_ logits: UnsafePointer<Float>, targets: UnsafePointer<Int>,
                                 classWeights: UnsafePointer<Float>?, labelSmoothing: Float, ignoreIndex: Int,
                                 probabilities: UnsafeMutablePointer<Float>, losses: UnsafeMutablePointer<Float>,
                                 rows: Int, classes: Int) {
        let (xp, tp, pp, lp) = (SendablePointer(logits), SendablePointer(targets), SendablePointer(probabilities),
                                SendablePointer(losses))
        let wp = classWeights.map { SendablePointer($0) }
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(classes)) { r in
            syn_cross_entropy_rows(xp.pointer, tp.pointer, wp?.pointer, labelSmoothing, pp.pointer, lp.pointer,
                                   r.lowerBound, r.upperBound, classes, ignoreIndex)
        }
    }

    /// Gradient of `crossEntropyRows` w.r.t. the logits, row i scaled by `rowGradients[i]`
    /// (`syn_cross_entropy_rows_backward`); ignored rows get zeros.
    static func crossEntropyRowsBackward(probabilities: UnsafePointer<Float>, targets: UnsafePointer<Int>,
                                         classWeights: UnsafePointer<Float>?, labelSmoothing: Float, ignoreIndex: Int,
                                         rowGradients: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>,
                                         rows: Int, classes: Int) {
        let (pp, tp, gp, dp) = (SendablePointer(probabilities), SendablePointer(targets), SendablePointer(rowGradients),
                                SendablePointer(dx))
        let wp = classWeights.map { SendablePointer($0) }
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(classes)) { r in
            syn_cross_entropy_rows_backward(pp.pointer, tp.pointer, wp?.pointer, labelSmoothing, dp.pointer,
                                            r.lowerBound, r.upperBound, classes, ignoreIndex, 0, gp.pointer)
        }
    }

    /// Causal softmax of score rows (a stack of [queryLength, keyLength] matrices) scaled by
    /// `scale` (`syn_softmax_causal_rows`).
    static func causalSoftmaxRows(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, rows: Int,
                                  queryLength: Int, keyLength: Int, scale: Float) {
        let (xp, yp) = (SendablePointer(x), SendablePointer(y))
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(keyLength)) { r in
            syn_softmax_causal_rows(xp.pointer, yp.pointer, r.lowerBound, r.upperBound, queryLength, keyLength, scale)
        }
    }

    /// Backward of `causalSoftmaxRows` from its output `y` and the output gradient `dy`.
    static func causalSoftmaxRowsBackward(y: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                          into dx: UnsafeMutablePointer<Float>, rows: Int, queryLength: Int,
                                          keyLength: Int, scale: Float) {
        let (yp, gp, dp) = (SendablePointer(y), SendablePointer(dy), SendablePointer(dx))
        ThreadPool.shared.parallelFor(rows, grain: rowGrain(keyLength)) { r in
            syn_softmax_causal_rows_backward(yp.pointer, gp.pointer, dp.pointer, r.lowerBound, r.upperBound,
                                             queryLength, keyLength, scale)
        }
    }

    /// Rows per task of the layer-norm kernels (their passes are heavier per element).
    static func layerNormGrain(_ cols: Int) -> Int { rowGrain(cols, elements: 8_192) }

    /// Layer normalisation of each row of x [rows, cols] (`syn_layer_norm_rows`): writes y and, per
    /// row, μ to `mean` and 1/√(var + eps) to `rstd`. `weight` and `bias` ([cols]) may be nil.
    static func layerNormRows(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?, bias: UnsafePointer<Float>?,
                              into y: UnsafeMutablePointer<Float>, mean: UnsafeMutablePointer<Float>,
                              rstd: UnsafeMutablePointer<Float>, rows: Int, cols: Int, eps: Float) {
        let (xp, yp, mp, sp) = (SendablePointer(x), SendablePointer(y), SendablePointer(mean), SendablePointer(rstd))
        let wp = weight.map { SendablePointer($0) }, bp = bias.map { SendablePointer($0) }
        ThreadPool.shared.parallelFor(rows, grain: layerNormGrain(cols)) { r in
            syn_layer_norm_rows(xp.pointer, wp?.pointer, bp?.pointer, yp.pointer, mp.pointer, sp.pointer,
                                r.lowerBound, r.upperBound, cols, eps)
        }
    }

    /// Backward of `layerNormRows`: writes dx and, when asked for, dw = Σ dy·x̂ and db = Σ dy over
    /// the rows into `weightGradient` / `biasGradient` ([cols] each). Each thread sums its own
    /// partial dw/db; the partials are added up at the end.
    static func layerNormRowsBackward(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>?,
                                      mean: UnsafePointer<Float>, rstd: UnsafePointer<Float>, dy: UnsafePointer<Float>,
                                      into dx: UnsafeMutablePointer<Float>,
                                      weightGradient: UnsafeMutablePointer<Float>?,
                                      biasGradient: UnsafeMutablePointer<Float>?, rows: Int, cols: Int) {
        let threads = Swift.max(1, Swift.min(ThreadPool.shared.effectiveThreadCount, rows / layerNormGrain(cols)))
        let (needW, needB) = (weightGradient != nil, biasGradient != nil)
        // Per-thread partial sums of dw and db: [threads, cols] each.
        let partial = TensorStorage(repeating: 0, count: 2 * threads * cols)
        let (xp, mp, sp, gp) = (SendablePointer(x), SendablePointer(mean), SendablePointer(rstd), SendablePointer(dy))
        let (dp, pp) = (SendablePointer(dx), SendablePointer(partial.pointer))
        let wp = weight.map { SendablePointer($0) }
        let body = { (t: Int, r: Range<Int>) in
            let dw = needW ? pp.pointer + t * cols : nil
            let db = needB ? pp.pointer + (threads + t) * cols : nil
            syn_layer_norm_rows_backward(xp.pointer, wp?.pointer, mp.pointer, sp.pointer, gp.pointer, dp.pointer,
                                         dw, db, r.lowerBound, r.upperBound, cols)
        }
        if threads == 1 {
            body(0, 0..<rows)
        } else {
            ThreadPool.shared.run { t in
                let chunk = (rows + threads - 1) / threads
                let r = Swift.min(rows, t * chunk)..<Swift.min(rows, (t + 1) * chunk)
                if t < threads && !r.isEmpty { body(t, r) }
            }
        }
        func reduce(_ base: Int, into out: UnsafeMutablePointer<Float>) {
            out.update(from: partial.pointer + base * cols, count: cols)
            for t in 1..<threads { syn_axpy(1, partial.pointer + (base + t) * cols, out, cols) }
        }
        if let weightGradient { reduce(0, into: weightGradient) }
        if let biasGradient { reduce(threads, into: biasGradient) }
        withExtendedLifetime(partial) {}
    }
}
