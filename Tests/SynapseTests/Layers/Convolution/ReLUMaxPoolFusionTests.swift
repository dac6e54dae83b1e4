import Testing
@testable import Synapse
@testable import SynapseCore

/// `reluMaxPool2d` (what `Sequential` runs for `ReLU` then `MaxPool2d`) must give the bits of
/// `maxPool2d(relu(x))` and of its gradient, on the vectorised 2×2 path (with its row tails) and the
/// general one (padding, overlapping windows, ceil mode), with ties, zeros of both signs, NaN and inf.
struct ReLUMaxPoolFusionTests {
    typealias In = GradientInputs

    /// A pooling configuration: kernel, stride, padding, ceil mode.
    struct Pooling: Sendable, CustomTestStringConvertible {
        let kernel: (Int, Int), stride: (Int, Int), padding: (Int, Int), ceilMode: Bool
        var testDescription: String { "k\(kernel) s\(stride) p\(padding)\(ceilMode ? " ceil" : "")" }
    }

    static let poolings = [
        Pooling(kernel: (2, 2), stride: (2, 2), padding: (0, 0), ceilMode: false),  // the AVX2 path
        Pooling(kernel: (3, 3), stride: (2, 2), padding: (1, 1), ceilMode: false),  // overlapping windows
        Pooling(kernel: (3, 2), stride: (1, 2), padding: (1, 0), ceilMode: false),
        Pooling(kernel: (2, 2), stride: (2, 2), padding: (0, 0), ceilMode: true),   // windows past the edge
    ]

    /// Values from a few levels (ties everywhere), about a third of them ≤ 0, with −0, +0, NaN and ±inf.
    static func awkward(_ shape: [Int], seed: UInt64, specials: Bool) -> Tensor {
        let g = RandomGenerator(seed: seed)
        let levels: [Float] = [-2, -1, -0.0, 0, 0.5, 1, 1, 3]
        var v = Tensor.rand(shape, generator: g).scalars.map { levels[Swift.min(Int($0 * Float(levels.count)), levels.count - 1)] }
        if specials {
            for (i, s) in [Float.nan, .infinity, -.infinity, .nan].enumerated() { v[(i * 37 + 5) % v.count] = s }
        }
        return Tensor(shape: shape, scalars: v)
    }

    /// Forward output and input gradient of `f` for input `x` and upstream gradient `g`.
    static func run(_ x: Tensor, _ g: Tensor, _ f: (Tensor) -> Tensor) -> (y: [UInt32], dx: [UInt32]) {
        let input = Tensor(shape: x.shape, scalars: x.scalars).requiringGrad()
        let y = f(input)
        (y * g).sum().backward()
        return (y.scalars.map(\.bitPattern), input.grad!.scalars.map(\.bitPattern))
    }

    @Test(arguments: poolings)
    func matchesReLUThenMaxPoolBitForBit(_ p: Pooling) {
        // Widths 28, 14 and 9 give pooled rows of 14, 7 and 4-5 outputs: full and masked AVX2 steps.
        for (i, shape) in [[2, 3, 28, 28], [1, 4, 14, 14], [3, 2, 9, 11]].enumerated() {
            for specials in [false, true] {
                let x = Self.awkward(shape, seed: UInt64(10 + i), specials: specials)
                let fused: (Tensor) -> Tensor = {
                    reluMaxPool2d($0, kernelSize: p.kernel, stride: p.stride, padding: p.padding, ceilMode: p.ceilMode)
                }
                let twoOps: (Tensor) -> Tensor = {
                    maxPool2d(relu($0), kernelSize: p.kernel, stride: p.stride, padding: p.padding, ceilMode: p.ceilMode)
                }
                let outShape = fused(x).shape
                // An upstream gradient with NaN and inf too: windows ReLU zeroes must drop them.
                var gs = Tensor.randn(outShape, generator: RandomGenerator(seed: UInt64(20 + i))).scalars
                if specials { gs[0] = .nan; gs[gs.count / 2] = .infinity }
                let g = Tensor(shape: outShape, scalars: gs)
                let (a, b) = (Self.run(x, g, fused), Self.run(x, g, twoOps))
                #expect(a.y == b.y, "\(p.testDescription) \(shape) specials \(specials): outputs differ")
                #expect(a.dx == b.dx, "\(p.testDescription) \(shape) specials \(specials): gradients differ")
            }
        }
    }

    /// Distinct values at least 0.029 apart (at most 70 of them) and at least 0.03 from 0 (ReLU's kink),
    /// so the ±0.02 the finite-difference stencil moves an input changes no window's maximum and no
    /// ReLU branch.
    static func awayFromKinks(_ shape: [Int], seed: UInt64) -> Tensor {
        let spread = ConvolutionGradientTests.spreadValues(shape, seed: seed).scalars
        return Tensor(shape: shape, scalars: spread.map { $0 + ($0 < 0 ? -0.03 : 0.03) })
    }

    static let gradientCases: [GradientCase] = [
        GradientCase("reluMaxPool2d 2x2", { [Self.awayFromKinks([1, 2, 4, 8], seed: 3)] }) {
            reluMaxPool2d($0[0], kernelSize: (2, 2))
        },
        GradientCase("reluMaxPool2d k3 s2 p1", { [Self.awayFromKinks([1, 2, 7, 5], seed: 4)] }) {
            reluMaxPool2d($0[0], kernelSize: (3, 3), stride: (2, 2), padding: (1, 1))
        },
    ]

    @Test(arguments: gradientCases)
    func gradientMatchesFiniteDifferences(_ c: GradientCase) {
        FiniteDifference.check(c.name, c.inputs(), c.op)
    }

    @Test func sequentialRunsReLUThenMaxPoolAsTheFusedOp() {
        let g = RandomGenerator(seed: 7)
        let model = Sequential([Conv2d(2, 4, kernelSize: 3, padding: 1, generator: g), ReLU(), MaxPool2d(kernelSize: 2)])
        let x = Tensor.randn([3, 2, 10, 10], generator: g)
        let y = model(x)
        #expect(y.node?.op == "reluMaxPool2d")
        // The same bits as the layers one by one, forward and for every parameter's gradient.
        let conv = model.layers[0] as! Conv2d
        let byHand = maxPool2d(relu(conv(x)), kernelSize: (2, 2))
        #expect(y.scalars.map(\.bitPattern) == byHand.scalars.map(\.bitPattern))
        y.sum().backward()
        let fusedGradient = conv.weight.grad!.scalars
        model.zeroGrad()
        byHand.sum().backward()
        #expect(fusedGradient.map(\.bitPattern) == conv.weight.grad!.scalars.map(\.bitPattern))
    }
}
