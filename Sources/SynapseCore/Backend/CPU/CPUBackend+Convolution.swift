import CDNNLPrimitives
import CKernels

/// Convolution and pooling kernels: oneDNN convolution handles, the direct single-channel kernel
/// and max pooling. Activations are NCHW, weights [O, C/groups, kh, kw], all dense float32.
extension CPUBackend {
    /// Whether the direct single-input-channel kernel runs `shape` (one channel, one group, stride
    /// and dilation 1): it beats oneDNN there, whose blocked output must be reordered back.
    static func usesSingleChannelKernel(_ shape: ConvolutionShape) -> Bool {
        let g = shape.geometry
        return g.c == 1 && shape.groups == 1 && g.sh == 1 && g.sw == 1 && g.dh == 1 && g.dw == 1
    }

    /// y = conv(x, w) + b with the direct single-channel kernel, examples split across the pool.
    static func singleChannelConvolution(_ x: UnsafePointer<Float>, weight: UnsafePointer<Float>, bias: UnsafePointer<Float>?,
                                         into y: UnsafeMutablePointer<Float>, shape: ConvolutionShape) {
        let s = shape.geometry
        let g = syn_conv1ch_geometry(n: Int64(s.n), h: Int64(s.h), w: Int64(s.w), o: Int64(shape.outChannels),
                                     kh: Int64(s.kh), kw: Int64(s.kw), ph: Int64(s.ph), pw: Int64(s.pw),
                                     oh: Int64(s.oh), ow: Int64(s.ow))
        let (xp, wp, bp, yp) = (SendablePointer(x), SendablePointer(weight), bias.map { SendablePointer($0) }, SendablePointer(y))
        ThreadPool.shared.parallelFor(s.n, grain: 1) { r in
            syn_conv1ch_forward(xp.pointer, wp.pointer, bp?.pointer, yp.pointer, g, Int64(r.lowerBound), Int64(r.upperBound))
        }
    }

    /// The forward pass on a oneDNN handle; returns oneDNN's status (0 on success).
    static func convolutionForward(_ handle: ConvolutionPrimitives.Handle, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                   bias: UnsafePointer<Float>?, into y: UnsafeMutablePointer<Float>) -> Int32 {
        syn_dnnl_conv_forward(handle.pointer, x, weight, bias, y)
    }

    /// The backward pass on a oneDNN handle: the gradients that are requested (non-nil) of the input,
    /// the weights and the bias from the output gradient `dy`; returns oneDNN's status.
    static func convolutionBackward(_ handle: ConvolutionPrimitives.Handle, x: UnsafePointer<Float>, weight: UnsafePointer<Float>,
                                    dy: UnsafePointer<Float>, dx: UnsafeMutablePointer<Float>?, dWeight: UnsafeMutablePointer<Float>?,
                                    dBias: UnsafeMutablePointer<Float>?) -> Int32 {
        syn_dnnl_conv_backward(handle.pointer, x, weight, dy, dx, dWeight, dBias)
    }

    /// Max pooling over planes `planes` of x laid out as `geometry` (n = planes, c = 1): y gets each
    /// window's maximum (ReLU of it with `relu`) and `argmax` the in-plane offset of its first maximum.
    static func maxPool2d(_ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, argmax: UnsafeMutablePointer<Int32>,
                          geometry: ConvolutionGeometry, planes: Range<Int>, relu: Bool) {
        syn_maxpool2d(x, y, argmax, geometry.kernelGeometry, Int64(planes.lowerBound), Int64(planes.upperBound), relu ? 1 : 0)
    }

    /// Writes dx for planes `planes` from the output gradient `dy` of `maxPool2d`: zero except at
    /// each window's recorded maximum, where the window's gradient accumulates. `reluOutput`: the
    /// forward output of a pooling with ReLU, whose windows with output ≤ 0 send nothing back.
    static func maxPool2dBackward(_ dy: UnsafePointer<Float>, argmax: UnsafePointer<Int32>, reluOutput: UnsafePointer<Float>?,
                                  into dx: UnsafeMutablePointer<Float>, planeInput: Int, planeOutput: Int, planes: Range<Int>) {
        syn_maxpool2d_backward(dy, argmax, reluOutput, dx, Int64(planeInput), Int64(planeOutput), Int64(planes.lowerBound),
                               Int64(planes.upperBound))
    }
}
