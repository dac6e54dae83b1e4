import Testing
@testable import SynapseCore

/// NaN propagates through every activation, reduction, max/min, clamp and max-pool as in PyTorch,
/// on the vectorised loops and their scalar tails: lengths below, at and above one 16-lane block,
/// with the NaN first, in the middle and last.
struct NaNPropagationTests {
    static let sizes = [1, 7, 16, 33, 1000]

    /// `n` finite values in [-2, 2) with NaN at `at`.
    static func values(_ n: Int, nanAt at: Int) -> [Float] {
        var v = (0..<n).map { Float(($0 * 37) % 40) / 10 - 2 }
        v[at] = .nan
        return v
    }

    /// First, middle and last index of a length-`n` buffer.
    static func positions(_ n: Int) -> [Int] { Array(Set([0, n / 2, n - 1])).sorted() }

    static var activations: [(String, (Tensor) -> Tensor)] {
        [
            ("relu", relu), ("leakyRelu", { leakyRelu($0) }), ("elu", { elu($0) }), ("selu", selu), ("silu", silu),
            ("gelu", { gelu($0) }), ("gelu(tanh)", { gelu($0, approximate: .tanh) }), ("softplus", { softplus($0) }),
            ("sigmoid", sigmoid), ("tanh", tanh), ("exp", exp), ("log", log), ("abs", abs), ("square", square),
            ("clamp", { clamp($0, min: -1, max: 1) }), ("hardtanh-like clamp", { clamp($0, min: 0, max: 6) }),
        ]
    }

    @Test(arguments: sizes)
    func activationsPropagateNaNAndKeepTheOtherValues(n: Int) {
        for (name, f) in Self.activations {
            for at in Self.positions(n) {
                let x = Self.values(n, nanAt: at)
                let y = f(Tensor(x)).scalars
                #expect(y[at].isNaN, "\(name)(NaN) at \(at) of \(n) is \(y[at])")
                // Every other element is what the op gives without the NaN.
                var clean = x
                clean[at] = 0.5
                let reference = f(Tensor(clean)).scalars
                for i in 0..<n where i != at {
                    #expect(y[i] == reference[i] || (y[i].isNaN && reference[i].isNaN), "\(name): element \(i) changed")
                }
            }
        }
    }

    @Test func reluKeepsZeroForNegativeZeroAndPassesPositives() {
        #expect(relu(Tensor([-0.0, -1, 2, .infinity, -.infinity])).scalars == [0, 0, 2, .infinity, 0])
    }

    /// PyTorch's backward formulas at a NaN input: relu/elu/selu test `x <= 0` (NaN takes the
    /// positive branch, passing dy), leaky relu tests `x > 0` (dy·slope), the others compute NaN.
    @Test func activationGradientsAtNaNFollowPyTorch() {
        func grad(_ f: (Tensor) -> Tensor) -> Float {
            let x = Tensor([Float.nan, 1]).requiringGrad()
            f(x).sum().backward()
            return x.grad!.scalars[0]
        }
        #expect(grad(relu) == 1)
        #expect(grad { elu($0) } == 1)
        #expect(abs(grad(selu) - 1.0507009) < 1e-6)
        #expect(abs(grad { leakyRelu($0, negativeSlope: 0.01) } - 0.01) < 1e-9)
        for (name, f) in [("sigmoid", sigmoid), ("tanh", tanh), ("exp", exp), ("silu", silu), ("square", square)] as [(String, (Tensor) -> Tensor)] {
            #expect(grad(f).isNaN, "\(name)'(NaN) is not NaN")
        }
        // A NaN upstream gradient reaches the input wherever the op passes dy on.
        let x = Tensor([Float(2), -1]).requiringGrad()
        relu(x).backward(Tensor([Float.nan, .nan]))
        #expect(x.grad!.scalars[0].isNaN && x.grad!.scalars[1] == 0)
    }

    @Test(arguments: sizes)
    func maxMinReductionsAndArgmaxPropagateNaN(n: Int) {
        for at in Self.positions(n) {
            let t = Tensor(Self.values(n, nanAt: at))
            #expect(t.max().item().isNaN && t.min().item().isNaN)
            #expect(t.argmax().scalars == [at], "argmax of a row with NaN at \(at)")
            let rows = Tensor(shape: [2, n], scalars: Self.values(n, nanAt: at) + (0..<n).map(Float.init))
            let m = rows.max(dim: 1).values.scalars
            #expect(m[0].isNaN && m[1] == Float(n - 1))
            // Softmax and logsumexp reduce with the vectorised row max: a NaN row stays NaN, the other row is untouched.
            let s = softmax(rows, dim: 1).scalars
            #expect(s[0..<n].allSatisfy { $0.isNaN })
            #expect(s[n...].allSatisfy { !$0.isNaN })
            #expect(rows.sum().item().isNaN)
        }
    }

