import CKernels
import CDNNLPrimitives

/// A matrix operand as oneDNN sees it: base offset, leading dimension, and whether it is transposed.
struct MatrixOperand {
    let tensor: Tensor
    let transposed: Bool
    let ld: Int

    /// Describes the last two dimensions of `t` without copying when they are row- or column-major.
    init(_ t: Tensor) {
        let r = t.rank
        let rows = t.shape[r - 2], cols = t.shape[r - 1]
        let sr = t.strides[r - 2], sc = t.strides[r - 1]
        if (sc == 1 || cols == 1) && (sr >= Swift.max(cols, 1) || rows == 1) {
            tensor = t; transposed = false; ld = rows == 1 ? Swift.max(cols, 1) : sr
        } else if (sr == 1 || rows == 1) && (sc >= Swift.max(rows, 1) || cols == 1) {
            tensor = t; transposed = true; ld = cols == 1 ? Swift.max(rows, 1) : sc
        } else {
            let c = t.contiguous()
            tensor = c; transposed = false; ld = Swift.max(cols, 1)
        }
    }
}

enum MatmulKernel {
    /// Batched matmul of rank ≥ 2 tensors with broadcast batch dimensions (no autodiff).
    static func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
        let m = a.shape[a.rank - 2], k = a.shape[a.rank - 1]
        let k2 = b.shape[b.rank - 2], n = b.shape[b.rank - 1]
        precondition(k == k2, "matmul: shapes \(a.shape) and \(b.shape) are not aligned (\(k) != \(k2))")
        let batchA = Array(a.shape.dropLast(2)), batchB = Array(b.shape.dropLast(2))
        let batch = ShapeMath.broadcastOrFail(batchA, batchB, op: "matmul")
        let ea = a.broadcastView(to: batch + [m, k]), eb = b.broadcastView(to: batch + [k, n])
        let oa = MatrixOperand(ea), ob = MatrixOperand(eb)
        let count = ShapeMath.count(batch)
        return Tensor.produce(batch + [m, n]) { out in
            var index = [Int](repeating: 0, count: batch.count)
            for bi in 0..<count {
                var offA = oa.tensor.offset, offB = ob.tensor.offset
                for d in 0..<batch.count {
                    offA += index[d] * oa.tensor.strides[d]
                    offB += index[d] * ob.tensor.strides[d]
                }
                DNNL.sgemm(transA: oa.transposed, transB: ob.transposed, m: m, n: n, k: k,
                           a: oa.tensor.storage.pointer + offA, lda: oa.ld,
                           b: ob.tensor.storage.pointer + offB, ldb: ob.ld,
                           c: out + bi * m * n, ldc: Swift.max(n, 1))
                var d = batch.count - 1
                while d >= 0 { index[d] += 1; if index[d] < batch[d] { break }; index[d] = 0; d -= 1 }
            }
            withExtendedLifetime((oa, ob)) {}
        }
    }
}

/// Matrix product with PyTorch `matmul` semantics: 1-D operands are promoted (and the added
/// dimension removed), batch dimensions broadcast. Runs on oneDNN's sgemm; transposed views are
/// passed as transposed operands rather than copied.
public func matmul(_ a: Tensor, _ b: Tensor) -> Tensor {
    precondition(a.rank >= 1 && b.rank >= 1, "matmul: both operands need at least one dimension, got \(a.shape) and \(b.shape)")
    if a.rank == 1 { return matmul(a.unsqueezed(0), b).squeezed(-2) }
    if b.rank == 1 { return matmul(a, b.unsqueezed(-1)).squeezed(-1) }
    let y = MatmulKernel.matmul(a, b)
    let ad = a.detached(), bd = b.detached()
    let (na, nb) = (a.node != nil, b.node != nil)
    return y.recorded("matmul", inputs: [a, b]) { g in
        var ga: Tensor? = nil, gb: Tensor? = nil
        if na { ga = MatmulKernel.matmul(g, bd.transposed()).sumToShape(ad.shape) }
        if nb {
            if bd.rank == 2 && ad.rank > 2 {
                // Fold the batch into rows: one GEMM instead of a batch of them plus a reduction.
                let a2 = ad.contiguous().reshaped([-1, ad.shape[ad.rank - 1]])
                let g2 = g.contiguous().reshaped([-1, g.shape[g.rank - 1]])
                gb = MatmulKernel.matmul(a2.transposed(), g2)
            } else {
                gb = MatmulKernel.matmul(ad.transposed(), g).sumToShape(bd.shape)
            }
        }
        return [ga, gb]
    }
}

