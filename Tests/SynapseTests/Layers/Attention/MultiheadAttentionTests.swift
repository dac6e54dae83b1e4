import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

@Suite("Attention: MultiheadAttention vs PyTorch, names and finite differences")
struct MultiheadAttentionTests {
    @Test("golden: multihead_attention_self_causal_padding (output, averaged weights, all gradients)")
    func golden() throws {
        let args = try ModuleGolden.arguments("multihead_attention_self_causal_padding")
        let mha = MultiheadAttention(dModel: 8, numHeads: 2, bias: try args.bool("bias"),
                                     batchFirst: try args.bool("batch_first"))
        try ModuleGolden.check("multihead_attention_self_causal_padding", module: mha) { i in
            let x = i["x"]
            // PyTorch bool masks (1 = may not attend) converted to additive masks.
            let r = mha(x, x, x, keyPaddingMask: attentionMask(blocking: i.int("key_padding_mask")),
                        attentionMask: attentionMask(blocking: i.int("attn_mask")), needWeights: true,
                        averageAttentionWeights: true, isCausal: false)
            return ["attn_output": r.output, "attn_weights": r.weights!]
        }
    }

    @Test("parameter names and shapes match PyTorch's state_dict")
    func names() {
        let mha = MultiheadAttention(dModel: 6, numHeads: 3)
        #expect(mha.namedParameters().map(\.0) == ["in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"])
        #expect(mha.parameters().map(\.shape) == [[18, 6], [18], [6, 6], [6]])
        #expect(mha.inProjBias!.value.scalars.allSatisfy { $0 == 0 })
        #expect(mha.outProj.bias!.value.scalars.allSatisfy { $0 == 0 })
        #expect(MultiheadAttention(dModel: 4, numHeads: 2, bias: false).namedParameters().map(\.0)
                == ["in_proj_weight", "out_proj.weight"])
    }

    @Test("layouts agree: batchFirst, sequence-first and unbatched; per-head weights average to the returned ones")
    func layouts() {
        let a = MultiheadAttention(dModel: 4, numHeads: 2, batchFirst: true, generator: RandomGenerator(seed: 1))
        let b = MultiheadAttention(dModel: 4, numHeads: 2, batchFirst: false, generator: RandomGenerator(seed: 1))
        let q = GradientInputs.normal([2, 3, 4], seed: 2), kv = GradientInputs.normal([2, 5, 4], seed: 3)
        let ra = a(q, kv, kv)
        let rb = b(q.transposed(0, 1), kv.transposed(0, 1), kv.transposed(0, 1))
        #expect(ra.output.isClose(to: rb.output.transposed(0, 1), rtol: 1e-5, atol: 1e-6))
        #expect(ra.weights!.shape == [2, 3, 5])
        let unbatched = a(q.select(dim: 0, index: 1), kv.select(dim: 0, index: 1), kv.select(dim: 0, index: 1))
        #expect(unbatched.output.isClose(to: ra.output.select(dim: 0, index: 1), rtol: 1e-5, atol: 1e-6))
        #expect(unbatched.weights!.shape == [3, 5])
        let perHead = a(q, kv, kv, averageAttentionWeights: false).weights!
        #expect(perHead.shape == [2, 2, 3, 5])
        #expect(perHead.mean(dim: 1).isClose(to: ra.weights!, rtol: 1e-5, atol: 1e-6))
        #expect(a(q, kv, kv, needWeights: false).weights == nil)
        // isCausal without a mask equals the explicit causal mask (up to rounding: it runs the fused
        // causal softmax, which scales inside the kernel).
        let causal = a(q, q, q, isCausal: true).output
        let explicit = a(q, q, q, attentionMask: causalAttentionMask(queryLength: 3, keyLength: 3)).output
        #expect(causal.isClose(to: explicit, rtol: 1e-5, atol: 1e-6))
        // A [N·H, L, S] mask equal to the [L, S] one for every head gives the same result.
        let m = causalAttentionMask(queryLength: 3, keyLength: 3)
        let perHeadMask = Tensor.stack([m, m, m, m], dim: 0)
        #expect(a(q, q, q, attentionMask: perHeadMask).output.scalars == explicit.scalars)
    }

    @Test("finite differences: inputs and all parameters, with causal and padding masks")
    func finiteDifferences() {
        let mha = MultiheadAttention(dModel: 4, numHeads: 2, batchFirst: true, generator: RandomGenerator(seed: 4))
        let padding = attentionMask(blocking: IntTensor(shape: [2, 4], scalars: [0, 0, 0, 1, 0, 0, 1, 1]))
        let inputs = [GradientInputs.normal([2, 3, 4], seed: 41), GradientInputs.normal([2, 4, 4], seed: 42),
                      GradientInputs.normal([12, 4], seed: 43, std: 0.5), GradientInputs.normal([12], seed: 44, std: 0.5),
                      GradientInputs.normal([4, 4], seed: 45, std: 0.5), GradientInputs.normal([4], seed: 46, std: 0.5)]
        FiniteDifference.check("MultiheadAttention(4, 2)", inputs) { a in
            mha.inProjWeight.value = a[2]
            mha.inProjBias!.value = a[3]
            mha.outProj.weight.value = a[4]
            mha.outProj.bias!.value = a[5]
            let r = mha(a[0], a[1], a[1], keyPaddingMask: padding, isCausal: true)
            return Tensor.cat([r.output.flattened(), r.weights!.flattened()])
        }
    }

    @Test("finite differences: self-attention (query, key and value one tensor)")
    func finiteDifferencesSelfAttention() {
        let mha = MultiheadAttention(dModel: 4, numHeads: 2, batchFirst: true, generator: RandomGenerator(seed: 6))
        let inputs = [GradientInputs.normal([2, 3, 4], seed: 61), GradientInputs.normal([12, 4], seed: 62, std: 0.5),
                      GradientInputs.normal([12], seed: 63, std: 0.5)]
        FiniteDifference.check("MultiheadAttention(4, 2) self", inputs) { a in
            mha.inProjWeight.value = a[1]
            mha.inProjBias!.value = a[2]
            let r = mha(a[0], a[0], a[0])
            return Tensor.cat([r.output.flattened(), r.weights!.flattened()])
        }
    }
}
