import Foundation
import Testing
@testable import SynapseCore

/// Small-batch inference rows with many zero inputs (images' backgrounds, ReLU outputs) skip them
/// through column panels. The path must give each output as the ascending sum of its products, keep
/// NaN where PyTorch has it, and depend on the data alone: the same weights and input give the same
/// bits however often, in whichever order, and at whatever team size they run.
struct ZeroSkippingLinearTests {
    /// `[m, k]` with about half its entries exactly zero (more where `zeroFraction` says so).
    static func sparseInput(_ m: Int, _ k: Int, zeroFraction: Float = 0.5, seed: UInt64) -> Tensor {
        let g = RandomGenerator(seed: seed)
        let values = Tensor.randn([m, k], generator: g), keep = Tensor.rand([m, k], generator: g)
        return Tensor(shape: [m, k], scalars: zip(values.scalars, keep.scalars).map { $1 < zeroFraction ? 0 : $0 })
    }

    /// act(b[j] + Σ_t x[r, t]·w[j, t]) in double precision.
    static func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor?, relu: Bool) -> [Double] {
        let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var y = [Double](repeating: 0, count: m * n)
        for r in 0..<m {
            for j in 0..<n {
                var s = Double(bs?[j] ?? 0)
                for t in 0..<k { s += Double(xs[r * k + t]) * Double(ws[j * k + t]) }
                y[r * n + j] = relu ? Swift.max(s, 0) : s
            }
        }
        return y
    }

    /// Each output as the panel path sums it: products of the nonzero inputs in ascending order
    /// (fused multiply-adds where the kernel's variant has them, else rounded products), then the bias.
    static func ascendingSums(_ x: Tensor, _ w: Tensor, _ b: Tensor?, fused: Bool) -> [Float] {
        let (m, k, n) = (x.shape[0], x.shape[1], w.shape[0])
        let xs = x.scalars, ws = w.scalars, bs = b?.scalars
        var y = [Float](repeating: 0, count: m * n)
        for r in 0..<m {
            for j in 0..<n {
                var acc: Float = 0
                for t in 0..<k where xs[r * k + t] != 0 {
                    acc = fused ? acc.addingProduct(ws[j * k + t], xs[r * k + t]) : acc + ws[j * k + t] * xs[r * k + t]
                }
                y[r * n + j] = acc + (bs?[j] ?? 0)
            }
        }
        return y
    }

    static func infer(_ x: Tensor, _ w: Tensor, _ b: Tensor?, relu: Bool = false) -> Tensor {
        withoutGradients { linear(x, weight: w, bias: b, activation: relu ? .relu : .none) }
    }

    @Test(arguments: [(1, 784, 512), (3, 300, 301), (2, 256, 257), (7, 512, 256)])
    func sparseRowsAgreeWithADoublePrecisionReference(_ dims: (Int, Int, Int)) {
        let (m, k, n) = dims
        let g = RandomGenerator(seed: UInt64(k + n))
        let x = Self.sparseInput(m, k, seed: UInt64(m + k)), w = Tensor.randn([n, k], generator: g), b = Tensor.randn([n], generator: g)
        for relu in [false, true] {
            let y = Self.infer(x, w, b, relu: relu).scalars, expected = Self.reference(x, w, b, relu: relu)
            for (got, want) in zip(y, expected) {
                #expect(abs(Double(got) - want) <= 1e-5 * abs(want) + 2e-5 * Double(k).squareRoot(), "m=\(m) k=\(k) n=\(n) relu=\(relu)")
            }
        }
    }

    @Test func eachOutputIsTheAscendingSumOfItsNonzeroProducts() {
        let x = Self.sparseInput(2, 784, seed: 3), w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 4))
        let b = Tensor.randn([512], generator: RandomGenerator(seed: 5))
        let y = Self.infer(x, w, b).scalars
        // Either summation the kernel's instruction set gives, each matched exactly (not within a tolerance).
        let matchesOne = y == Self.ascendingSums(x, w, b, fused: true) || y == Self.ascendingSums(x, w, b, fused: false)
        #expect(matchesOne)
        // And it is not the dense path's order: the test would pass vacuously if the panels never ran.
        let dense = SmallLinear.$skipsZeroInputs.withValue(false) { Self.infer(x, w, b).scalars }
        #expect(dense != y)
    }

    @Test func rowsWiderThanOneIndexChunkAreStillTheAscendingSum() {
        // 5,000 inputs: three chunks of the kernel's 2,048-entry index list, resumed from partial sums.
        // Rows on both sides of the sparse threshold, with and without ReLU, on every call.
        let k = 5000, n = 130
        let w = Tensor.randn([n, k], generator: RandomGenerator(seed: 40)), b = Tensor.randn([n], generator: RandomGenerator(seed: 41))
        let sparse = Self.sparseInput(2, k, zeroFraction: 0.6, seed: 42)
        let y = Self.infer(sparse, w, b).scalars
        #expect(y == Self.ascendingSums(sparse, w, b, fused: true) || y == Self.ascendingSums(sparse, w, b, fused: false))
        #expect(y != SmallLinear.$skipsZeroInputs.withValue(false) { Self.infer(sparse, w, b).scalars })
        #expect(Self.infer(sparse, w, b).scalars == y)
        let relu = Self.infer(sparse, w, b, relu: true).scalars
        #expect(relu == y.map { $0 < 0 ? 0 : $0 })
        // A dense row of the same width stays on the row kernel, bit for bit.
        let dense = Self.sparseInput(1, k, zeroFraction: 0.1, seed: 43)
        #expect(Self.infer(dense, w, b).scalars == SmallLinear.$skipsZeroInputs.withValue(false) { Self.infer(dense, w, b).scalars })
    }

    @Test func sameWeightsAndInputGiveTheSameBitsOnEveryCall() {
        let w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 6)), b = Tensor.randn([512])
        let x = Self.sparseInput(1, 784, seed: 7)
        // The first call packs the panels; every later call runs on them: all must agree bit for bit.
        let first = Self.infer(x, w, b).scalars
        for _ in 0..<5 { #expect(Self.infer(x, w, b).scalars == first) }
        // A copy of the weights in another buffer (packed afresh) gives the same bits too.
        let copy = Tensor(shape: w.shape, scalars: w.scalars)
        #expect(Self.infer(x, copy, b).scalars == first)
    }

    @Test func theTeamSizeDoesNotChangeTheBits() {
        let w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 8)), b = Tensor.randn([512])
        let x = Self.sparseInput(3, 784, seed: 9)
        let team = Self.infer(x, w, b).scalars
        ThreadPool.setCallingThreadSerial(true)
        defer { ThreadPool.setCallingThreadSerial(false) }
        #expect(Self.infer(x, w, b).scalars == team)
    }

    @Test func denseRowsTakeTheDensePathBitForBit() {
        // No zeros: the row kernel runs whether skipping is on or off.
        let w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 10)), b = Tensor.randn([512])
        let x = Tensor.randn([2, 784], generator: RandomGenerator(seed: 11))
        let on = Self.infer(x, w, b).scalars
        #expect(on == SmallLinear.$skipsZeroInputs.withValue(false) { Self.infer(x, w, b).scalars })
    }

    @Test func anInfiniteWeightMeetingAZeroInputStillGivesNaN() {
        // 0·inf is NaN in PyTorch: skipping the zero input would hide it, so such weights run dense.
        var ws = Tensor.randn([300, 400], generator: RandomGenerator(seed: 12)).scalars
        ws[5 * 400 + 0] = .infinity
        let w = Tensor(shape: [300, 400], scalars: ws)
        var xs = Self.sparseInput(1, 400, seed: 13).scalars
        xs[0] = 0
        let x = Tensor(shape: [1, 400], scalars: xs)
        for _ in 0..<3 {
            let y = Self.infer(x, w, nil).scalars
            #expect(y[5].isNaN)
            #expect(y.enumerated().allSatisfy { $0.offset == 5 || $0.element.isFinite })
        }
    }

    @Test func nonFiniteInputsPropagate() {
        let w = Tensor.randn([300, 400], generator: RandomGenerator(seed: 14))
        for bad in [Float.nan, .infinity] {
            var xs = Self.sparseInput(1, 400, seed: 15).scalars
            xs[17] = bad
            let y = Self.infer(Tensor(shape: [1, 400], scalars: xs), w, nil).scalars
            // inf·w is ±inf, or NaN where w is 0; NaN·w is NaN: no output stays finite.
            #expect(y.allSatisfy { !$0.isFinite }, "input \(bad)")
        }
    }

    @Test func weightsChangedInPlaceAreRepacked() {
        var w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 16))
        let x = Self.sparseInput(1, 784, seed: 17)
        for _ in 0..<(PackedWeightCache.stableUses + 1) { _ = Self.infer(x, w, nil) }
        w.withUnsafeMutableBufferPointer { buffer in
            for i in buffer.indices { buffer[i] *= -2 }
        }
        let after = Self.infer(x, w, nil).scalars, expected = Self.reference(x, w, nil, relu: false)
        for (got, want) in zip(after, expected) { #expect(abs(Double(got) - want) <= 1e-5 * abs(want) + 1e-3) }
        #expect(PackedWeightCache.shared.columnPanelStatus(w) == .packed)
    }

    @Test func weightsThatChangeBetweenCallsStopBeingPacked() {
        // Online learning: an update between every two calls. After two short-lived versions the
        // weight stays on the dense path, and its results are the dense path's bit for bit.
        var w = Tensor.randn([300, 400], generator: RandomGenerator(seed: 18))
        let x = Self.sparseInput(1, 400, seed: 19)
        for step in 0..<4 {
            let y = Self.infer(x, w, nil).scalars, expected = Self.reference(x, w, nil, relu: false)
            for (got, want) in zip(y, expected) { #expect(abs(Double(got) - want) <= 1e-5 * abs(want) + 1e-3, "step \(step)") }
            w.withUnsafeMutableBufferPointer { $0[0] += 0.5 }
        }
        #expect(PackedWeightCache.shared.columnPanelStatus(w) == .dense)
        let stillDense = Self.infer(x, w, nil).scalars
        #expect(stillDense == SmallLinear.$skipsZeroInputs.withValue(false) { Self.infer(x, w, nil).scalars })
    }

    @Test func aLayerFedOnlyDenseRowsKeepsNoCopy() {
        let w = Tensor.randn([512, 784], generator: RandomGenerator(seed: 22))
        for _ in 0..<3 { _ = Self.infer(Tensor.randn([2, 784]), w, nil) }
        #expect(PackedWeightCache.shared.columnPanelStatus(w) == nil)
        _ = Self.infer(Self.sparseInput(1, 784, seed: 23), w, nil)
        #expect(PackedWeightCache.shared.columnPanelStatus(w) == .packed)
    }

    @Test func panelsPastTheBudgetAreNeverMadeAndNeverEvicted() {
        // A cache of 1 MiB: the 1.6 MB copy does not fit, so that weight stays dense for good (and
        // never switches paths when room appears); a 256 KB one fits and stays.
        let cache = PackedWeightCache(limitBytes: 1 << 20)
        let big = Tensor.randn([512, 784]), small = Tensor.randn([128, 512])
        #expect(cache.columnPanels(big) == nil)
        #expect(cache.columnPanelStatus(big) == .dense)
        #expect(cache.columnPanels(small) != nil)
        for _ in 0..<3 { #expect(cache.columnPanels(big) == nil) }
        #expect(cache.columnPanelStatus(small) == .packed)
    }

    @Test func aChainGivesItsLayersBitsOnTheFirstCall() {
        // Packing happens on first sight, so a chain and its layers run the same paths from the start.
        let g = RandomGenerator(seed: 20)
        let layers = [(784, 512), (512, 256), (256, 10)].map { (k, n) in
            LinearChainLayer(weight: Tensor.randn([n, k], generator: g) * 0.05, bias: Tensor.randn([n], generator: g), relu: n != 10)
        }
        let x = Self.sparseInput(1, 784, seed: 21)
        let chained = withoutGradients { linearChain(x, layers) }
        var h = x
        for layer in layers { h = Self.infer(h, layer.weight, layer.bias, relu: layer.relu) }
        #expect(chained?.scalars == h.scalars)
    }
}
