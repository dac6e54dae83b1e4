import Testing
@testable import SynapseCore

/// The small-batch inference kernel must agree with the GEMM path of `linear` for every shape it takes.
struct SmallLinearTests {
    @Test(arguments: [(1, 784, 512), (3, 17, 13), (7, 5, 3), (2, 256, 10), (1, 1, 1), (5, 300, 301)])
    func matchesTheGEMMPath(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        let g = RandomGenerator(seed: UInt64(m * 7 + k * 13 + n))
        let x = Tensor.randn([m, k], generator: g), w = Tensor.randn([n, k], generator: g), b = Tensor.randn([n], generator: g)
        // The tape forces the GEMM path; without it m < 8 takes the small kernel.
        let reference = linear(x.requiringGrad(), weight: w, bias: b).detached()
        for relu in [false, true] {
            for withBias in [false, true] {
                let expected = withBias ? reference : reference - b
                let fast = withoutGradients {
                    linear(x, weight: w, bias: withBias ? b : nil, activation: relu ? .relu : .none)
                }
                let target = relu ? SynapseCore.relu(expected) : expected
                // Same products, different summation order: agree to float rounding of a K-term dot product.
                #expect(fast.isClose(to: target, rtol: 1e-5, atol: 1e-5 * Float(k).squareRoot()),
                        "m=\(m) k=\(k) n=\(n) relu=\(relu) bias=\(withBias)")
            }
        }
    }

    @Test func repeatedCallsGiveIdenticalResultsWhicheverWayTheWeightsAreSwept() {
        let x = Tensor.randn([1, 300]), w = Tensor.randn([301, 300]), b = Tensor.randn([301])
        let first = withoutGradients { linear(x, weight: w, bias: b) }
        let second = withoutGradients { linear(x, weight: w, bias: b) }
        #expect(first.scalars == second.scalars)
    }

    @Test func batchedInputKeepsLeadingDimensions() {
        let x = Tensor.randn([2, 3, 8]), w = Tensor.randn([4, 8])
        let y = withoutGradients { linear(x, weight: w, bias: nil) }
        #expect(y.shape == [2, 3, 4])
        #expect(y.isClose(to: matmul(x, w.T), rtol: 1e-5, atol: 1e-5))
    }
}