    @Test(arguments: sizes)
    func maximumAndMinimumPropagateNaNFromEitherSide(n: Int) {
        for at in Self.positions(n) {
            let a = Tensor(Self.values(n, nanAt: at))
            let b = Tensor((0..<n).map { Float($0 % 3) - 1 })
            for (name, y) in [("maximum(a, b)", Tensor.maximum(a, b)), ("maximum(b, a)", Tensor.maximum(b, a)),
                              ("minimum(a, b)", Tensor.minimum(a, b)), ("minimum(b, a)", Tensor.minimum(b, a)),
                              ("maximum(a, scalar)", Tensor.maximum(a, Tensor(Float(0)))),
                              ("maximum(scalar, a)", Tensor.maximum(Tensor(Float(0)), a))] {
                #expect(y.scalars[at].isNaN, "\(name) lost the NaN at \(at) of \(n)")
                #expect(y.scalars.enumerated().allSatisfy { $0.offset == at || !$0.element.isNaN })
            }
        }
        // A broadcast column goes through the scalar fallback of the broadcasting kernel.
        let column = Tensor(shape: [2, 1], scalars: [.nan, 1])
        let y = Tensor.maximum(Tensor(shape: [2, 3], scalars: [0, 1, 2, 3, 4, 5]), column)
        #expect(y.scalars[0..<3].allSatisfy { $0.isNaN } && Array(y.scalars[3...]) == [3, 4, 5])
    }

    @Test func maxPoolPropagatesNaNOnTheFastAndGeneralPaths() {
        // 4×4 plane: the 2×2/stride-2 fast path, and a 3×3/stride-1 window (general path).
        var plane = (0..<16).map(Float.init)
        plane[5] = .nan   // inside the first 2×2 window, not its first element
        let x = Tensor(shape: [1, 1, 4, 4], scalars: plane)
        let fast = maxPool2d(x, kernelSize: (2, 2), stride: (2, 2)).scalars
        #expect(fast[0].isNaN && fast[1] == 7 && fast[2] == 13 && fast[3] == 15)
        let general = maxPool2d(x, kernelSize: (3, 3), stride: (1, 1)).scalars
        #expect(general.allSatisfy { $0.isNaN })
    }

    /// The vectorised 2×2/stride-2 path on planes wide enough for its vector body and remainder:
    /// values and the gradient's route match a direct reading of PyTorch's rule — the first
    /// maximum in row-major window order wins (ties from ReLU zeros, equal negatives), NaN wins.
    @Test func maxPoolFastPathKeepsTheFirstMaximumAndItsIndex() throws {
        let (planes, h, w) = (3, 6, 38)
        // Pairs of equal neighbours, shifted every 7 and 41 values: many ties, and negatives.
        var xs: [Float] = (0..<(planes * h * w)).map { (k: Int) -> Float in Float((k / 2 + k / 7 + k / 41) % 3) - 1 }
        xs[w + 9] = .nan
        xs[2 * h * w + 3 * w + 20] = -.infinity
        let x = Tensor(shape: [1, planes, h, w], scalars: xs).requiringGrad()
        let y = maxPool2d(x, kernelSize: (2, 2), stride: (2, 2))
        y.sum().backward()
        var expected: [Float] = [], route = [Float](repeating: 0, count: xs.count)
        for p in 0..<planes {
            for i in 0..<(h / 2) {
                for j in 0..<(w / 2) {
                    var best = -Float.infinity, at = -1
                    for (a, b) in [(0, 0), (0, 1), (1, 0), (1, 1)] {
                        let k = p * h * w + (2 * i + a) * w + 2 * j + b
                        if at < 0 || xs[k] > best || xs[k].isNaN { best = xs[k]; at = k }
                    }
                    expected.append(best)
                    route[at] += 1
                }
            }
        }
        #expect(zip(y.scalars, expected).allSatisfy { $0 == $1 || ($0.isNaN && $1.isNaN) })
        #expect(y.scalars.filter(\.isNaN).count == 1)
        #expect(try #require(x.grad).scalars == route)
    }

    /// Inference fuses ReLU into the linear layer (the small-batch kernel below 8 rows, a oneDNN
    /// post-op above): a NaN input row must give a NaN output row there too.
    @Test(arguments: [2, 64])
    func fusedLinearReLUPropagatesNaN(rows: Int) {
        let w = Tensor(shape: [5, 3], scalars: (0..<15).map { Float($0 % 7) - 3 })
        var xs = (0..<(rows * 3)).map { Float($0 % 5) - 2 }
        xs[3] = .nan   // row 1
        let y = withoutGradients { linear(Tensor(shape: [rows, 3], scalars: xs), weight: w, bias: Tensor([0, 0, 0, 0, 0]), activation: .relu) }
        let out = y.scalars
        #expect(out[5..<10].allSatisfy { $0.isNaN }, "row 1: \(Array(out[5..<10]))")
        #expect(out.enumerated().allSatisfy { $0.offset / 5 == 1 || !$0.element.isNaN })
    }

    @Test(arguments: sizes)
    func finiteCheckFindsEveryKindOfNonFiniteValueAnywhere(n: Int) {
        #expect(Tensor((0..<n).map { Float($0) - 3e38 / Float(n + 1) }).isAllFinite)
        for bad in [Float.nan, .infinity, -.infinity] {
            for at in Self.positions(n) {
                var v = (0..<n).map { Float($0) * 0.25 }
                v[at] = bad
                let t = Tensor(v)
                #expect(!t.isAllFinite, "\(bad) at \(at) of \(n) not found")
                let first = t.firstNonFinite()
                #expect(first?.index == at && first?.count == 1)
            }
        }
        #expect(Tensor(shape: [0], scalars: []).isAllFinite)
    }
}
