import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// One differentiable op with seeded inputs, for the finite-difference check.
struct GradientCase: Sendable, CustomTestStringConvertible {
    let name: String
    let inputs: @Sendable () -> [Tensor]
    let op: @Sendable ([Tensor]) -> Tensor

    init(_ name: String, _ inputs: @escaping @Sendable () -> [Tensor], _ op: @escaping @Sendable ([Tensor]) -> Tensor) {
        self.name = name
        self.inputs = inputs
        self.op = op
    }

    var testDescription: String { name }
}

private typealias In = GradientInputs

/// Autodiff gradients of every differentiable core op against finite differences
/// (see `FiniteDifference` for the stencil and the tolerance).
@Suite("Gradients: core ops vs finite differences")
struct OpGradientTests {
    static let cases: [GradientCase] = [
        // Broadcasting arithmetic: gradients are summed back to (3,1,4) and (5,4).
        GradientCase("add_broadcast", { [In.normal([3, 1, 4], seed: 1), In.normal([5, 4], seed: 2)] }) { $0[0] + $0[1] },
        GradientCase("sub_broadcast", { [In.normal([3, 1, 4], seed: 3), In.normal([5, 4], seed: 4)] }) { $0[0] - $0[1] },
        GradientCase("mul_broadcast", { [In.normal([3, 1, 4], seed: 5), In.normal([5, 4], seed: 6)] }) { $0[0] * $0[1] },
        GradientCase("div_broadcast", { [In.normal([3, 1, 4], seed: 7), In.normal([5, 4], seed: 8, avoiding: [0], margin: 0.5)] }) {
            $0[0] / $0[1]
        },
        GradientCase("add_scalar_rank0", { [In.normal([3, 4], seed: 9), In.normal([], seed: 10)] }) { $0[0] + $0[1] },
        GradientCase("scalar_ops", { [In.normal([3, 4], seed: 11, avoiding: [0], margin: 0.5)] }) { x in
            (x[0] * 2.5 - 1) / 3 + 2 / x[0] + (1.5 - x[0])
        },
        // b sits 0.0625 off the 0.25-spaced grid of a: no ties within the finite-difference steps.
        GradientCase("maximum_minimum", { [In.distinct([3, 4], seed: 12), In.distinct([4], seed: 13) + 0.0625] }) {
            Tensor.maximum($0[0], $0[1]) * 2 + Tensor.minimum($0[0], $0[1])
        },
        GradientCase("pow_tensor", { [In.uniform([3, 4], seed: 14, low: 0.5, high: 2), In.normal([4], seed: 15)] }) { pow($0[0], $0[1]) },
        // Element-wise functions and activations (kinks at 0 avoided by 0.1).
        GradientCase("exp", { [In.normal([3, 4], seed: 20)] }) { exp($0[0]) },
        GradientCase("log", { [In.uniform([3, 4], seed: 21, low: 0.5, high: 3)] }) { log($0[0]) },
        GradientCase("sqrt", { [In.uniform([3, 4], seed: 22, low: 0.5, high: 3)] }) { sqrt($0[0]) },
        GradientCase("pow3", { [In.normal([3, 4], seed: 23)] }) { pow($0[0], 3) },
        GradientCase("pow_half", { [In.uniform([3, 4], seed: 24, low: 0.5, high: 3)] }) { pow($0[0], 0.5) },
        GradientCase("pow_minus1_5", { [In.uniform([3, 4], seed: 25, low: 0.5, high: 3)] }) { pow($0[0], -1.5) },
        GradientCase("square", { [In.normal([3, 4], seed: 26)] }) { square($0[0]) },
        GradientCase("abs", { [In.normal([3, 4], seed: 27)] }) { abs($0[0]) },
        GradientCase("neg", { [In.normal([3, 4], seed: 28)] }) { -$0[0] },
        GradientCase("relu", { [In.normal([3, 4], seed: 29)] }) { relu($0[0]) },
        GradientCase("leaky_relu", { [In.normal([3, 4], seed: 30)] }) { leakyRelu($0[0], negativeSlope: 0.1) },
        GradientCase("elu", { [In.normal([3, 4], seed: 31)] }) { elu($0[0], alpha: 1) },
        GradientCase("elu_alpha", { [In.normal([3, 4], seed: 32)] }) { elu($0[0], alpha: 0.7) },
        GradientCase("selu", { [In.normal([3, 4], seed: 33)] }) { selu($0[0]) },
        GradientCase("silu", { [In.normal([3, 4], seed: 34, std: 2)] }) { silu($0[0]) },
        GradientCase("softplus", { [In.normal([3, 4], seed: 35, std: 2)] }) { softplus($0[0]) },
        GradientCase("softplus_beta", { [In.normal([3, 4], seed: 36, std: 2, avoiding: [2.5], margin: 0.2)] }) {
            softplus($0[0], beta: 2, threshold: 5)
        },
        GradientCase("sigmoid", { [In.normal([3, 4], seed: 37, std: 2)] }) { sigmoid($0[0]) },
        GradientCase("tanh", { [In.normal([3, 4], seed: 38, std: 1.5)] }) { tanh($0[0]) },
        GradientCase("gelu", { [In.normal([3, 4], seed: 39, std: 2)] }) { gelu($0[0]) },
        GradientCase("gelu_tanh", { [In.normal([3, 4], seed: 40, std: 2)] }) { gelu($0[0], approximate: .tanh) },
        GradientCase("clamp", { [In.normal([3, 4], seed: 41, avoiding: [-0.5, 0.5], margin: 0.1)] }) { clamp($0[0], min: -0.5, max: 0.5) },
        GradientCase("softmax_lastdim", { [In.normal([3, 5], seed: 42, std: 2)] }) { softmax($0[0], dim: -1) },
        GradientCase("softmax_dim1", { [In.normal([2, 3, 4], seed: 43, std: 2)] }) { softmax($0[0], dim: 1) },
        GradientCase("log_softmax_lastdim", { [In.normal([3, 5], seed: 44, std: 2)] }) { logSoftmax($0[0], dim: -1) },
        GradientCase("log_softmax_dim1", { [In.normal([2, 3, 4], seed: 45, std: 2)] }) { logSoftmax($0[0], dim: 1) },
        // Reductions (max/min on distinct values, so no ties).
        GradientCase("sum_dim1", { [In.normal([2, 3, 4], seed: 50)] }) { $0[0].sum(dim: 1) },
        GradientCase("sum_dim1_keepdim", { [In.normal([2, 3, 4], seed: 51)] }) { $0[0].sum(dim: 1, keepdim: true) },
        GradientCase("sum_dims_0_2", { [In.normal([2, 3, 4], seed: 52)] }) { $0[0].sum(dims: [0, 2]) },
        GradientCase("sum_all", { [In.normal([2, 3, 4], seed: 53)] }) { $0[0].sum() },
        GradientCase("mean_dim1", { [In.normal([2, 3, 4], seed: 54)] }) { $0[0].mean(dim: 1) },
        GradientCase("mean_dim1_keepdim", { [In.normal([2, 3, 4], seed: 55)] }) { $0[0].mean(dim: 1, keepdim: true) },
        GradientCase("mean_all", { [In.normal([2, 3, 4], seed: 56)] }) { $0[0].mean() },
        GradientCase("max_dim1", { [In.distinct([2, 3, 4], seed: 57)] }) { $0[0].max(dim: 1).values },
        GradientCase("max_dim1_keepdim", { [In.distinct([2, 3, 4], seed: 58)] }) { $0[0].max(dim: 1, keepdim: true).values },
        GradientCase("max_all", { [In.distinct([2, 3, 4], seed: 59)] }) { $0[0].max() },
        GradientCase("min_dim1", { [In.distinct([2, 3, 4], seed: 60)] }) { $0[0].min(dim: 1).values },
        GradientCase("min_dim1_keepdim", { [In.distinct([2, 3, 4], seed: 61)] }) { $0[0].min(dim: 1, keepdim: true).values },
        GradientCase("min_all", { [In.distinct([2, 3, 4], seed: 62)] }) { $0[0].min() },
        GradientCase("var_dim1", { [In.normal([2, 3, 4], seed: 63)] }) { $0[0].variance(dim: 1, unbiased: false) },
        GradientCase("var_dim1_keepdim_unbiased", { [In.normal([2, 3, 4], seed: 64)] }) { $0[0].variance(dim: 1, keepdim: true) },
        GradientCase("var_all", { [In.normal([2, 3, 4], seed: 65)] }) { $0[0].variance(unbiased: false) },
        GradientCase("var_all_unbiased", { [In.normal([2, 3, 4], seed: 66)] }) { $0[0].variance() },
        GradientCase("logsumexp_dim1", { [In.normal([2, 3, 4], seed: 67, std: 2)] }) { $0[0].logsumexp(dim: 1) },
        GradientCase("logsumexp_dim1_keepdim", { [In.normal([2, 3, 4], seed: 68, std: 2)] }) { $0[0].logsumexp(dim: 1, keepdim: true) },
        GradientCase("logsumexp_all", { [In.normal([2, 3, 4], seed: 69, std: 2)] }) { $0[0].logsumexp(dims: [0, 1, 2]) },
        // Matrix products.
        GradientCase("matmul_2d", { [In.normal([4, 3], seed: 70), In.normal([3, 5], seed: 71)] }) { matmul($0[0], $0[1]) },
        GradientCase("matmul_batched", { [In.normal([2, 3, 2, 4], seed: 72), In.normal([2, 3, 4, 3], seed: 73)] }) {
            matmul($0[0], $0[1])
        },
        GradientCase("matmul_broadcast", { [In.normal([3, 4], seed: 74), In.normal([2, 4, 3], seed: 75)] }) { matmul($0[0], $0[1]) },
        GradientCase("matmul_batched_times_2d", { [In.normal([2, 3, 4], seed: 76), In.normal([4, 2], seed: 77)] }) {
            matmul($0[0], $0[1])
        },
        GradientCase("matmul_vector", { [In.normal([3, 4], seed: 78), In.normal([4], seed: 79)] }) { matmul($0[0], $0[1]) },
        GradientCase("matmul_transposed_operands", { [In.normal([3, 4], seed: 80), In.normal([5, 3], seed: 81)] }) {
            matmul($0[0].T, $0[1].T)
        },
        GradientCase("linear", { [In.normal([2, 3, 4], seed: 82), In.normal([5, 4], seed: 83), In.normal([5], seed: 84)] }) {
            linear($0[0], weight: $0[1], bias: $0[2])
        },
        // Shape and indexing ops.
        GradientCase("reshape", { [In.normal([3, 2, 4], seed: 90)] }) { $0[0].reshaped([6, 4]) },
        GradientCase("permute", { [In.normal([3, 2, 4], seed: 91)] }) { $0[0].permuted([2, 0, 1]) },
        GradientCase("transpose", { [In.normal([3, 2, 4], seed: 92)] }) { $0[0].transposed(1, 2) },
        GradientCase("slice_step", { [In.normal([3, 5, 2], seed: 93)] }) { $0[0].slice(dim: 1, start: 1, end: 4, step: 2) },
        GradientCase("select", { [In.normal([3, 5], seed: 94)] }) { $0[0].select(dim: 1, index: -2) },
        GradientCase("split_dim1_unused_piece", { [In.normal([3, 5, 2], seed: 190)] }) {
            let p = $0[0].split([1, 3, 1], dim: 1)
            return Tensor.cat([exp(p[0]), p[2] * 3, p[0] * p[2]], dim: 1)
        },
        GradientCase("unbind_permuted", { [In.normal([3, 4, 2], seed: 191)] }) {
            let u = $0[0].permuted([2, 0, 1]).unbind(dim: 0)
            return u[0] * u[1] + tanh(u[1])
        },
        GradientCase("cat_dim1", { [In.normal([2, 2, 3], seed: 95), In.normal([2, 3, 3], seed: 96)] }) {
            Tensor.cat([$0[0], $0[1]], dim: 1)
        },
        GradientCase("stack_dim1", { [In.normal([2, 3], seed: 97), In.normal([2, 3], seed: 98), In.normal([2, 3], seed: 99)] }) {
            Tensor.stack([$0[0], $0[1], $0[2]], dim: 1)
        },
        GradientCase("index_select", { [In.normal([2, 4, 3], seed: 100)] }) { $0[0].indexSelect(dim: 1, index: IntTensor([3, 0, 3, 1])) },
        GradientCase("gather", { [In.normal([2, 4, 3], seed: 101)] }) {
            $0[0].gather(dim: 1, index: IntTensor(shape: [2, 2, 3], scalars: [0, 3, 1, 3, 3, 2, 1, 0, 0, 2, 1, 0]))
        },
        GradientCase("masked_fill", { [In.normal([2, 3, 4], seed: 102)] }) {
            $0[0].maskedFill(In.distinct([3, 4], seed: 103).gt(0), -1.5)
        },
        GradientCase("where", { [In.normal([2, 3, 4], seed: 104), In.normal([2, 1, 4], seed: 105)] }) {
            Tensor.where(In.distinct([3, 4], seed: 106).gt(0), $0[0], $0[1])
        },
        GradientCase("pad_constant", { [In.normal([2, 3, 2], seed: 107)] }) { $0[0].padded([1, 2, 0, 1], value: 0.5) },
        GradientCase("expand", { [In.normal([3, 1, 4], seed: 108)] }) { $0[0].expanded(to: [2, 3, 3, 4]) },
        GradientCase("unsqueeze_squeeze_flatten", { [In.normal([3, 1, 4], seed: 109)] }) {
            $0[0].squeezed().unsqueezed(0).flattened()
        },
        GradientCase("contiguous_of_view", { [In.normal([3, 4], seed: 110)] }) { $0[0].T.contiguous() * 2 },
    ]

    @Test("autodiff matches finite differences", arguments: cases)
    func matchesFiniteDifferences(_ c: GradientCase) {
        FiniteDifference.check(c.name, c.inputs(), c.op)
    }
}
