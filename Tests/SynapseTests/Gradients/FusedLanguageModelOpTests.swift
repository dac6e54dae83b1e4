import Foundation
import Synchronization
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN
import SynapseTestSupport

/// The fused ops behind the language-model layers — cross-entropy rows, causal softmax, layer norm
/// rows and the LSTM time loop — against finite differences and against the composite formulas
/// they replace (values and gradients).
@Suite("Gradients: fused language-model ops")
struct FusedLanguageModelOpTests {
    /// Values and gradients of `fused` and `reference` at the same inputs.
    private func compare(_ name: String, _ inputs: [Tensor], rtol: Double = 1e-5, atol: Double = 1e-6,
                         sourceLocation: SourceLocation = #_sourceLocation,
                         fused: ([Tensor]) -> Tensor, reference: ([Tensor]) -> Tensor) {
        let a = inputs.map { $0.detached().requiringGrad() }, b = inputs.map { $0.detached().requiringGrad() }
        let ya = fused(a), yb = reference(b)
        expectClose(ya, yb, rtol: rtol, atol: atol, "\(name) value", sourceLocation: sourceLocation)
        let w = FiniteDifference.weights(like: ya.shape)
        ya.backward(w)
        yb.backward(w)
        for i in inputs.indices {
            guard let ga = a[i].grad, let gb = b[i].grad else {
                Issue.record("\(name): input \(i) got no gradient", sourceLocation: sourceLocation)
                continue
            }
            expectClose(ga, gb, rtol: rtol, atol: atol, "\(name) gradient \(i)", sourceLocation: sourceLocation)
        }
    }

    // MARK: cross-entropy

    @Test("crossEntropyRows vs finite differences, with an ignored row")
    func crossEntropyRowsGradient() {
        let target = [2, 0, -100, 4, 1]
        FiniteDifference.check("crossEntropyRows", [GradientInputs.normal([5, 6], seed: 1, std: 2)]) { x in
            crossEntropyRows(x[0], target, ignoreIndex: -100)
        }
    }

    @Test("crossEntropy (fused) equals log-softmax + NLL for every reduction", arguments: [Reduction.mean, .sum, .none])
    func crossEntropyMatchesComposite(reduction: Reduction) {
        let target = IntTensor([3, 0, 7, 7, 2, 5, 1, 6])
        let x = GradientInputs.normal([8, 9], seed: 2, std: 3)
        compare("crossEntropy \(reduction)", [x], fused: { crossEntropy($0[0], target, reduction: reduction) },
                reference: { nllLoss(logSoftmax($0[0], dim: 1), target, reduction: reduction) })
        let ignoring = IntTensor([3, 1, 7, 1, 2, 5, 1, 6])
        compare("crossEntropy ignoreIndex \(reduction)", [x],
                fused: { crossEntropy($0[0], ignoring, ignoreIndex: 1, reduction: reduction) },
                reference: { nllLoss(logSoftmax($0[0], dim: 1), ignoring, ignoreIndex: 1, reduction: reduction) })
    }

    @Test("crossEntropy over a 193-class vocabulary matches the composite (vectorised rows and tails)")
    func crossEntropyLargeVocabulary() {
        let g = RandomGenerator(seed: 3)
        let target = IntTensor((0..<37).map { _ in g.nextInt(below: 193) })
        compare("crossEntropy vocab", [GradientInputs.normal([37, 193], seed: 4, std: 4)], rtol: 1e-4, atol: 1e-6,
                fused: { crossEntropy($0[0], target) },
                reference: { nllLoss(logSoftmax($0[0], dim: 1), target) })
    }

    /// One combination of cross-entropy options for the tests below.
    struct CrossEntropyOptions: Sendable, CustomTestStringConvertible {
        let weighted: Bool, smoothing: Float, ignoring: Bool, reduction: Reduction
        var testDescription: String {
            "weight \(weighted), ε \(smoothing), ignoreIndex \(ignoring), \(reduction)"
        }
        /// Every combination of weights, smoothing and an ignored row, for each reduction.
        static let all: [CrossEntropyOptions] = [false, true].flatMap { w in
            [Float(0), 0.2, 1].flatMap { e in
                [false, true].flatMap { i in [Reduction.mean, .sum, .none].map { CrossEntropyOptions(weighted: w, smoothing: e, ignoring: i, reduction: $0) } }
            }
        }
    }

