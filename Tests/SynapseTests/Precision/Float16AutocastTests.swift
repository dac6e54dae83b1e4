import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// Float16 autocast: the rounding (against Swift's own IEEE `Float16` conversion, including overflow,
/// subnormals and underflow), what it rounds (operands of products and their incoming gradients — the
/// gradient underflow that loss scaling exists for), gradients against finite differences, and the
/// small CNN of `AutocastTests` against `torch.autocast("cpu", torch.float16)`.
///
/// Tolerances. A float16 operand rounds by ≤ 2⁻¹¹ relative, so a product differs from the Float32
/// one by at most 2⁻¹⁰·Σ|a||b|; against finite differences of the Float32 function a gradient passes
/// at max|autodiff − numeric| ≤ 5·10⁻³·max|numeric| (the finite differences' own noise is about 10⁻³).
@Suite struct Float16AutocastTests {
    static func rounded(_ t: Tensor) -> Tensor { withoutGradients { t.roundedToFloat16() } }

    @Test func roundingMatchesIEEEFloat16IncludingOverflowAndSubnormals() {
        let specials: [Float] = [
            0, -0, 1, -2.7, 65504, 65519.99, 65520, -65520, 1e6, .infinity, -.infinity,
            0x1p-14, 0x1p-14 * (1 - 0x1p-12), 0x1p-24, 0x1p-25, 0x1p-25 * 1.0001, 3 * 0x1p-25, 5 * 0x1p-25, 0x1p-26,
            1 + 0x1p-11, 1 + 3 * 0x1p-11, Float.leastNonzeroMagnitude, Float.greatestFiniteMagnitude,
        ]
        // And 20,000 random bit patterns spread over every exponent.
        let g = RandomGenerator(seed: 21)
        let random = (0..<20_000).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: g.next())) }.filter { !$0.isNaN }
        let values = specials + random
        let got = Tensor(values).roundedToFloat16().scalars
        var mismatches: [String] = []
        for (v, r) in zip(values, got) {
            let expected = Float(Float16(v))
            if r.bitPattern != expected.bitPattern { mismatches.append("\(v) → \(r), IEEE float16 gives \(expected)") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.prefix(5))")
        let overflow: [Float] = [got[5], got[6], got[7]], ties: [Float] = [got[14], got[15], got[16], got[17]]
        let expectedOverflow: [Float] = [65504, Float.infinity, -Float.infinity], expectedTies: [Float] = [0, 0x1p-24, 0x1p-23, 0x1p-23]
        #expect(overflow == expectedOverflow, "65520 is the tie that rounds to infinity")
        #expect(ties == expectedTies, "subnormal ties go to even")
        let nan = Tensor([.nan, -.nan]).roundedToFloat16().scalars
        let allNaN = nan.allSatisfy { $0.isNaN }
        #expect(allNaN)
        // The gradient of the cast is the straight-through one.
        let p = Tensor([0.3, 1e6]).requiringGrad()
        (p.roundedToFloat16() * Tensor([2, 5])).sum().backward()
        #expect(p.grad?.scalars == [2, 5])
    }

    @Test func productsRoundOperandsToFloat16() {
        let g = RandomGenerator(seed: 22)
        let x = Tensor.randn([3, 5, 40], generator: g), w = Tensor.randn([24, 40], generator: g), b = Tensor.randn([24], generator: g)
        let y = autocast(.float16) { linear(x, weight: w, bias: b) }
        let expected = linear(Self.rounded(x), weight: Self.rounded(w), bias: Self.rounded(b))
        #expect(AutocastTests.maxDifference(y, expected) <= 1e-5 * AutocastTests.largest(expected))
        let plain = linear(x, weight: w, bias: b)
        #expect(AutocastTests.maxDifference(y, plain) > 1e-5, "autocast changes the numbers")
        #expect(AutocastTests.maxDifference(y, plain) <= 0x1p-9 * AutocastTests.largest(plain))
        let bf16 = autocast(.bfloat16) { linear(x, weight: w, bias: b) }
        #expect(AutocastTests.maxDifference(y, plain) < AutocastTests.maxDifference(bf16, plain) / 4, "float16 keeps 3 more bits than bf16")

        let a = Tensor.randn([2, 4, 6], generator: g), c = Tensor.randn([6, 5], generator: g)
        let m = autocast(.float16) { matmul(a, c) }
        #expect(AutocastTests.maxDifference(m, matmul(Self.rounded(a), Self.rounded(c))) <= 1e-5 * AutocastTests.largest(m))

        for channels in [16, 1] {
            let xi = Tensor.randn([2, channels, 12, 12], generator: g), wi = Tensor.randn([8, channels, 3, 3], generator: g)
            let conv = autocast(.float16) { conv2d(xi, weight: wi, padding: (1, 1)) }
            let reference = conv2d(Self.rounded(xi), weight: Self.rounded(wi), padding: (1, 1))
            #expect(AutocastTests.maxDifference(conv, reference) <= 1e-5 * AutocastTests.largest(reference), "\(channels) channel(s)")
        }
        // An activation beyond float16's range becomes infinite on its way into the product, as in PyTorch.
        let big = autocast(.float16) { linear(Tensor([[70_000, 1]]), weight: Tensor([[1, 1]]), bias: nil) }
        #expect(big.scalars == [.infinity])
    }

    /// The reason for loss scaling: a gradient below float16's smallest subnormal vanishes on its way
    /// back through a float16 product, and the same gradient scaled by 2¹⁶ survives and unscales exactly.
    @Test func smallGradientsUnderflowUnlessScaled() throws {
        let x = Tensor([[1, 2, 3]]), upstream: Float = 1e-8   // below 2⁻²⁵ ≈ 3·10⁻⁸
        let w = Tensor([[0.5, -0.25, 1]]).requiringGrad()
        autocast(.float16) { linear(x, weight: w, bias: nil) }.backward(Tensor([[upstream]]))
        #expect(try #require(w.grad).scalars == [0, 0, 0], "the float16 gradient underflows to zero")

        let scaler = GradientScaler()
        let v = Parameter(Tensor([[0.5, -0.25, 1]]))
        scaler.scaled(autocast(.float16) { linear(x, weight: v.value, bias: nil) } * upstream).sum().backward()
        #expect(scaler.unscaleGradients(of: [v]))
        let grad = try #require(v.grad).scalars
        for (i, g) in grad.enumerated() {
            #expect(abs(g - upstream * Float(i + 1)) <= 1e-3 * upstream * Float(i + 1), "\(grad)")
        }
    }

    func checkGradients(_ inputs: [Tensor], _ op: @escaping ([Tensor]) -> Tensor) throws {
        try AutocastTests.checkGradients(inputs, precision: .float16, tolerance: 5e-3, op)
    }

    @Test func gradientsMatchFiniteDifferences() throws {
        let g = RandomGenerator(seed: 23)
        try checkGradients([Tensor.randn([2, 3, 7], generator: g), Tensor.randn([5, 7], generator: g), Tensor.randn([5], generator: g)]) {
            linear($0[0], weight: $0[1], bias: $0[2])
        }
        try checkGradients([Tensor.randn([2, 3, 4, 6], generator: g), Tensor.randn([3, 6, 5], generator: g)]) { matmul($0[0], $0[1]) }
        try checkGradients([Tensor.randn([2, 4, 6, 5], generator: g), Tensor.randn([6, 2, 3, 3], generator: g), Tensor.randn([6], generator: g)]) {
            conv2d($0[0], weight: $0[1], bias: $0[2], stride: (2, 1), padding: (1, 1), groups: 2)
        }
    }

    /// The CNN of `AutocastTests.smallNetworkMatchesPyTorchAutocast` under float16. PyTorch also
    /// rounds each product's result to float16 and runs the element-wise ops after it in float16;
    /// ours keeps Float32 results. Measured (difference ÷ largest element): against PyTorch float16
    /// autocast, logits 0.043%, loss 0.004%, gradients 0.03–0.10%; tolerance 0.25%, about 2.5× the
    /// largest. (Float16's 11 bits put all three — ours, PyTorch's, Float32 — within 0.1% of each
    /// other here; what float16 changes is checked exactly in `productsRoundOperandsToFloat16`.)
    @Test func smallNetworkMatchesPyTorchFloat16Autocast() throws {
        let f = try AutocastTests.fixture()
        for (name, ours) in try AutocastTests.fixtureNetwork(f, precision: .float16) {
            let expected = try f.tensor("f16.\(name)")
            let difference = AutocastTests.maxDifference(ours, expected) / AutocastTests.largest(expected)
            #expect(difference <= 0.0025, "\(name) vs PyTorch float16 autocast: \(difference) of the largest element")
        }
    }
}
