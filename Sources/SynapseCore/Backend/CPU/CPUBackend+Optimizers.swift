import CKernels

/// Optimizer updates: in place on parameter and state buffers, ranges split across the thread pool.
extension CPUBackend {
    /// One Adam / AdamW step over `count` elements (`syn_adam_step`, one fused pass over parameter,
    /// gradient and moments); `maxSquaredAverage` is AMSGrad's running maximum, or nil.
    static func adamStep(_ weights: UnsafeMutablePointer<Float>, gradient: UnsafePointer<Float>,
                         average: UnsafeMutablePointer<Float>, squaredAverage: UnsafeMutablePointer<Float>,
                         maxSquaredAverage: UnsafeMutablePointer<Float>?, count: Int, _ h: AdamHyperparameters) {
        let (wp, gp) = (SendablePointer(weights), SendablePointer(gradient))
        let (mp, vp) = (SendablePointer(average), SendablePointer(squaredAverage))
        let xp = maxSquaredAverage.map { SendablePointer($0) }
        let decoupled: Int32 = h.decoupled ? 1 : 0
        ThreadPool.shared.parallelFor(count, grain: 16_384) { r in
            let o = r.lowerBound
            syn_adam_step(wp.pointer + o, gp.pointer + o, mp.pointer + o, vp.pointer + o, xp.map { $0.pointer + o },
                          r.count, h.learningRate, h.beta1, h.beta2, h.eps, h.weightDecay, decoupled,
                          h.biasCorrection1, h.biasCorrection2)
        }
    }
}