extension Tensor {
    /// Matrix product (`matmul(self, other)`).
    public func matmul(_ other: Tensor) -> Tensor { SynapseCore.matmul(self, other) }
}

/// An activation fused into `linear`.
public enum LinearActivation: Sendable {
    /// No activation.
    case none
    /// max(y, 0).
    case relu
}

/// The affine map y = x·Wᵀ + b of a linear layer, with `weight` [out, in] and `bias` [out] laid
/// out as in PyTorch; `x` is [..., in]. One oneDNN GEMM accumulates onto the broadcast bias.
///
/// `activation` applies ReLU to the result. Without a tape (inference) and for fewer than 8 rows, a
/// dedicated kernel computes bias, product and ReLU in one pass over W, with each thread always
/// handling the same block of W's rows so that block stays in that core's cache between calls.
public func linear(_ x: Tensor, weight: Tensor, bias: Tensor?, activation: LinearActivation = .none) -> Tensor {
    let recording = GradMode.isEnabled && (x.node != nil || weight.node != nil || bias?.node != nil)
    if !recording && x.rank >= 1 && x.count / Swift.max(x.shape[x.rank - 1], 1) < SmallLinear.maxRows
        && weight.rank == 2 && weight.isContiguous && x.shape.last == weight.shape[1] {
        return SmallLinear.apply(x, weight: weight, bias: bias, relu: activation == .relu)
    }
    if !recording && weight.rank == 2 && x.rank >= 1 && x.shape.last == weight.shape[1],
       let y = PrimitiveLinear.apply(x, weight: weight, bias: bias, relu: activation == .relu) {
        return y
    }
    let y = affine(x, weight: weight, bias: bias)
    return activation == .relu ? relu(y) : y
}

/// Batched inference path of `linear`: one cached oneDNN matmul primitive computes product, bias and
/// ReLU together (post-ops), with W read in place as the transposed [in, out] operand.
enum PrimitiveLinear {
    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor? {
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias { precondition(bias.shape == [n], "linear: bias of shape \(bias.shape) does not match \(n) outputs") }
        let xc = x.contiguous(), bc = bias?.contiguous()
        let m = xc.count / Swift.max(k, 1)
        guard m > 0, n > 0, k > 0 else { return nil }
        let w = MatrixOperand(weight)
        // B = Wᵀ [k, n]: element (r, c) is W[c, r]. Weights used repeatedly run on a pre-packed copy.
        let packedKey = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 0, aRowStride: k, aColStride: 1,
                                                     bType: 0, bRowStride: -1, bColStride: -1,
                                                     bias: bc != nil, relu: relu, ldc: n)
        if case .success(let packedPrimitive) = DNNLPrimitiveCache.shared.matmul(packedKey),
           let packed = PackedWeightCache.shared.packed(w, key: packedKey, primitive: packedPrimitive) {
            var status: Int32 = 0
            let y = Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
                status = syn_dnnl_matmul_execute(packedPrimitive.pointer, xc.basePointer, packed.buffer, bc?.basePointer, out)
            }
            withExtendedLifetime((xc, packed, bc)) {}
            if status == 0 { return y }
        }
        let (bRow, bCol) = w.transposed ? (w.ld, 1) : (1, w.ld)
        let key = DNNLPrimitiveCache.MatmulKey(m: m, n: n, k: k, aType: 0, aRowStride: k, aColStride: 1,
                                               bType: 0, bRowStride: bRow, bColStride: bCol,
                                               bias: bc != nil, relu: relu, ldc: n)
        guard case .success(let handle) = DNNLPrimitiveCache.shared.matmul(key) else { return nil }
        var status: Int32 = 0
        let y = Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
            status = syn_dnnl_matmul_execute(handle.pointer, xc.basePointer, w.tensor.storage.pointer + w.tensor.offset,
                                             bc?.basePointer, out)
        }
        withExtendedLifetime((xc, w, bc)) {}
        return status == 0 ? y : nil
    }
}

