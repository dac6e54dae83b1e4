import CKernels

/// The im2col / col2im steps shared by `conv2d` and `convTranspose2d`, split across the thread pool
/// by channel. Group `g` owns channels [g·cg, (g+1)·cg) and column rows [g·k, (g+1)·k) of a
/// [groups·k, p] column matrix; threads work on disjoint channel ranges, so col2im's accumulation
/// never races.
enum ConvolutionLowering {
    /// Unfolds `x` (laid out as `geometry`) into `cols`.
    static func im2col(_ x: UnsafePointer<Float>, into cols: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry,
                       groups: Int, grain: Int = 1) {
        let g = geometry.kernelGeometry
        forEachChannelRange(g, groups: groups, grain: grain) { gi, c0, c1, lo, hi, rows in
            syn_im2col(x, cols + gi * rows, g, c0, c1, lo, hi)
        }
    }

    /// Accumulates `cols` back into `dx` (laid out as `geometry`, pre-zeroed).
    static func col2im(_ cols: UnsafePointer<Float>, into dx: UnsafeMutablePointer<Float>, geometry: ConvolutionGeometry,
                       groups: Int) {
        let g = geometry.kernelGeometry
        forEachChannelRange(g, groups: groups, grain: 1) { gi, c0, c1, lo, hi, rows in
            syn_col2im(cols + gi * rows, dx, g, c0, c1, lo, hi)
        }
    }

    /// Calls `body(group, groupStart, groupEnd, rangeStart, rangeEnd, groupColumnElements)` for each
    /// thread's share of each group's channels.
    private static func forEachChannelRange(_ g: syn_conv_geometry, groups: Int, grain: Int,
                                            _ body: (Int, Int64, Int64, Int64, Int64, Int) -> Void) {
        let channels = Int(g.c), cg = channels / groups
        let rows = cg * Int(g.kh * g.kw) * Int(g.n * g.oh * g.ow)  // elements of one group's columns
        ThreadPool.shared.parallelFor(channels, grain: grain) { r in
            for gi in 0..<groups {
                let c0 = gi * cg, c1 = c0 + cg
                let lo = Swift.max(r.lowerBound, c0), hi = Swift.min(r.upperBound, c1)
                if lo < hi { body(gi, Int64(c0), Int64(c1), Int64(lo), Int64(hi), rows) }
            }
        }
    }
}
