import CKernels

/// The geometry of a 2-D sliding window over a batch: input [n, c, h, w], kernel kh×kw, stride,
/// zero padding on the low side, dilation and the output size. Convolution, its transpose (as the
/// adjoint convolution) and max pooling (n = planes, c = 1) describe their windows with it.
struct ConvolutionGeometry: Hashable, Sendable {
    var n: Int, c: Int, h: Int, w: Int
    var kh: Int, kw: Int
    var sh: Int, sw: Int, ph: Int, pw: Int
    var dh: Int, dw: Int
    var oh: Int, ow: Int

    /// The C kernels' form.
    var kernelGeometry: syn_conv_geometry {
        syn_conv_geometry(n: Int64(n), c: Int64(c), h: Int64(h), w: Int64(w), kh: Int64(kh), kw: Int64(kw),
                          sh: Int64(sh), sw: Int64(sw), ph: Int64(ph), pw: Int64(pw), dh: Int64(dh), dw: Int64(dw),
                          oh: Int64(oh), ow: Int64(ow))
    }
}

/// A whole convolution: its window geometry plus the output channels, the groups and whether a bias
/// is added; what identifies a cached oneDNN convolution.
struct ConvolutionShape: Hashable, Sendable {
    var geometry: ConvolutionGeometry
    var outChannels: Int
    var groups: Int
    var withBias: Bool
    /// bfloat16 operands with Float32 accumulation and results (autocast); the caller's buffers stay Float32.
    var bfloat16 = false
}
