import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

private typealias In = GradientInputs

/// Chains of ops against finite differences: gradients flowing through several VJPs, broadcasting,
/// reused inputs, strided leaves, and accumulation over two `backward()` calls.
@Suite("Gradients: composites vs finite differences")
struct CompositeGradientTests {
    static let cases: [GradientCase] = [
        GradientCase("softmax_of_matmul_plus_bias", { [In.normal([4, 3], seed: 1), In.normal([3, 5], seed: 2), In.normal([5], seed: 3)] }) {
            softmax(matmul($0[0], $0[1]) + $0[2], dim: -1)
        },
        GradientCase("cross_entropy_by_hand", { [In.normal([4, 3], seed: 4), In.normal([3, 5], seed: 5)] }) { t in
            let onehot = IntTensor([1, 4, 0, 2]).asFloat.reshaped([4, 1]).eq(Tensor.arange(0, 5))
            return -(logSoftmax(matmul(t[0], t[1]), dim: 1) * onehot).sum(dim: 1).mean()
        },
        GradientCase("broadcast_chain", { [In.normal([3, 1, 4], seed: 6, std: 0.5), In.normal([5, 1], seed: 7, std: 0.5), In.normal([4], seed: 8)] }) {
            exp($0[0] * $0[1] + $0[2]).sum(dim: 1) / ($0[2] * $0[2] + 1)
        },
        GradientCase("reused_input", { [In.normal([3, 4], seed: 9)] }) { x in
            x[0] * sigmoid(x[0]) + x[0].mean() * tanh(x[0]) - x[0] / (square(x[0]) + 1)
        },
        GradientCase("diamond", { [In.normal([3, 4], seed: 10), In.normal([3, 4], seed: 11)] }) { t in
            let y = t[0] * t[1]
            return y + exp(y) * 0.5 - y.sum(dim: 0, keepdim: true)
        },
        GradientCase("mlp_gelu_tanh", {
            [In.normal([5, 4], seed: 12), In.normal([6, 4], seed: 13, std: 0.5), In.normal([6], seed: 14),
             In.normal([3, 6], seed: 15, std: 0.5), In.normal([3], seed: 16)]
        }) { t in
            tanh(linear(gelu(linear(t[0], weight: t[1], bias: t[2])), weight: t[3], bias: t[4]))
        },
        GradientCase("layer_norm_by_hand", { [In.normal([3, 5], seed: 17), In.normal([5], seed: 18), In.normal([5], seed: 19)] }) { t in
            let x = t[0]
            let centered = x - x.mean(dim: -1, keepdim: true)
            return centered / sqrt(x.variance(dim: -1, unbiased: false, keepdim: true) + 1e-5) * t[1] + t[2]
        },
        GradientCase("attention_by_hand", { [In.normal([2, 3, 4], seed: 20), In.normal([2, 3, 4], seed: 21), In.normal([2, 3, 4], seed: 22)] }) { t in
            let scores = matmul(t[0], t[1].transposed(1, 2)) / 2
            return matmul(softmax(scores, dim: -1), t[2]).permuted([1, 0, 2]).reshaped([3, 8])
        },
        GradientCase("matmul_with_own_transpose", { [In.normal([3, 4], seed: 23)] }) { matmul($0[0], $0[0].T) },
        GradientCase("slices_reassembled", { [In.normal([4, 5], seed: 24)] }) { t in
            let columns = Tensor.cat([t[0].slice(dim: 1, start: 3), exp(t[0].slice(dim: 1, end: 2)),
                                      t[0].slice(dim: 1, start: 0, end: 5, step: 2)], dim: 1)
            let rows = Tensor.cat([t[0][1..<3], t[0][0..<1] * 3], dim: 0)
            return Tensor.cat([columns.flattened(), rows.flattened()])
        },
        GradientCase("strided_leaf", { [In.normal([4, 3], seed: 25).T] }) { exp($0[0]) * $0[0] + $0[0].sum(dim: 0) },
        GradientCase("expanded_leaf_view_ops", { [In.normal([3, 1], seed: 26)] }) { t in
            let e = t[0].expanded(to: [3, 4])
            return softmax(e * Tensor.arange(0, 4), dim: 1).padded([1, 0], value: 2) + e.permuted([1, 0]).sum(dim: 0, keepdim: true).T
        },
        GradientCase("max_then_logsumexp", { [In.distinct([3, 4, 2], seed: 27)] }) { t in
            t[0].max(dim: 2).values.logsumexp(dim: 0) + t[0].min(dim: 1, keepdim: true).values.sum()
        },
    ]

    @Test("autodiff matches finite differences", arguments: cases)
    func matchesFiniteDifferences(_ c: GradientCase) {
        FiniteDifference.check(c.name, c.inputs(), c.op)
    }

    @Test("gradients of two backward() calls add up")
    func accumulationAcrossBackwardCalls() {
        let x0 = In.normal([3, 4], seed: 30)
        let f: ([Tensor]) -> Tensor = { tanh($0[0]) * $0[0] }
        let g: ([Tensor]) -> Tensor = { softmax(matmul($0[0], $0[0].T), dim: 1) }
        let x = x0.requiringGrad()
        let y1 = f([x]), y2 = g([x])
        let w1 = FiniteDifference.weights(like: y1.shape), w2 = FiniteDifference.weights(like: y2.shape)
        y1.backward(w1)
        y2.backward(w2)
        let n1 = FiniteDifference.numericGradients(of: f, at: [x0], weights: w1.scalars)[0]
        let n2 = FiniteDifference.numericGradients(of: g, at: [x0], weights: w2.scalars)[0]
        guard let grad = x.grad else {
            Issue.record("no gradient after two backward() calls")
            return
        }
        FiniteDifference.expectGradient(grad.scalars.map(Double.init), zip(n1, n2).map(+),
                                        tolerance: FiniteDifference.tolerance, "two backward calls", shape: x.shape)
    }
}
