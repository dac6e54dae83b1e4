import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseData

/// Finite-difference checks of convolution and pooling gradients (input, weight, bias) over the
/// options the golden cases do not cover together: stride, padding, dilation, groups, ceil mode.
struct ConvolutionGradientTests {
    typealias In = GradientInputs

    static let cases: [GradientCase] = [
        GradientCase("conv2d stride 2 pad 1", { [In.normal([2, 3, 6, 5], seed: 1), In.normal([4, 3, 3, 3], seed: 2), In.normal([4], seed: 3)] }) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 2), padding: (1, 1))
        },
        GradientCase("conv2d dilation 2 groups 2", { [In.normal([1, 4, 7, 6], seed: 4), In.normal([6, 2, 3, 2], seed: 5), In.normal([6], seed: 6)] }) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: (1, 2), padding: (2, 1), dilation: (2, 1), groups: 2)
        },
        GradientCase("conv2d no bias, depthwise", { [In.normal([2, 3, 5, 5], seed: 7), In.normal([3, 1, 3, 3], seed: 8)] }) {
            conv2d($0[0], weight: $0[1], padding: (1, 1), groups: 3)
        },
        GradientCase("conv1d", { [In.normal([2, 3, 9], seed: 9), In.normal([5, 3, 3], seed: 10), In.normal([5], seed: 11)] }) {
            conv1d($0[0], weight: $0[1], bias: $0[2], stride: 2, padding: 1, dilation: 2)
        },
        GradientCase("convTranspose2d stride 2 groups 2", { [In.normal([2, 4, 3, 4], seed: 14), In.normal([4, 3, 3, 2], seed: 15), In.normal([6], seed: 16)] }) {
            convTranspose2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 0), outputPadding: (1, 0), dilation: (1, 2), groups: 2)
        },
        // Max pooling: distinct values in [-1, 1] spaced ≥ 0.029 apart, more than the ±2h = ±0.02 the
        // finite-difference stencil moves an input of that size, so no window's maximum changes.
        GradientCase("maxPool2d k3 s2 p1", { [Self.spreadValues([1, 2, 7, 5], seed: 1)] }) {
            maxPool2d($0[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
        },
        GradientCase("maxPool2d ceil mode", { [Self.spreadValues([1, 3, 4, 5], seed: 2)] }) {
            maxPool2d($0[0], kernelSize: (2, 2), ceilMode: true)
        },
        GradientCase("avgPool2d pad 1 exclude pad", { [In.normal([2, 2, 5, 6], seed: 12)] }) {
            avgPool2d($0[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1), countIncludePad: false)
        },
        GradientCase("adaptiveAvgPool2d 3x2", { [In.normal([2, 2, 7, 5], seed: 13)] }) {
            adaptiveAvgPool2d($0[0], outputSize: (3, 2))
        },
    ]

    /// Evenly spaced values in [-1, 1] in a seeded random order.
    static func spreadValues(_ shape: [Int], seed: UInt64) -> Tensor {
        let n = shape.reduce(1, *)
        let order = Permutation.shuffled(n, using: RandomGenerator(seed: seed))
        return Tensor(shape: shape, scalars: order.map { -1 + 2 * Float($0) / Float(n - 1) })
    }

    @Test(arguments: cases)
    func gradientMatchesFiniteDifferences(_ c: GradientCase) {
        FiniteDifference.check(c.name, c.inputs(), c.op)
    }

    @Test func adaptivePoolingMatchesPlainPoolingWhenTheWindowsCoincide() {
        let x = Tensor.randn([2, 3, 8, 6])
        #expect(adaptiveAvgPool2d(x, outputSize: (4, 3)).isClose(to: avgPool2d(x, kernelSize: (2, 2)), rtol: 1e-6, atol: 1e-6))
    }

    @Test func convolutionEqualsAMatrixProductForOneByOneKernels() {
        let x = Tensor.randn([2, 5, 3, 4]), w = Tensor.randn([7, 5, 1, 1])
        let viaMatmul = matmul(w.reshaped([7, 5]), x.permuted([1, 0, 2, 3]).reshaped([5, -1]))
            .reshaped([7, 2, 3, 4]).permuted([1, 0, 2, 3])
        #expect(conv2d(x, weight: w).isClose(to: viaMatmul.contiguous(), rtol: 1e-5, atol: 1e-5))
    }
}
