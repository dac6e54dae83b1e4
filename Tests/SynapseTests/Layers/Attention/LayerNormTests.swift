import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

@Suite("Layers: LayerNorm vs PyTorch and finite differences")
struct LayerNormTests {
    @Test("golden: layernorm (output, input and parameter gradients)")
    func golden() throws {
        let args = try ModuleGolden.arguments("layernorm")
        let layer = LayerNorm(8, eps: try args.float("eps"), elementwiseAffine: try args.bool("elementwise_affine"),
                              bias: try args.bool("bias"))
        try ModuleGolden.check("layernorm", module: layer) { inputs in ["y": layer(inputs["x"])] }
    }

    @Test("parameter names and initial values match PyTorch")
    func parameters() {
        let layer = LayerNorm([3, 4])
        #expect(layer.namedParameters().map(\.0) == ["weight", "bias"])
        #expect(layer.weight!.value.scalars == [Float](repeating: 1, count: 12))
        #expect(layer.bias!.value.scalars == [Float](repeating: 0, count: 12))
        #expect(LayerNorm(4, elementwiseAffine: false).namedParameters().isEmpty)
        #expect(LayerNorm(4, bias: false).namedParameters().map(\.0) == ["weight"])
    }

    @Test("normalises to zero mean and unit biased variance over several trailing dims")
    func statistics() {
        let x = GradientInputs.normal([2, 3, 4], seed: 7, std: 3)
        let y = LayerNorm([3, 4], elementwiseAffine: false)(x)
        for b in 0..<2 {
            let row = Array(y.scalars[(b * 12)..<(b * 12 + 12)]).map(Double.init)
            let mean = row.reduce(0, +) / 12
            let variance = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / 12
            #expect(Swift.abs(mean) < 1e-5)
            #expect(Swift.abs(variance - 1) < 1e-3)
        }
    }

    @Test("finite differences: x, weight and bias")
    func finiteDifferences() {
        FiniteDifference.check("layerNorm [3, 4]", [
            GradientInputs.normal([2, 3, 4], seed: 11),
            GradientInputs.normal([3, 4], seed: 12),
            GradientInputs.normal([3, 4], seed: 13),
        ]) { a in layerNorm(a[0], normalizedShape: [3, 4], weight: a[1], bias: a[2]) }
        FiniteDifference.check("layerNorm [5] without affine", [GradientInputs.normal([4, 5], seed: 14)]) { a in
            layerNorm(a[0], normalizedShape: [5])
        }
    }
}
