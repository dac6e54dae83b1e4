import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// Shape mistakes stop the process with a message naming the layer, the expected and the actual shape.
@Suite("Attention: shape errors name the layer and both shapes")
struct AttentionShapeErrorTests {
    private static func expectMessage(_ result: ExitTest.Result?, _ fragments: [String],
                                      sourceLocation: SourceLocation = #_sourceLocation) {
        guard let result else { return }
        let stderr = String(decoding: result.standardErrorContent, as: UTF8.self)
        for fragment in fragments {
            #expect(stderr.contains(fragment), "stderr lacks '\(fragment)': \(stderr)", sourceLocation: sourceLocation)
        }
    }

    @Test func layerNormWrongWidth() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = LayerNorm(8)(Tensor.zeros([2, 5, 4]))
        }
        Self.expectMessage(result, ["LayerNorm([8])", "[..., 8]", "[2, 5, 4]"])
    }

    @Test func multiheadAttentionWrongQuery() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let mha = MultiheadAttention(dModel: 8, numHeads: 2, batchFirst: true)
            let x = Tensor.zeros([2, 5, 6])
            _ = mha(x, x, x)
        }
        Self.expectMessage(result, ["MultiheadAttention(dModel: 8, numHeads: 2)", "[N, L, 8]", "[2, 5, 6]"])
    }

    @Test func attentionMaskWrongShape() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            let q = Tensor.zeros([2, 3, 4]), k = Tensor.zeros([2, 5, 4])
            _ = scaledDotProductAttention(query: q, key: k, value: k, attentionMask: Tensor.zeros([3, 4]))
        }
        Self.expectMessage(result, ["scaledDotProductAttention", "[3, 4]", "[2, 3, 5]"])
    }

    @Test func encoderLayerWrongWidth() async {
        let result = await #expect(processExitsWith: .failure, observing: [\.standardErrorContent]) {
            _ = TransformerEncoderLayer(dModel: 8, numHeads: 2, dimFeedforward: 16)(Tensor.zeros([5, 2, 4]))
        }
        Self.expectMessage(result, ["TransformerEncoderLayer(dModel: 8)", "[S, N, 8]", "[5, 2, 4]"])
    }
}