    /// PyTorch's definition written out with primitive ops: per row
    /// (1 − ε)·w[t]·(−log p[t]) + ε/C·Σ_j w[j]·(−log p[j]), 0 for ignored rows; the mean divides by
    /// Σ w[t] over the kept rows.
    private func crossEntropyReference(_ x: Tensor, _ target: [Int], weight: [Float]?, smoothing: Float,
                                       ignoreIndex: Int, reduction: Reduction) -> Tensor {
        let (n, c) = (x.shape[0], x.shape[1])
        let w = weight ?? [Float](repeating: 1, count: c)
        let keep = target.map { $0 == ignoreIndex ? Float(0) : 1 }
        let onehot = Tensor(shape: [n, c], scalars: (0..<n * c).map { k in
            target[k / c] == k % c ? Float(1) : 0
        })
        let logp = logSoftmax(x, dim: 1)
        let wt = Tensor((0..<n).map { target[$0] == ignoreIndex ? 0 : w[target[$0]] })
        let nll = -(logp * onehot).sum(dim: 1) * wt
        let smooth = -(logp * Tensor(shape: [1, c], scalars: w)).sum(dim: 1) * Tensor(keep)
        let rows = nll * (1 - smoothing) + smooth * (smoothing / Float(c))
        switch reduction {
        case .none: return rows
        case .sum: return rows.sum()
        case .mean: return rows.sum() / wt.scalars.reduce(0, +)
        }
    }

    @Test("crossEntropy with class weights, label smoothing and ignoreIndex: values and gradients match the definition",
          arguments: CrossEntropyOptions.all)
    func crossEntropyOptionsMatchDefinition(options o: CrossEntropyOptions) {
        let target = o.ignoring ? [3, -100, 0, 4, 4, -100, 1] : [3, 2, 0, 4, 4, 1, 1]
        let weight: [Float]? = o.weighted ? [0.5, 1, 2, 1.5, 0.25] : nil
        let x = GradientInputs.normal([7, 5], seed: 30, std: 2)
        compare("crossEntropy \(o.testDescription)", [x], rtol: 1e-5, atol: 1e-6,
                fused: { crossEntropy($0[0], IntTensor(target), weight: weight.map { Tensor($0) },
                                      labelSmoothing: o.smoothing, reduction: o.reduction) },
                reference: { crossEntropyReference($0[0], target, weight: weight, smoothing: o.smoothing,
                                                   ignoreIndex: -100, reduction: o.reduction) })
        FiniteDifference.check("crossEntropy \(o.testDescription)", [x]) { x in
            crossEntropy(x[0], IntTensor(target), weight: weight.map { Tensor($0) }, labelSmoothing: o.smoothing,
                         reduction: o.reduction)
        }
    }

    @Test("crossEntropy with weights and smoothing over a 193-class vocabulary (vectorised smoothing sum and tails)")
    func crossEntropyOptionsLargeVocabulary() {
        let g = RandomGenerator(seed: 31)
        let target = (0..<37).map { _ in g.nextInt(below: 193) }
        let weight = (0..<193).map { _ in Float(g.nextInt(below: 100)) / 50 + 0.1 }
        compare("crossEntropy vocab weighted smoothed", [GradientInputs.normal([37, 193], seed: 32, std: 4)],
                rtol: 1e-4, atol: 1e-6,
                fused: { crossEntropy($0[0], IntTensor(target), weight: Tensor(weight), labelSmoothing: 0.1) },
                reference: { crossEntropyReference($0[0], target, weight: weight, smoothing: 0.1, ignoreIndex: -100,
                                                   reduction: .mean) })
    }

    // MARK: causal attention

    @Test("causalSoftmax vs finite differences", arguments: [[2, 5, 5], [3, 4, 6], [1, 6, 4]])
    func causalSoftmaxGradient(shape: [Int]) {
        FiniteDifference.check("causalSoftmax \(shape)", [GradientInputs.normal(shape, seed: 5)]) { x in
            causalSoftmax(x[0], scale: 0.7)
        }
    }

