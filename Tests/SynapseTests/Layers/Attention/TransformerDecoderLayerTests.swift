import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

@Suite("Transformer: decoder layer vs PyTorch, names and finite differences")
struct TransformerDecoderLayerTests {
    static let decoderCases = ["transformer_decoder_prenorm_relu", "transformer_decoder_prenorm_gelu",
                               "transformer_decoder_postnorm_relu"]

    @Test("golden: decoder layer with a boolean causal tgt_mask", arguments: decoderCases)
    func goldenDecoder(_ caseName: String) throws {
        let a = try TransformerLayerArguments(caseName)
        let layer = TransformerDecoderLayer(dModel: a.dModel, numHeads: a.numHeads, dimFeedforward: a.dimFeedforward,
                                            dropout: a.dropout, activation: a.activation, layerNormEps: a.eps,
                                            batchFirst: a.batchFirst, normFirst: a.normFirst, bias: a.bias)
        try ModuleGolden.check(caseName, module: layer) { i in
            ["y": layer(i["tgt"], i["memory"], tgtMask: attentionMask(blocking: i.int("tgt_mask")))]
        }
    }

    @Test("parameter names equal PyTorch's state_dict keys, in order")
    func names() {
        let decoder = TransformerDecoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16)
        #expect(decoder.namedParameters().map(\.0) == [
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "multihead_attn.in_proj_weight", "multihead_attn.in_proj_bias", "multihead_attn.out_proj.weight",
            "multihead_attn.out_proj.bias", "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias", "norm3.weight", "norm3.bias",
        ])
        #expect(decoder.parameters().map(\.shape)[8...11] == [[16, 8], [16], [8, 16], [8]])
    }

    @Test("finite differences: decoder layer tgt and memory (pre- and post-norm, causal and memory padding)")
    func finiteDifferencesDecoder() {
        let memoryPadding = attentionMask(blocking: IntTensor(shape: [2, 5], scalars: [0, 0, 0, 0, 1, 0, 1, 0, 0, 0]))
        for normFirst in [true, false] {
            // GELU: smooth, so no relu kink can fall inside a finite-difference step.
            let layer = TransformerDecoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 6, dropout: 0, activation: .gelu,
                                                batchFirst: true, normFirst: normFirst, generator: RandomGenerator(seed: 8))
            FiniteDifference.check("TransformerDecoderLayer(normFirst: \(normFirst))",
                                   [GradientInputs.normal([2, 3, 4], seed: 91), GradientInputs.normal([2, 5, 4], seed: 92)]) { a in
                layer(a[0], a[1], memoryKeyPaddingMask: memoryPadding, tgtIsCausal: true)
            }
        }
    }
}
