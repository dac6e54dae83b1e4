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

/// `linearChain` (small-batch inference of several linear layers in one parallel region) must give
/// exactly what `linear` gives layer by layer, and decline whatever that path does not cover.
struct LinearChainTests {
    /// Layer widths: W6's MLP (two layers split across the team, a small last one on one thread),
    /// small layers only, and odd widths that leave a partial block of 4 rows.
    @Test(arguments: [[784, 512, 256, 10], [5, 7, 3], [300, 301, 299, 1], [64, 300, 17, 300]])
    func equalsLinearLayerByLayerBitForBit(widths: [Int]) {
        let g = RandomGenerator(seed: UInt64(widths.reduce(0, +)))
        for rows in [1, 3, 7] {
            for (variant, (withBias, reluPattern)) in [(true, 0), (false, 1), (true, 2)].enumerated() {
                let layers = (0..<(widths.count - 1)).map { l in
                    LinearChainLayer(weight: Tensor.randn([widths[l + 1], widths[l]], generator: g) * 0.1,
                                     bias: withBias || l == 0 ? Tensor.randn([widths[l + 1]], generator: g) : nil,
                                     relu: (l + reluPattern) % 2 == 0)
                }
                let x = Tensor.randn([rows, widths[0]], generator: g)
                withoutGradients {
                    // Several calls: the weights are swept forwards and backwards in turn.
                    for _ in 0..<3 {
                        var expected = x
                        for layer in layers {
                            expected = linear(expected, weight: layer.weight, bias: layer.bias,
                                              activation: layer.relu ? .relu : .none)
                        }
                        let chained = linearChain(x, layers)
                        #expect(chained?.shape == [rows, widths.last!])
                        #expect(chained?.scalars == expected.scalars, "widths \(widths) rows \(rows) variant \(variant)")
                    }
                }
            }
        }
    }

    @Test func keepsLeadingDimensions() {
        let layers = [LinearChainLayer(weight: Tensor.randn([4, 8]), bias: nil, relu: true),
                      LinearChainLayer(weight: Tensor.randn([2, 4]), bias: Tensor.randn([2]), relu: false)]
        let x = Tensor.randn([2, 3, 8])
        let y = withoutGradients { linearChain(x, layers) }
        let expected = withoutGradients { linear(linear(x, weight: layers[0].weight, bias: nil, activation: .relu),
                                                 weight: layers[1].weight, bias: layers[1].bias) }
        #expect(y?.shape == [2, 3, 2])
        #expect(y?.scalars == expected.scalars)
    }

    @Test func declinesWhatItDoesNotCover() {
        let w1 = Tensor.randn([6, 5]), w2 = Tensor.randn([3, 6])
        let chain = [LinearChainLayer(weight: w1, bias: nil, relu: true), LinearChainLayer(weight: w2, bias: nil, relu: false)]
        withoutGradients {
            // Eight rows or more: the GEMM path.
            #expect(linearChain(Tensor.randn([8, 5]), chain) == nil)
            // Shapes that do not chain, a bias of the wrong size, a strided weight: linear's own checks apply.
            #expect(linearChain(Tensor.randn([1, 4]), chain) == nil)
            #expect(linearChain(Tensor.randn([1, 5]), [chain[0], LinearChainLayer(weight: Tensor.randn([3, 5]), bias: nil, relu: false)]) == nil)
            #expect(linearChain(Tensor.randn([1, 5]), [LinearChainLayer(weight: w1, bias: Tensor.randn([5]), relu: false)]) == nil)
            #expect(linearChain(Tensor.randn([1, 6]), [LinearChainLayer(weight: Tensor.randn([6, 3]).T, bias: nil, relu: false)]) == nil)
            // Reduced precision.
            #expect(autocast(.bfloat16) { linearChain(Tensor.randn([1, 5]), chain) } == nil)
        }
        // A tape: gradients need the recorded path.
        #expect(linearChain(Tensor.randn([1, 5]).requiringGrad(), chain) == nil)
        #expect(linearChain(Tensor.randn([1, 5]), [LinearChainLayer(weight: w1.requiringGrad(), bias: nil, relu: false)]) == nil)
    }
}
