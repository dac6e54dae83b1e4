import CDNNLPrimitives
import CKernels

/// Batched inference path of `linear`: one cached oneDNN matmul primitive computes product and bias
/// (post-op), with W read in place as the transposed [in, out] operand. ReLU is not a oneDNN post-op
/// here: oneDNN's maps NaN to 0, so a diverged model would evaluate as if fine. Our NaN-propagating
/// ReLU kernel runs in place on the fresh output instead (one pass, no extra buffer).
enum PrimitiveLinear {
    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor? {
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias { require(bias.shape == [n], "linear: bias of shape \(bias.shape) does not match \(n) outputs") }
        let xc = x.contiguous(), bc = bias?.contiguous()
        let m = xc.count / Swift.max(k, 1)
        guard m > 0, n > 0, k > 0 else { return nil }
        let w = MatrixOperand(weight)
        // B = Wᵀ [k, n]: element (r, c) is W[c, r]. Weights used repeatedly run on a pre-packed copy.
        let packedKey = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 0, aRowStride: k, aColStride: 1,
                                                     bType: 0, bRowStride: -1, bColStride: -1,
                                                     bias: bc != nil, relu: false, ldc: n)
        if case .success(let packedPrimitive) = DNNLPrimitiveCache.shared.matmul(packedKey),
           let packed = PackedWeightCache.shared.packed(w, key: packedKey, primitive: packedPrimitive) {
            var status: Int32 = 0
            let y = Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
                status = syn_dnnl_matmul_execute(packedPrimitive.pointer, xc.basePointer, packed.buffer, bc?.basePointer, out)
                if relu && status == 0 { reluInPlace(out, count: m * n) }
            }
            withExtendedLifetime((xc, packed, bc, packedPrimitive)) {}  // the handle too: eviction must not destroy it mid-call
            if status == 0 { return y }
        }
        return unpacked(xc, weight: w, bias: bc, shape: Array(x.shape.dropLast()) + [n], relu: relu)
    }

    /// x·Wᵀ + b (then ReLU) on a cached primitive reading W where it is, for dense `xc` [..., k] and `bc` [n]: the
    /// forward product of `linear` while training (W changes every step, so packing it would not pay).
    /// Against sgemm after filling the output with the bias, the bias post-op saves a pass over the
    /// output: 5–6% faster at W5's [2048, 128]·[128, 384 or 512] on one Zen 4 core. Nil when oneDNN
    /// cannot run the layout.
    static func unpacked(_ xc: Tensor, weight w: MatrixOperand, bias bc: Tensor?, shape: [Int], relu: Bool = false) -> Tensor? {
        let n = shape.last ?? 0, k = xc.shape.last ?? 0
        let m = xc.count / Swift.max(k, 1)
        guard m > 0, n > 0, k > 0 else { return nil }
        let (bRow, bCol) = w.transposed ? (w.ld, 1) : (1, w.ld)
        let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 0, aRowStride: k, aColStride: 1,
                                               bType: 0, bRowStride: bRow, bColStride: bCol,
                                               bias: bc != nil, relu: false, ldc: n)
        // A layout oneDNN runs only with its reference loop is far slower than sgemm.
        guard case .success(let handle) = DNNLPrimitiveCache.shared.matmul(key), !handle.implementation.contains("ref") else { return nil }
        var status: Int32 = 0
        let y = Tensor.produce(shape) { out in
            status = syn_dnnl_matmul_execute(handle.pointer, xc.basePointer, w.tensor.storage.pointer + w.tensor.offset,
                                             bc?.basePointer, out)
            if relu && status == 0 { reluInPlace(out, count: m * n) }
        }
        withExtendedLifetime((xc, w, bc, handle)) {}
        return status == 0 ? y : nil
    }

    /// ReLU over `count` floats in place (NaN stays NaN, as in PyTorch).
    private static func reluInPlace(_ p: UnsafeMutablePointer<Float>, count: Int) {
        let sp = SendablePointer(p)
        parallelChunks(count) { r in
            syn_unary(SYN_RELU, sp.pointer + r.lowerBound, sp.pointer + r.lowerBound, r.count, 0, 0)
        }
    }
}
