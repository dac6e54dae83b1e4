import Testing
@testable import SynapseCore

/// oneDNN's convolution primitives (the default `conv2d` path) against the im2col + GEMM lowering,
/// forward and all three gradients, over the W3 shapes and the options that change oneDNN's layouts
/// and kernels (single input channel, which has its own forward kernel; stride, asymmetric effective padding, dilation, groups, 1-D).
struct ConvolutionPrimitiveTests {
    struct Case: Sendable, CustomTestStringConvertible {
        let name: String
        let x: [Int], w: [Int], bias: Bool
        let stride: (Int, Int), padding: (Int, Int), dilation: (Int, Int), groups: Int
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "W3 conv1 1→32 28×28", x: [8, 1, 28, 28], w: [32, 1, 3, 3], bias: true, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1),
        Case(name: "one channel, 5×3 kernel, rows narrower than a vector", x: [3, 1, 6, 9], w: [4, 1, 5, 3], bias: false, stride: (1, 1), padding: (2, 0), dilation: (1, 1), groups: 1),
        Case(name: "one channel, wide rows, no padding", x: [2, 1, 5, 40], w: [3, 1, 2, 4], bias: true, stride: (1, 1), padding: (0, 0), dilation: (1, 1), groups: 1),
        Case(name: "W3 conv2 32→64 14×14", x: [4, 32, 14, 14], w: [64, 32, 3, 3], bias: true, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 1),
        Case(name: "stride 2, odd size, no bias", x: [3, 16, 9, 11], w: [16, 16, 3, 3], bias: false, stride: (2, 2), padding: (1, 1), dilation: (1, 1), groups: 1),
        Case(name: "dilation 2, rectangular kernel", x: [2, 5, 10, 9], w: [7, 5, 3, 2], bias: true, stride: (1, 2), padding: (2, 1), dilation: (2, 1), groups: 1),
        Case(name: "groups 4", x: [2, 8, 7, 7], w: [12, 2, 3, 3], bias: true, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 4),
        Case(name: "depthwise 32", x: [2, 32, 6, 6], w: [32, 1, 3, 3], bias: false, stride: (1, 1), padding: (1, 1), dilation: (1, 1), groups: 32),
        Case(name: "conv1d as height 1", x: [3, 4, 1, 17], w: [8, 4, 1, 5], bias: true, stride: (1, 2), padding: (0, 2), dilation: (1, 2), groups: 1),
    ]

    /// Output and gradients of x, weight and bias (in that order) for the upstream gradient `g`.
    static func run(_ c: Case, _ conv: (Tensor, Tensor, Tensor?) -> Tensor) -> [Tensor] {
        let gen = RandomGenerator(seed: 7)
        let x = Tensor.randn(c.x, generator: gen).requiringGrad(), w = Tensor.randn(c.w, generator: gen).requiringGrad()
        let b: Tensor? = c.bias ? Tensor.randn([c.w[0]], generator: gen).requiringGrad() : nil
        let y = conv(x, w, b)
        let g = Tensor.randn(y.shape, generator: gen)
        (y * g).sum().backward()
        return [y.detached(), x.grad!, w.grad!] + (b.map { [$0.grad!] } ?? [])
    }

    @Test(arguments: cases)
    func primitiveMatchesIm2col(_ c: Case) {
        let viaPrimitive = Self.run(c) { x, w, b in
            conv2d(x, weight: w, bias: b, stride: c.stride, padding: c.padding, dilation: c.dilation, groups: c.groups)
        }
        let viaIm2col = Self.run(c) { x, w, b in
            let oh = (c.x[2] + 2 * c.padding.0 - c.dilation.0 * (c.w[2] - 1) - 1) / c.stride.0 + 1
            let ow = (c.x[3] + 2 * c.padding.1 - c.dilation.1 * (c.w[3] - 1) - 1) / c.stride.1 + 1
            let geometry = ConvolutionGeometry(n: c.x[0], c: c.x[1], h: c.x[2], w: c.x[3], kh: c.w[2], kw: c.w[3],
                                               sh: c.stride.0, sw: c.stride.1, ph: c.padding.0, pw: c.padding.1,
                                               dh: c.dilation.0, dw: c.dilation.1, oh: oh, ow: ow)
            return conv2dIm2col(x, weight: w, bias: b, geometry: geometry, groups: c.groups)
        }
        for (name, (p, q)) in zip(["output", "input grad", "weight grad", "bias grad"], zip(viaPrimitive, viaIm2col)) {
            #expect(p.shape == q.shape, "\(c.name): \(name) shape")
            #expect(p.isClose(to: q, rtol: 1e-4, atol: 1e-4), "\(c.name): \(name) differs")
        }
    }

    /// The benchmark's shapes must get oneDNN's direct kernels (others may fall back to im2col).
    @Test func w3ShapesRunOnOneDNNDirectKernels() {
        for c in Self.cases where c.name.hasPrefix("W3") {
            let geometry = ConvolutionGeometry(n: c.x[0], c: c.x[1], h: c.x[2], w: c.x[3], kh: c.w[2], kw: c.w[3],
                                               sh: 1, sw: 1, ph: 1, pw: 1, dh: 1, dw: 1, oh: c.x[2], ow: c.x[3])
            let shape = ConvolutionShape(geometry: geometry, outChannels: c.w[0], groups: 1, withBias: true)
            let handle = ConvolutionPrimitives.shared.handle(for: shape)
            #expect(handle != nil, "\(c.name): oneDNN has no direct convolution for it")
            #expect(handle?.implementations.allSatisfy { $0.hasPrefix("jit") } ?? false,
                    "\(c.name): oneDNN chose \(handle?.implementations ?? [])")
        }
    }
}
