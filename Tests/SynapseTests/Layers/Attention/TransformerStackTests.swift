import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

@Suite("Transformer: stacks and positional encodings")
struct TransformerStackTests {
    @Test("encoder stack: PyTorch names (layers.<i>.…, norm.…) and equal to the layers applied in turn")
    func encoderStack() {
        let g = RandomGenerator(seed: 1)
        let stack = TransformerEncoder({ TransformerEncoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 8, dropout: 0,
                                                                 batchFirst: true, generator: g) },
                                       numLayers: 2, norm: LayerNorm(4))
        let names = stack.namedParameters().map(\.0)
        #expect(names.count == 2 * 12 + 2)
        #expect(names.first == "layers.0.self_attn.in_proj_weight")
        #expect(names.contains("layers.1.linear2.bias"))
        #expect(names.suffix(2) == ["norm.weight", "norm.bias"])
        let x = GradientInputs.normal([2, 3, 4], seed: 2)
        let mask = causalAttentionMask(queryLength: 3, keyLength: 3)
        let expected = stack.norm!(stack.layers[1](stack.layers[0](x, mask: mask), mask: mask))
        #expect(stack(x, mask: mask).scalars == expected.scalars)
        #expect(TransformerEncoder({ TransformerEncoderLayer(dModel: 4, numHeads: 1) }, numLayers: 1)
            .namedParameters().allSatisfy { $0.0.hasPrefix("layers.0.") })
    }

    @Test("decoder stack: PyTorch names and equal to the layers applied in turn")
    func decoderStack() {
        let g = RandomGenerator(seed: 3)
        let stack = TransformerDecoder({ TransformerDecoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 8, dropout: 0,
                                                                 batchFirst: true, generator: g) },
                                       numLayers: 2, norm: LayerNorm(4))
        let names = stack.namedParameters().map(\.0)
        #expect(names.count == 2 * 18 + 2)
        #expect(names.contains("layers.1.multihead_attn.out_proj.weight"))
        #expect(names.contains("layers.0.norm3.bias"))
        let tgt = GradientInputs.normal([2, 3, 4], seed: 4), memory = GradientInputs.normal([2, 5, 4], seed: 5)
        let h = stack.layers[0](tgt, memory, tgtIsCausal: true)
        let expected = stack.norm!(stack.layers[1](h, memory, tgtIsCausal: true))
        #expect(stack(tgt, memory, tgtIsCausal: true).scalars == expected.scalars)
    }

    @Test("sinusoidal encoding: table values, layouts, not in the state dict")
    func sinusoidal() {
        let pe = SinusoidalPositionalEncoding(dModel: 6, maxLength: 10)
        #expect(pe.namedParameters().isEmpty && pe.stateDict().isEmpty)
        for (t, c) in [(0, 0), (0, 1), (3, 2), (7, 5), (9, 4)] {
            let angle = Double(t) / Foundation.pow(10000, Double(2 * (c / 2)) / 6)
            let expected = c % 2 == 0 ? Foundation.sin(angle) : Foundation.cos(angle)
            #expect(Swift.abs(Double(pe.encoding.scalar(at: [t, c])) - expected) < 1e-6)
        }
        let x = GradientInputs.normal([4, 2, 6], seed: 6)             // [T, N, E]
        let y = pe(x)
        #expect(y.select(dim: 1, index: 1).isClose(to: x.select(dim: 1, index: 1) + pe.encoding.slice(dim: 0, start: 0, end: 4),
                                                   rtol: 1e-6, atol: 1e-6))
        let first = SinusoidalPositionalEncoding(dModel: 6, maxLength: 10, batchFirst: true)
        #expect(first(x.transposed(0, 1)).isClose(to: y.transposed(0, 1), rtol: 1e-6, atol: 1e-6))
        #expect(pe(x.select(dim: 1, index: 0)).isClose(to: y.select(dim: 1, index: 0), rtol: 1e-6, atol: 1e-6))
    }

    @Test("learned encoding: parameter weight, gradients reach only the used rows")
    func learned() {
        let pe = LearnedPositionalEncoding(dModel: 3, maxLength: 5, batchFirst: true, generator: RandomGenerator(seed: 7))
        #expect(pe.namedParameters().map(\.0) == ["weight"])
        #expect(pe.weight.shape == [5, 3])
        let x = GradientInputs.normal([2, 3, 3], seed: 8).requiringGrad()
        let y = pe(x)
        y.sum().backward()
        let grad = pe.weight.grad!
        #expect(grad.slice(dim: 0, start: 0, end: 3).scalars.allSatisfy { $0 == 2 })
        #expect(grad.slice(dim: 0, start: 3, end: 5).scalars.allSatisfy { $0 == 0 })
        #expect(x.grad!.scalars.allSatisfy { $0 == 1 })
        FiniteDifference.check("LearnedPositionalEncoding", [GradientInputs.normal([2, 3, 3], seed: 9),
                                                             GradientInputs.normal([5, 3], seed: 10)]) { a in
            pe.weight.value = a[1]
            return pe(a[0]) * a[0]
        }
    }

    @Test("a one-layer stack loads PyTorch weights under layers.0.* and reproduces the golden layer output")
    func stackLoadsPrefixedGoldenWeights() throws {
        let c = try GoldenManifest.bundled.get().case("transformer_encoder_prenorm_gelu")
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let stack = TransformerEncoder({ TransformerEncoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16, dropout: 0,
                                                                 activation: .gelu, batchFirst: true, normFirst: true) },
                                       numLayers: 1)
        var state: [String: Tensor] = [:]
        for full in c.params ?? [] { state["layers.0." + full.dropFirst("param.".count)] = try archive.tensor(full) }
        try stack.loadStateDict(state)
        expectClose(stack(try archive.tensor("input.x")), try archive.tensor("output.y"),
                    rtol: c.tolerance.rtol, atol: c.tolerance.atol, "TransformerEncoder(1 layer) output.y")
    }
}