    @Test("causal attention (fused) equals attention with an explicit causal mask",
          arguments: [(5, 5), (3, 7), (7, 3), (19, 19)])
    func causalAttentionMatchesMask(lengths: (Int, Int)) {
        let (l, s) = lengths
        let q = GradientInputs.normal([2, 3, l, 4], seed: 6), k = GradientInputs.normal([2, 3, s, 4], seed: 7)
        let v = GradientInputs.normal([2, 3, s, 5], seed: 8)
        compare("causal attention L=\(l) S=\(s)", [q, k, v],
                fused: { scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2], isCausal: true) },
                reference: {
                    scaledDotProductAttention(query: $0[0], key: $0[1], value: $0[2],
                                              attentionMask: causalAttentionMask(queryLength: l, keyLength: s))
                })
    }

    @Test("MultiheadAttention isCausal (fused) equals its explicit causal mask")
    func multiheadCausal() {
        let m = MultiheadAttention(dModel: 8, numHeads: 2, batchFirst: true, generator: RandomGenerator(seed: 9))
        let x = GradientInputs.normal([2, 6, 8], seed: 10)
        compare("MHA causal", [x],
                fused: { m($0[0], $0[0], $0[0], needWeights: false, isCausal: true).output },
                reference: {
                    m($0[0], $0[0], $0[0], attentionMask: causalAttentionMask(queryLength: 6, keyLength: 6),
                      needWeights: false).output
                })
    }

    // MARK: layer norm

    @Test("layerNorm (fused) vs finite differences, with weight and bias over two dimensions")
    func layerNormGradient() {
        FiniteDifference.check("layerNorm", [GradientInputs.normal([3, 2, 4], seed: 11), GradientInputs.normal([2, 4], seed: 12),
                                             GradientInputs.normal([2, 4], seed: 13)]) { x in
            layerNorm(x[0], normalizedShape: [2, 4], weight: x[1], bias: x[2])
        }
    }

    @Test("layerNorm (fused) equals the composite formula, with and without affine parameters")
    func layerNormMatchesComposite() {
        let x = GradientInputs.normal([37, 131], seed: 14, std: 3) + 5
        let w = GradientInputs.normal([131], seed: 15), b = GradientInputs.normal([131], seed: 16)
        compare("layerNorm affine", [x, w, b], rtol: 1e-4, atol: 1e-5,
                fused: { layerNorm($0[0], normalizedShape: [131], weight: $0[1], bias: $0[2]) },
                reference: { layerNormComposite($0[0], normalizedShape: [131], weight: $0[1], bias: $0[2]) })
        compare("layerNorm plain", [x], rtol: 1e-4, atol: 1e-5,
                fused: { layerNorm($0[0], normalizedShape: [131]) },
                reference: { layerNormComposite($0[0], normalizedShape: [131]) })
        compare("layerNorm weight only", [x, w], rtol: 1e-4, atol: 1e-5,
                fused: { layerNorm($0[0], normalizedShape: [131], weight: $0[1]) },
                reference: { layerNormComposite($0[0], normalizedShape: [131], weight: $0[1]) })
    }

    // MARK: LSTM

    /// Many threads running the same LSTM shape at once share one cached oneDNN matmul primitive for
    /// the recurrent products; every thread must still get exactly the serial result (before the
    /// primitive's executions were serialised, concurrent runs silently corrupted each other).
    @Test("lstmRecurrence from concurrent threads equals the serial result, bit for bit")
    func lstmRecurrenceIsThreadSafe() {
        let gatesX = GradientInputs.normal([16, 3, 32], seed: 31), w = GradientInputs.normal([32, 8], seed: 32, std: 0.5)
        let b = GradientInputs.normal([32], seed: 33), h0 = GradientInputs.normal([3, 8], seed: 34)
        let c0 = GradientInputs.normal([3, 8], seed: 35)
        // The op returns the outputs followed by h_n and c_n: [T + 2, N, hidden].
        let upstream = FiniteDifference.weights(like: [18, 3, 8])
        @Sendable func run() -> [[Float]] {
            let x = gatesX.detached().requiringGrad(), wh = w.detached().requiringGrad()
            let y = lstmRecurrence(x, weightHH: wh, biasHH: b, h0: h0, c0: c0, reverse: false)
            y.backward(upstream)
            return [y.scalars, x.grad?.scalars ?? [], wh.grad?.scalars ?? []]
        }
        let serial = run()
        let results = Mutex<[[[Float]]]>([])
        onOwnThreads(8) { _ in
            for _ in 0..<20 {
                let r = run()
                results.withLock { $0.append(r) }
            }
        }
        let all = results.withLock { $0 }
        #expect(all.count == 160)
        #expect(all.allSatisfy { $0 == serial }, "\(all.filter { $0 != serial }.count) of \(all.count) concurrent runs differ from the serial run")
    }

    @Test("lstmRecurrence vs finite differences, both directions, with and without b_hh", arguments: [false, true])
    func lstmRecurrenceGradient(reverse: Bool) {
        let inputs = [GradientInputs.normal([4, 2, 12], seed: 17), GradientInputs.normal([12, 3], seed: 18, std: 0.5),
                      GradientInputs.normal([12], seed: 19), GradientInputs.normal([2, 3], seed: 20),
                      GradientInputs.normal([2, 3], seed: 21)]
        FiniteDifference.check("lstmRecurrence reverse=\(reverse)", inputs) { a in
            lstmRecurrence(a[0], weightHH: a[1], biasHH: a[2], h0: a[3], c0: a[4], reverse: reverse)
        }
        FiniteDifference.check("lstmRecurrence no bias reverse=\(reverse)", [inputs[0], inputs[1], inputs[3], inputs[4]]) { a in
            lstmRecurrence(a[0], weightHH: a[1], biasHH: nil, h0: a[2], c0: a[3], reverse: reverse)
        }
    }

    /// Sequences shorter than `RepeatedMatmul.minimumUses` run the recurrent products on plain sgemm
    /// (longer ones on the packed oneDNN primitive): both paths, including hidden size 1.
    @Test("lstmRecurrence on short sequences (sgemm path) vs finite differences", arguments: [1, 3])
    func lstmRecurrenceShort(hidden: Int) {
        let steps = 3   // below RepeatedMatmul.minimumUses (4)
        let inputs = [GradientInputs.normal([steps, 2, 4 * hidden], seed: 27), GradientInputs.normal([4 * hidden, hidden], seed: 28, std: 0.5),
                      GradientInputs.normal([4 * hidden], seed: 29), GradientInputs.normal([2, hidden], seed: 30),
                      GradientInputs.normal([2, hidden], seed: 31)]
        for reverse in [false, true] {
            FiniteDifference.check("lstmRecurrence short hidden=\(hidden) reverse=\(reverse)", inputs) { a in
                lstmRecurrence(a[0], weightHH: a[1], biasHH: a[2], h0: a[3], c0: a[4], reverse: reverse)
            }
        }
    }

    /// A batch-first LSTM and an LSTMCell holding the same weights (the reference steps).
    private static func lstmAndCell(inputSize: Int, hiddenSize: Int, seed: UInt64) -> (LSTM, LSTMCell) {
        let lstm = LSTM(inputSize: inputSize, hiddenSize: hiddenSize, batchFirst: true, generator: RandomGenerator(seed: seed))
        let cell = LSTMCell(inputSize: inputSize, hiddenSize: hiddenSize, generator: RandomGenerator(seed: seed + 1))
        cell.weightIH.value = lstm.weightIH().value
        cell.weightHH.value = lstm.weightHH().value
        cell.biasIH!.value = lstm.biasIH()!.value
        cell.biasHH!.value = lstm.biasHH()!.value
        return (lstm, cell)
    }

    @Test("LSTM (fused time loop) equals LSTMCell steps, hidden size 37 (vector tails)")
    func lstmMatchesCells() {
        let (lstm, cell) = Self.lstmAndCell(inputSize: 5, hiddenSize: 37, seed: 22)
        let x = GradientInputs.normal([3, 6, 5], seed: 24)
        let h0 = GradientInputs.normal([1, 3, 37], seed: 25), c0 = GradientInputs.normal([1, 3, 37], seed: 26)
        compare("LSTM vs cells", [x, h0, c0], rtol: 1e-4, atol: 1e-5,
                fused: { a in
                    let r = lstm(a[0], (a[1], a[2]))
                    return Tensor.cat([r.output.flattened(), r.hN.flattened(), r.cN.flattened()], dim: 0)
                },
                reference: { a in
                    var state = (h: a[1].select(dim: 0, index: 0), c: a[2].select(dim: 0, index: 0))
                    var outs: [Tensor] = []
                    for t in 0..<6 {
                        state = cell(a[0].select(dim: 1, index: t), state)
                        outs.append(state.h)
                    }
                    return Tensor.cat([Tensor.stack(outs, dim: 1).flattened(), state.h.flattened(), state.c.flattened()], dim: 0)
                })
    }

    /// The layer splits the fused op's [T + 2, N, H] result into the outputs, h_n and c_n; a loss on
    /// the final state alone leaves the outputs' piece without a gradient (it must read as zeros).
    @Test("LSTM gradients through the final state alone equal LSTMCell steps")
    func lstmFinalStateOnly() {
        let (lstm, cell) = Self.lstmAndCell(inputSize: 4, hiddenSize: 19, seed: 32)
        let x = GradientInputs.normal([2, 5, 4], seed: 34)
        let h0 = GradientInputs.normal([1, 2, 19], seed: 35), c0 = GradientInputs.normal([1, 2, 19], seed: 36)
        compare("LSTM final state vs cells", [x, h0, c0], rtol: 1e-4, atol: 1e-5,
                fused: { a in
                    let r = lstm(a[0], (a[1], a[2]))
                    return Tensor.cat([r.hN.flattened(), r.cN.flattened() * 0.5], dim: 0)
                },
                reference: { a in
                    var state = (h: a[1].select(dim: 0, index: 0), c: a[2].select(dim: 0, index: 0))
                    for t in 0..<5 { state = cell(a[0].select(dim: 1, index: t), state) }
                    return Tensor.cat([state.h.flattened(), state.c.flattened() * 0.5], dim: 0)
                })
    }
}
