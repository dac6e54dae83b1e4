import Testing
@testable import SynapseCore

/// Batched inference runs `linear` on a cached oneDNN primitive, with weights pre-packed from their
/// second use on; results must match the GEMM path and follow in-place weight updates.
struct PackedLinearTests {
    static func reference(_ x: Tensor, _ w: Tensor, _ b: Tensor, relu: Bool) -> Tensor {
        let y = matmul(x, w.T) + b  // sgemm
        return relu ? SynapseCore.relu(y) : y
    }

    @Test(arguments: [false, true])
    func everyCallMatchesTheGEMMPath(relu: Bool) {
        let g = RandomGenerator(seed: relu ? 5 : 6)
        let x = Tensor.randn([32, 70], generator: g), w = Tensor.randn([45, 70], generator: g), b = Tensor.randn([45], generator: g)
        let expected = Self.reference(x, w, b, relu: relu)
        // First call: plain primitive; second: packs the weights; third: reuses the packed copy.
        for call in 1...3 {
            let y = withoutGradients { linear(x, weight: w, bias: b, activation: relu ? .relu : .none) }
            #expect(y.isClose(to: expected, rtol: 1e-5, atol: 1e-4), "call \(call)")
        }
    }

    @Test func inPlaceWeightUpdatesInvalidateThePackedCopy() {
        let x = Tensor.randn([16, 24]), b = Tensor.randn([12])
        var w = Tensor.randn([12, 24])
        for _ in 0..<3 { _ = withoutGradients { linear(x, weight: w, bias: b) } }
        // An optimizer writes parameters in place through this same entry point.
        w.withUnsafeMutableBufferPointer { buf in for i in buf.indices { buf[i] *= -0.5 } }
        let after = withoutGradients { linear(x, weight: w, bias: b) }
        #expect(after.isClose(to: Self.reference(x, w, b, relu: false), rtol: 1e-5, atol: 1e-4))
    }

    @Test func transposedWeightViewsWork() {
        let x = Tensor.randn([20, 9]), wt = Tensor.randn([9, 7])
        let w = wt.T  // a [7, 9] view over [9, 7] storage
        for _ in 0..<3 {
            let y = withoutGradients { linear(x, weight: w, bias: nil) }
            #expect(y.isClose(to: matmul(x, wt), rtol: 1e-5, atol: 1e-4))
        }
    }
}
