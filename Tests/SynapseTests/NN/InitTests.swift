import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// Statistical checks of the initialisers on large tensors (≥ 131 072 samples).
///
/// Tolerances: for n samples the sample mean has standard error σ/√n (≤ 0.003σ here) and the
/// sample standard deviation a relative standard error of √((κ−1)/4n) (κ = 3 normal, 1.8 uniform),
/// i.e. ≤ 0.002. Checking the mean to 0.02σ and the std to 2 % relative is therefore ≥ 7σ from a
/// false alarm, while any wrong formula (a missing √, gain, or fan) is off by ≥ 15 %. Uniform
/// bounds are checked exactly (no sample outside ±bound) and for tightness (the extreme sample
/// within 1 % of the bound: the chance that none of n uniform samples falls in that 1 % band is
/// 0.995ⁿ ≈ 0).
@Suite("NN: weight initialisers")
struct NNInitTests {
    struct Stats {
        let mean: Double, std: Double, minimum: Float, maximum: Float
        init(_ t: Tensor) {
            let v = t.scalars
            let n = Double(v.count)
            mean = v.reduce(0.0) { $0 + Double($1) } / n
            let m = mean
            std = (v.reduce(0.0) { $0 + (Double($1) - m) * (Double($1) - m) } / n).squareRoot()
            minimum = v.min() ?? .nan
            maximum = v.max() ?? .nan
        }
    }

    func expectUniform(_ t: Tensor, bound: Float, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let s = Stats(t)
        #expect(s.minimum >= -bound && s.maximum <= bound, "\(label): samples outside ±\(bound): [\(s.minimum), \(s.maximum)]",
                sourceLocation: sourceLocation)
        #expect(s.minimum < -0.99 * bound && s.maximum > 0.99 * bound, "\(label): range [\(s.minimum), \(s.maximum)] too narrow for ±\(bound)",
                sourceLocation: sourceLocation)
        expectMoments(s, std: Double(bound) / 3.0.squareRoot(), label, sourceLocation: sourceLocation)
    }

    func expectNormal(_ t: Tensor, std: Float, _ label: String, sourceLocation: SourceLocation = #_sourceLocation) {
        expectMoments(Stats(t), std: Double(std), label, sourceLocation: sourceLocation)
    }

    func expectMoments(_ s: Stats, std: Double, _ label: String, sourceLocation: SourceLocation) {
        #expect(Swift.abs(s.mean) < 0.02 * std, "\(label): mean \(s.mean), std \(std)", sourceLocation: sourceLocation)
        #expect(Swift.abs(s.std / std - 1) < 0.02, "\(label): std \(s.std), expected \(std)", sourceLocation: sourceLocation)
    }

    @Test func fans() {
        #expect(Init.fans([256, 512]) == (512, 256))
        // Conv weights [out, in, kH, kW]: the receptive field multiplies both fans.
        #expect(Init.fans([8, 3, 5, 5]) == (75, 200))
        #expect(Init.fans([16, 4, 3]) == (12, 48))
        #expect(Init.fans([6, 2, 3, 3, 3]) == (54, 162))
    }

    @Test func gains() {
        #expect(Init.gain("linear") == 1)
        #expect(Init.gain("sigmoid") == 1)
        #expect(Init.gain("tanh") == Float(5) / 3)
        #expect(Swift.abs(Init.gain("relu") - Float(2).squareRoot()) < 1e-6)
        #expect(Swift.abs(Init.gain("leaky_relu", param: 0.2) - Float((2.0 / 1.04).squareRoot())) < 1e-6)
        #expect(Init.gain("selu") == 0.75)
    }

    @Test func xavierUniform() {
        let shape = [256, 512]
        let a = (6.0 / Float(256 + 512)).squareRoot()
        expectUniform(Init.xavierUniform(shape, generator: RandomGenerator(seed: 1)), bound: a, "xavierUniform")
        expectUniform(Init.xavierUniform(shape, gain: 2, generator: RandomGenerator(seed: 2)), bound: 2 * a, "xavierUniform gain 2")
    }

    @Test func xavierNormal() {
        let std = (2.0 / Float(256 + 512)).squareRoot()
        expectNormal(Init.xavierNormal([256, 512], generator: RandomGenerator(seed: 3)), std: std, "xavierNormal")
        expectNormal(Init.xavierNormal([256, 512], gain: 5.0 / 3.0, generator: RandomGenerator(seed: 4)), std: std * 5 / 3,
                     "xavierNormal tanh gain")
    }

    @Test func kaimingUniform() {
        // Default: leaky_relu with a = 0, i.e. gain √2, fan_in: bound √(6 / fanIn).
        expectUniform(Init.kaimingUniform([256, 512], generator: RandomGenerator(seed: 5)), bound: (6.0 / 512).squareRoot(),
                      "kaimingUniform fanIn")
        expectUniform(Init.kaimingUniform([256, 512], mode: .fanOut, nonlinearity: "relu", generator: RandomGenerator(seed: 6)),
                      bound: (6.0 / 256).squareRoot(), "kaimingUniform fanOut")
        // Conv-shaped weight [256, 64, 3, 3]: fanIn = 64·9 = 576.
        expectUniform(Init.kaimingUniform([256, 64, 3, 3], generator: RandomGenerator(seed: 7)), bound: (6.0 / 576).squareRoot(),
                      "kaimingUniform conv")
    }

    @Test func kaimingNormal() {
        expectNormal(Init.kaimingNormal([256, 512], nonlinearity: "relu", generator: RandomGenerator(seed: 8)),
                     std: (2.0 / 512).squareRoot(), "kaimingNormal fanIn")
        // Conv [256, 64, 3, 3] in fan_out mode: fanOut = 256·9 = 2304.
        expectNormal(Init.kaimingNormal([256, 64, 3, 3], mode: .fanOut, nonlinearity: "relu", generator: RandomGenerator(seed: 9)),
                     std: (2.0 / 2304).squareRoot(), "kaimingNormal conv fanOut")
        // a = √5 leaky ReLU: gain √(2/6), std = gain/√fanIn.
        expectNormal(Init.kaimingNormal([256, 512], a: Float(5).squareRoot(), generator: RandomGenerator(seed: 10)),
                     std: Float(1.0 / 3.0).squareRoot() / Float(512).squareRoot(), "kaimingNormal a=√5")
    }

    @Test func linearDefaultMatchesPyTorch() {
        // PyTorch nn.Linear: weight and bias both U(±1/√in).
        let layer = Linear(512, 256, generator: RandomGenerator(seed: 11))
        let bound = 1 / Float(512).squareRoot()
        expectUniform(layer.weight.value, bound: bound, "Linear weight")
        let b = Stats(layer.bias!.value)
        #expect(b.minimum >= -bound && b.maximum <= bound)
        #expect(b.maximum > 0.8 * bound && b.minimum < -0.8 * bound)  // 256 samples: P(miss) = 0.9^256 ≈ 2e-12
        #expect(b.std > 0.4 * Double(bound))
    }

    @Test func seededInitialisationIsReproducible() {
        let a = Linear(10, 5, generator: RandomGenerator(seed: 42)), b = Linear(10, 5, generator: RandomGenerator(seed: 42))
        #expect(a.weight.value.scalars == b.weight.value.scalars)
        #expect(a.bias!.value.scalars == b.bias!.value.scalars)
        let c = Linear(10, 5, generator: RandomGenerator(seed: 43))
        #expect(a.weight.value.scalars != c.weight.value.scalars)
    }
}