/// Small-batch inference path of `linear` (see `syn_linear_small`).
enum SmallLinear {
    static let maxRows = 8
    /// Below this many weights one thread is faster than dispatching to the team.
    static let parallelWeights = 65_536

    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias { precondition(bias.shape == [n], "linear: bias of shape \(bias.shape) does not match \(n) outputs") }
        let xc = x.contiguous(), bc = bias?.contiguous()
        let m = xc.count / Swift.max(k, 1)
        let xp = SendablePointer(xc.basePointer), wp = SendablePointer(weight.basePointer)
        let bp = bc.map { SendablePointer($0.basePointer) }
        return withExtendedLifetime((xc, weight, bc)) {
            Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
                let yp = SendablePointer(out)
                let threads = n * k >= parallelWeights ? ThreadPool.shared.threadCount : 1
                let reverse = Int32(weight.storage.sweeps.add(1, ordering: .relaxed).newValue & 1)
                let run = { (i: Int) in
                    // Static split in blocks of 4 rows: thread i always gets the same rows of W.
                    let blocks = (n + 3) / 4
                    let j0 = Swift.min(n, blocks * i / threads * 4), j1 = Swift.min(n, blocks * (i + 1) / threads * 4)
                    if j0 < j1 { syn_linear_small(xp.pointer, m, k, wp.pointer, bp?.pointer, yp.pointer, n, j0, j1, relu ? 1 : 0, reverse) }
                }
                if threads > 1 { ThreadPool.shared.run(run) } else { run(0) }
            }
        }
    }
}

/// x·Wᵀ + b on oneDNN's sgemm, recorded on the tape.
private func affine(_ x: Tensor, weight: Tensor, bias: Tensor?) -> Tensor {
    precondition(weight.rank == 2, "linear: weight must be [out, in], got \(weight.shape)")
    let (outF, inF) = (weight.shape[0], weight.shape[1])
    precondition(x.rank >= 1 && x.shape[x.rank - 1] == inF,
                 "linear: input of shape \(x.shape) does not end in the \(inF) input features of weight \(weight.shape)")
    if let bias { precondition(bias.shape == [outF], "linear: bias of shape \(bias.shape) does not match \(outF) outputs") }
    let xc = x.contiguous()
    let rows = xc.count / Swift.max(inF, 1)
    let w = MatrixOperand(weight)
    let bc = bias?.contiguous()
    let y = Tensor.produce(Array(x.shape.dropLast()) + [outF]) { out in
        if let bc {
            for r in 0..<rows { (out + r * outF).update(from: bc.basePointer, count: outF) }
        }
        // y[rows, out] = x[rows, in] · Wᵀ: W [out, in] row-major is op(B) with B transposed.
        DNNL.sgemm(transA: false, transB: !w.transposed, m: rows, n: outF, k: inF,
                   a: xc.basePointer, lda: Swift.max(inF, 1), b: w.tensor.storage.pointer + w.tensor.offset, ldb: w.ld,
                   beta: bc == nil ? 0 : 1, c: out, ldc: Swift.max(outF, 1))
        withExtendedLifetime((w, bc)) {}
    }
    var inputs = [xc, weight]
    if let bias { inputs.append(bias) }
    let xd = xc.detached(), wd = weight.detached()
    let (nx, nw, nb, hasBias) = (x.node != nil, weight.node != nil, bias?.node != nil, bias != nil)
    return y.recorded("linear", inputs: inputs) { g in
        let gc = g.contiguous()
        var gx: Tensor? = nil, gw: Tensor? = nil, gb: Tensor? = nil
        if nx {
            // dx[rows, in] = g[rows, out] · W[out, in]
            let wo = MatrixOperand(wd)
            gx = Tensor.produce(xd.shape) { out in
                DNNL.sgemm(transA: false, transB: wo.transposed, m: rows, n: inF, k: outF,
                           a: gc.basePointer, lda: Swift.max(outF, 1), b: wo.tensor.storage.pointer + wo.tensor.offset, ldb: wo.ld,
                           c: out, ldc: Swift.max(inF, 1))
                withExtendedLifetime(wo) {}
            }
        }
        if nw {
            // dW[out, in] = gᵀ[out, rows] · x[rows, in]
            gw = Tensor.produce([outF, inF]) { out in
                DNNL.sgemm(transA: true, transB: false, m: outF, n: inF, k: rows,
                           a: gc.basePointer, lda: Swift.max(outF, 1), b: xd.basePointer, ldb: Swift.max(inF, 1),
                           c: out, ldc: Swift.max(inF, 1))
            }
        }
        if nb { gb = gc.reshaped([rows, outF]).sum(dim: 0) }
        withExtendedLifetime(gc) {}
        return hasBias ? [gx, gw, gb] : [gx, gw]
    }
}
