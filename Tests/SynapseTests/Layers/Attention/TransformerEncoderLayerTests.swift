import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// The `TransformerEncoderLayer` / `TransformerDecoderLayer` constructor arguments of a golden case.
struct TransformerLayerArguments {
    let dModel: Int, numHeads: Int, dimFeedforward: Int, dropout: Float, activation: TransformerActivation
    let eps: Float, batchFirst: Bool, normFirst: Bool, bias: Bool

    init(_ caseName: String) throws {
        let a = try ModuleGolden.arguments(caseName)
        func int(_ k: String) throws -> Int {
            guard let v = a.values[k].flatMap({ Int($0) }) else { throw Golden.Failure("no integer '\(k)' in \(a.call)") }
            return v
        }
        dModel = try int("d_model")
        numHeads = try int("nhead")
        dimFeedforward = try int("dim_feedforward")
        dropout = try a.float("dropout")
        switch try a.string("activation") {
        case "relu": activation = .relu
        case "gelu": activation = .gelu
        case let other: throw Golden.Failure("unknown activation \(other)")
        }
        eps = try a.float("layer_norm_eps")
        batchFirst = try a.bool("batch_first")
        normFirst = try a.bool("norm_first")
        bias = try a.bool("bias")
    }
}

@Suite("Transformer: encoder layer vs PyTorch, names and finite differences")
struct TransformerEncoderLayerTests {
    static let encoderCases = ["transformer_encoder_postnorm_relu", "transformer_encoder_postnorm_gelu",
                               "transformer_encoder_prenorm_relu", "transformer_encoder_prenorm_gelu"]

    @Test("golden: encoder layer (output, input and every parameter gradient)", arguments: encoderCases)
    func goldenEncoder(_ caseName: String) throws {
        let a = try TransformerLayerArguments(caseName)
        let layer = TransformerEncoderLayer(dModel: a.dModel, numHeads: a.numHeads, dimFeedforward: a.dimFeedforward,
                                            dropout: a.dropout, activation: a.activation, layerNormEps: a.eps,
                                            batchFirst: a.batchFirst, normFirst: a.normFirst, bias: a.bias)
        try ModuleGolden.check(caseName, module: layer) { i in ["y": layer(i["x"])] }
    }

    @Test("parameter names equal PyTorch's state_dict keys, in order")
    func names() {
        let encoder = TransformerEncoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16)
        #expect(encoder.namedParameters().map(\.0) == [
            "self_attn.in_proj_weight", "self_attn.in_proj_bias", "self_attn.out_proj.weight", "self_attn.out_proj.bias",
            "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias",
            "norm1.weight", "norm1.bias", "norm2.weight", "norm2.bias",
        ])
    }

    @Test("eval mode disables dropout; sequence-first layout agrees with batch-first")
    func modesAndLayouts() {
        let a = TransformerEncoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 8, dropout: 0.5, batchFirst: true,
                                        generator: RandomGenerator(seed: 5))
        let b = TransformerEncoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 8, dropout: 0.5, batchFirst: false,
                                        generator: RandomGenerator(seed: 5))
        a.eval(); b.eval()
        let x = GradientInputs.normal([2, 3, 4], seed: 6)
        let ya = a(x)
        #expect(ya.scalars == a(x).scalars)
        #expect(ya.isClose(to: b(x.transposed(0, 1)).transposed(0, 1), rtol: 1e-5, atol: 1e-6))
    }

    @Test("finite differences: encoder layer input and parameters (pre- and post-norm, with masks)")
    func finiteDifferences() {
        for normFirst in [false, true] {
            let layer = TransformerEncoderLayer(dModel: 4, numHeads: 2, dimFeedforward: 6, dropout: 0, activation: .gelu,
                                                batchFirst: true, normFirst: normFirst, generator: RandomGenerator(seed: 7))
            let params = layer.parameters()
            let padding = attentionMask(blocking: IntTensor(shape: [2, 3], scalars: [0, 0, 1, 0, 0, 0]))
            let inputs = [GradientInputs.normal([2, 3, 4], seed: 71)] + params.enumerated().map { k, p in
                p.value.detached() + GradientInputs.normal(p.shape, seed: 80 + UInt64(k), std: 0.2)
            }
            FiniteDifference.check("TransformerEncoderLayer(normFirst: \(normFirst))", inputs) { a in
                for (p, v) in zip(params, a.dropFirst()) { p.value = v }
                return layer(a[0], mask: nil, keyPaddingMask: padding, isCausal: true)
            }
        }
    }
}
