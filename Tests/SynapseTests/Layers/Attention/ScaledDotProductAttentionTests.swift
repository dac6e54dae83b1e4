import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

@Suite("Attention: scaledDotProductAttention vs PyTorch, masks and finite differences")
struct ScaledDotProductAttentionTests {
    @Test("golden: scaled_dot_product_attention_causal (output and q, k, v gradients)")
    func golden() throws {
        let args = try GoldenCallArguments(case: "scaled_dot_product_attention_causal")
        #expect(try args.bool("is_causal"))
        try Golden.check(GoldenOp("scaled_dot_product_attention_causal") { i in
            .y(scaledDotProductAttention(query: i["q"], key: i["k"], value: i["v"], isCausal: true))
        })
    }

    @Test("isCausal equals an explicit causal mask, and masks built from both boolean conventions agree")
    func maskConventions() {
        let q = GradientInputs.normal([2, 3, 4], seed: 1), k = GradientInputs.normal([2, 5, 4], seed: 2)
        let v = GradientInputs.normal([2, 5, 3], seed: 3)
        let causal = scaledDotProductAttention(query: q, key: k, value: v, isCausal: true)
        let explicit = scaledDotProductAttention(query: q, key: k, value: v,
                                                 attentionMask: causalAttentionMask(queryLength: 3, keyLength: 5))
        #expect(causal.scalars == explicit.scalars)
        let blocked = IntTensor(shape: [3, 5], scalars: (0..<15).map { ($0 % 5) > ($0 / 5) ? 1 : 0 })
        let allowed = IntTensor(shape: [3, 5], scalars: blocked.scalars.map { 1 - $0 })
        let a = scaledDotProductAttention(query: q, key: k, value: v, attentionMask: attentionMask(blocking: blocked))
        let b = scaledDotProductAttention(query: q, key: k, value: v, attentionMask: attentionMask(allowing: allowed))
        #expect(a.scalars == causal.scalars)
        #expect(b.scalars == causal.scalars)
        // Query 0 sees only key 0: its output is value row 0.
        #expect(causal.select(dim: 1, index: 0).isClose(to: v.select(dim: 1, index: 0), rtol: 1e-6, atol: 1e-6))
    }

    @Test("a reference computed by hand, with a custom scale and a broadcast [L, S] float mask")
    func reference() {
        let q = GradientInputs.normal([2, 2, 3], seed: 4), k = GradientInputs.normal([2, 4, 3], seed: 5)
        let v = GradientInputs.normal([2, 4, 2], seed: 6), mask = GradientInputs.normal([2, 4], seed: 7)
        let y = scaledDotProductAttention(query: q, key: k, value: v, attentionMask: mask, scale: 0.7)
        for b in 0..<2 {
            for i in 0..<2 {
                var scores = [Double](repeating: 0, count: 4)
                for j in 0..<4 {
                    var dot = 0.0
                    for e in 0..<3 { dot += Double(q.scalar(at: [b, i, e])) * Double(k.scalar(at: [b, j, e])) }
                    scores[j] = dot * 0.7 + Double(mask.scalar(at: [i, j]))
                }
                let m = scores.max()!, w = scores.map { Foundation.exp($0 - m) }, z = w.reduce(0, +)
                for c in 0..<2 {
                    let expected = (0..<4).reduce(0.0) { $0 + w[$1] / z * Double(v.scalar(at: [b, $1, c])) }
                    #expect(Swift.abs(Double(y.scalar(at: [b, i, c])) - expected) < 1e-5)
                }
            }
        }
    }

    @Test("finite differences: q, k, v with a padding-style mask, causal, and a float mask")
    func finiteDifferences() {
        let inputs = [GradientInputs.normal([2, 3, 4], seed: 21), GradientInputs.normal([2, 4, 4], seed: 22),
                      GradientInputs.normal([2, 4, 3], seed: 23)]
        let padding = attentionMask(blocking: IntTensor(shape: [2, 1, 4], scalars: [0, 0, 0, 1, 0, 0, 1, 1]))
        FiniteDifference.check("sdpa with key padding mask", inputs) { a in
            scaledDotProductAttention(query: a[0], key: a[1], value: a[2], attentionMask: padding)
        }
        FiniteDifference.check("sdpa causal", inputs) { a in
            scaledDotProductAttention(query: a[0], key: a[1], value: a[2], isCausal: true)
        }
        FiniteDifference.check("sdpa float mask (also differentiated)", inputs + [GradientInputs.normal([3, 4], seed: 24)]) { a in
            scaledDotProductAttention(query: a[0], key: a[1], value: a[2], attentionMask: a[3], scale: 0.3)
        }
    }
}
