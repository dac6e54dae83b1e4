import CKernels

/// Small-batch inference path of `linear` (see `syn_linear_small`).
enum SmallLinear {
    static let maxRows = 8
    /// Below this many weights one thread is faster than dispatching to the team.
    static let parallelWeights = 65_536

    static func apply(_ x: Tensor, weight: Tensor, bias: Tensor?, relu: Bool) -> Tensor {
        let (n, k) = (weight.shape[0], weight.shape[1])
        if let bias { require(bias.shape == [n], "linear: bias of shape \(bias.shape) does not match \(n) outputs") }
        let xc = x.contiguous(), bc = bias?.contiguous()
        let m = xc.count / Swift.max(k, 1)
        let xp = SendablePointer(xc.basePointer), wp = SendablePointer(weight.basePointer)
        let bp = bc.map { SendablePointer($0.basePointer) }
        return withExtendedLifetime((xc, weight, bc)) {
            Tensor.produce(Array(x.shape.dropLast()) + [n]) { out in
                let yp = SendablePointer(out)
                let threads = n * k >= parallelWeights ? ThreadPool.shared.effectiveThreadCount : 1
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
