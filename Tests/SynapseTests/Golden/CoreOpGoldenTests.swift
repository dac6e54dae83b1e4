import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore

/// Every differentiable core op against PyTorch (float64 reference, see Fixtures/golden/manifest.json):
/// forward values, integer indices and input gradients.
@Suite("Golden: core ops vs PyTorch")
struct CoreOpGoldenTests {
    /// Manifest case name → the Synapse expression equivalent to the case's PyTorch `call`.
    static let ops: [GoldenOp] = [
        // Broadcasting arithmetic: (3,1,5) ∘ (4,5).
        GoldenOp("add_broadcast") { .y($0["a"] + $0["b"]) },
        GoldenOp("sub_broadcast") { .y($0["a"] - $0["b"]) },
        GoldenOp("mul_broadcast") { .y($0["a"] * $0["b"]) },
        GoldenOp("div_broadcast") { .y($0["a"] / $0["b"]) },
        // Element-wise functions and activations.
        GoldenOp("exp") { .y(exp($0["x"])) },
        GoldenOp("log") { .y(log($0["x"])) },
        GoldenOp("sqrt") { .y(sqrt($0["x"])) },
        GoldenOp("pow3") { .y(pow($0["x"], 3)) },
        GoldenOp("pow_half") { .y(pow($0["x"], 0.5)) },
        GoldenOp("abs") { .y(abs($0["x"])) },
        GoldenOp("neg") { .y(-$0["x"]) },
        GoldenOp("relu") { .y(relu($0["x"])) },
        GoldenOp("leaky_relu") { .y(leakyRelu($0["x"], negativeSlope: 0.1)) },
        GoldenOp("elu") { .y(elu($0["x"], alpha: 1)) },
        GoldenOp("selu") { .y(selu($0["x"])) },
        GoldenOp("silu") { .y(silu($0["x"])) },
        GoldenOp("softplus") { .y(softplus($0["x"], beta: 1, threshold: 20)) },
        GoldenOp("sigmoid") { .y(sigmoid($0["x"])) },
        GoldenOp("tanh") { .y(tanh($0["x"])) },
        GoldenOp("gelu") { .y(gelu($0["x"], approximate: .none)) },
        GoldenOp("gelu_tanh") { .y(gelu($0["x"], approximate: .tanh)) },
        GoldenOp("softmax_lastdim") { .y(softmax($0["x"], dim: -1)) },
        GoldenOp("softmax_dim1") { .y(softmax($0["x"], dim: 1)) },
        GoldenOp("log_softmax_lastdim") { .y(logSoftmax($0["x"], dim: -1)) },
        GoldenOp("log_softmax_dim1") { .y(logSoftmax($0["x"], dim: 1)) },
        GoldenOp("clamp") { .y(clamp($0["x"], min: -0.5, max: 0.5)) },
        // Reductions.
        GoldenOp("sum_dim1") { .y($0["x"].sum(dim: 1)) },
        GoldenOp("sum_dim1_keepdim") { .y($0["x"].sum(dim: 1, keepdim: true)) },
        GoldenOp("sum_all") { .y($0["x"].sum()) },
        GoldenOp("mean_dim1") { .y($0["x"].mean(dim: 1)) },
        GoldenOp("mean_dim1_keepdim") { .y($0["x"].mean(dim: 1, keepdim: true)) },
        GoldenOp("mean_all") { .y($0["x"].mean()) },
        GoldenOp("max_dim1") { .valuesIndices($0["x"].max(dim: 1)) },
        GoldenOp("max_dim1_keepdim") { .valuesIndices($0["x"].max(dim: 1, keepdim: true)) },
        GoldenOp("max_all") { .y($0["x"].max()) },
        GoldenOp("min_dim1") { .valuesIndices($0["x"].min(dim: 1)) },
        GoldenOp("min_dim1_keepdim") { .valuesIndices($0["x"].min(dim: 1, keepdim: true)) },
        GoldenOp("min_all") { .y($0["x"].min()) },
        GoldenOp("var_dim1") { .y($0["x"].variance(dim: 1, unbiased: false)) },
        GoldenOp("var_dim1_keepdim") { .y($0["x"].variance(dim: 1, unbiased: false, keepdim: true)) },
        GoldenOp("var_all") { .y($0["x"].variance(unbiased: false)) },
        GoldenOp("logsumexp_dim1") { .y($0["x"].logsumexp(dim: 1)) },
        GoldenOp("logsumexp_dim1_keepdim") { .y($0["x"].logsumexp(dim: 1, keepdim: true)) },
        GoldenOp("logsumexp_all") { .y($0["x"].logsumexp(dims: [0, 1, 2])) },
        GoldenOp("argmax_dim1") { .indices($0["x"].argmax(dim: 1)) },
        GoldenOp("argmax_all") { .indices($0["x"].argmax()) },
        // Matrix products.
        GoldenOp("matmul_2d") { .y(matmul($0["a"], $0["b"])) },
        GoldenOp("matmul_batched") { .y(matmul($0["a"], $0["b"])) },
        GoldenOp("matmul_broadcast") { .y(matmul($0["a"], $0["b"])) },
        // Shape and indexing ops.
        GoldenOp("reshape") { .y($0["x"].reshaped([6, 10])) },
        GoldenOp("permute") { .y($0["x"].permuted([2, 0, 1])) },
        GoldenOp("transpose") { .y($0["x"].transposed(1, 2)) },
        GoldenOp("slice_step") { .y($0["x"].slice(dim: 1, start: 1, end: 4, step: 2)) },
        GoldenOp("cat_dim1") { .y(Tensor.cat([$0["a"], $0["b"]], dim: 1)) },
        GoldenOp("stack_dim1") { .y(Tensor.stack([$0["a"], $0["b"], $0["c"]], dim: 1)) },
        GoldenOp("index_select") { .y($0["x"].indexSelect(dim: 1, index: $0.int("index"))) },
        GoldenOp("gather") { .y($0["x"].gather(dim: 1, index: $0.int("index"))) },
        GoldenOp("masked_fill") { .y($0["x"].maskedFill($0.int("mask").asFloat, -1.5)) },
        GoldenOp("where") { .y(Tensor.where($0.int("condition").asFloat, $0["x"], $0["y"])) },
        GoldenOp("pad_constant") { .y($0["x"].padded([1, 2, 0, 1], value: 0.5)) },
        GoldenOp("expand") { .y($0["x"].expanded(to: [3, 3, 4])) },
    ]

    @Test("matches PyTorch", arguments: ops)
    func matchesPyTorch(_ op: GoldenOp) throws {
        try Golden.check(op)
    }

    /// Manifest groups this table is responsible for (layers, losses and optimizers have their own suites).
    static let coreGroups: Set<String> = ["elementwise", "reduction", "matmul", "shape"]

    @Test("every bundled core-op case has an op and every op a case")
    func tableCoversManifest() throws {
        let manifest = try GoldenManifest.bundled.get()
        let cases = Set(manifest.cases.filter { Self.coreGroups.contains($0.group ?? "") }.map(\.name))
        let table = Set(Self.ops.map(\.name))
        #expect(Self.ops.count == table.count, "duplicate case names in the op table")
        #expect(cases.subtracting(table).isEmpty, "cases without an op: \(cases.subtracting(table).sorted())")
        #expect(table.subtracting(cases).isEmpty, "ops without a case: \(table.subtracting(cases).sorted())")
    }
}
