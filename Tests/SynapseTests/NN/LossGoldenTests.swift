import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// The losses of `NN/Losses` against PyTorch (forward value and gradient with respect to the input;
/// see Fixtures/golden/manifest.json). Hyper-parameters (β, δ, label smoothing) are read from the
/// manifest's `call` so they cannot drift from the reference.
@Suite("Loss: golden values and gradients vs PyTorch")
struct LossGoldenTests {
    static let ops: [GoldenOp] = [
        GoldenOp("mse_loss") { GoldenOutputs(floats: ["loss": mseLoss($0["x"], $0["target"])]) },
        GoldenOp("l1_loss") { GoldenOutputs(floats: ["loss": l1Loss($0["x"], $0["target"])]) },
        GoldenOp("smooth_l1_loss") {
            let beta = GoldenCallArguments.float("smooth_l1_loss", "beta")
            return GoldenOutputs(floats: ["loss": smoothL1Loss($0["x"], $0["target"], beta: beta)])
        },
        GoldenOp("huber_loss") {
            let delta = GoldenCallArguments.float("huber_loss", "delta")
            return GoldenOutputs(floats: ["loss": huberLoss($0["x"], $0["target"], delta: delta)])
        },
        GoldenOp("cross_entropy") { GoldenOutputs(floats: ["loss": crossEntropy($0["x"], $0.int("target"))]) },
        GoldenOp("cross_entropy_label_smoothing") {
            let eps = GoldenCallArguments.float("cross_entropy_label_smoothing", "label_smoothing")
            return GoldenOutputs(floats: ["loss": crossEntropy($0["x"], $0.int("target"), labelSmoothing: eps)])
        },
        GoldenOp("cross_entropy_ignore_index_sum") {
            GoldenOutputs(floats: ["loss": crossEntropy($0["x"], $0.int("target"), ignoreIndex: -100, reduction: .sum)])
        },
        GoldenOp("cross_entropy_prob_targets") {
            GoldenOutputs(floats: ["loss": crossEntropy($0["x"], probabilities: $0["target"])])
        },
        GoldenOp("nll_loss") { GoldenOutputs(floats: ["loss": nllLoss($0["x"], $0.int("target"))]) },
        GoldenOp("binary_cross_entropy_with_logits_pos_weight") {
            GoldenOutputs(floats: ["loss": binaryCrossEntropyWithLogits($0["x"], $0["target"], posWeight: $0["pos_weight"])])
        },
        GoldenOp("binary_cross_entropy") { GoldenOutputs(floats: ["loss": binaryCrossEntropy($0["x"], $0["target"])]) },
    ]

    @Test("matches PyTorch", arguments: ops)
    func matchesPyTorch(_ op: GoldenOp) throws {
        try Golden.check(op)
    }

    @Test("hyper-parameters read from the manifest")
    func manifestArguments() throws {
        #expect(try GoldenCallArguments(case: "smooth_l1_loss").float("beta") == 1)
        #expect(try GoldenCallArguments(case: "huber_loss").float("delta") == 0.5)
        #expect(try GoldenCallArguments(case: "cross_entropy_label_smoothing").float("label_smoothing") == 0.1)
        #expect(try GoldenCallArguments(case: "cross_entropy_ignore_index_sum").float("ignore_index") == -100)
        #expect(try GoldenCallArguments(case: "cross_entropy_ignore_index_sum").string("reduction") == "sum")
        #expect(try GoldenCallArguments(case: "binary_cross_entropy_with_logits_pos_weight").string("pos_weight") == "pos_weight")
        let c = try GoldenManifest.bundled.get().case("binary_cross_entropy_with_logits_pos_weight")
        #expect(c.inputs.contains("input.pos_weight"))
        // Every case of the table uses the mean reduction except the ignore_index one.
        for op in Self.ops where op.name != "cross_entropy_ignore_index_sum" {
            #expect(try GoldenCallArguments(case: op.name).string("reduction") == "mean", "\(op.name)")
        }
    }

    @Test("the ignore_index case really ignores some targets")
    func ignoreIndexCaseHasIgnoredTargets() throws {
        let c = try GoldenManifest.bundled.get().case("cross_entropy_ignore_index_sum")
        let archive = try SafeTensorsArchive(contentsOf: try Golden.fixtureURL(c.file))
        let target = try archive.intTensor("input.target")
        #expect(target.scalars.contains(-100))
        // Rows with an ignored target get exactly zero gradient.
        let grad = try archive.tensor("grad.input.x")
        let c5 = grad.shape[1]
        for (i, t) in target.scalars.enumerated() where t == -100 {
            #expect(grad.scalars[(i * c5)..<((i + 1) * c5)].allSatisfy { $0 == 0 })
        }
    }
}

private typealias In = GradientInputs

/// Gradients of every loss with respect to its input against finite differences. Inputs are kept
/// ≥ 0.1 away from the kinks (d = 0 for L1, |d| = β or δ for smooth L1 / Huber); the stencil
/// reaches at most 2h ≤ 0.04 from a point for |x| < 3.
@Suite("Loss: gradients vs finite differences")
struct LossGradientTests {
    /// Soft class probabilities [6, 5] (rows sum to 1).
    static func probabilities(seed: UInt64) -> Tensor {
        withoutGradients { softmax(In.normal([6, 5], seed: seed), dim: 1) }
    }

    static let target = In.normal([6, 5], seed: 100)
    static let labels = IntTensor([3, 0, 4, 1, 2, 4])
    static let labelsWithIgnored = IntTensor([3, -100, 4, 1, -100, 0])

    static let cases: [GradientCase] = [
        GradientCase("mse_loss", { [In.normal([6, 5], seed: 1)] }) { mseLoss($0[0], target) },
        GradientCase("mse_loss_sum", { [In.normal([6, 5], seed: 2)] }) { mseLoss($0[0], target, reduction: .sum) },
        GradientCase("l1_loss", { [In.normal([6, 5], seed: 3)] }) { l1Loss($0[0], Tensor.zeros([6, 5])) },
        // Target 0, so d = x: |x| is kept away from 0 and from β = 1 (and δ = 0.5 below).
        GradientCase("smooth_l1_loss", { [In.normal([6, 5], seed: 4, std: 1.5, avoiding: [-1, 0, 1])] }) {
            smoothL1Loss($0[0], Tensor.zeros([6, 5]), beta: 1)
        },
        GradientCase("smooth_l1_loss_beta_0.5_none", { [In.normal([6, 5], seed: 5, avoiding: [-0.5, 0, 0.5])] }) {
            smoothL1Loss($0[0], Tensor.zeros([6, 5]), beta: 0.5, reduction: .none)
        },
        GradientCase("huber_loss", { [In.normal([6, 5], seed: 6, avoiding: [-0.5, 0, 0.5])] }) {
            huberLoss($0[0], Tensor.zeros([6, 5]), delta: 0.5)
        },
        GradientCase("huber_loss_delta_1.5_sum", { [In.normal([6, 5], seed: 7, std: 2, avoiding: [-1.5, 0, 1.5])] }) {
            huberLoss($0[0], Tensor.zeros([6, 5]), delta: 1.5, reduction: .sum)
        },
        GradientCase("cross_entropy", { [In.normal([6, 5], seed: 8)] }) { crossEntropy($0[0], labels) },
        GradientCase("cross_entropy_none", { [In.normal([6, 5], seed: 9)] }) { crossEntropy($0[0], labels, reduction: .none) },
        GradientCase("cross_entropy_label_smoothing", { [In.normal([6, 5], seed: 10)] }) {
            crossEntropy($0[0], labels, labelSmoothing: 0.1)
        },
        GradientCase("cross_entropy_ignore_index_sum", { [In.normal([6, 5], seed: 11)] }) {
            crossEntropy($0[0], labelsWithIgnored, ignoreIndex: -100, reduction: .sum)
        },
        GradientCase("cross_entropy_ignore_index_mean", { [In.normal([6, 5], seed: 12)] }) {
            crossEntropy($0[0], labelsWithIgnored, ignoreIndex: -100)
        },
        GradientCase("cross_entropy_class_weight_smoothing", { [In.normal([6, 5], seed: 13)] }) {
            crossEntropy($0[0], labels, weight: Tensor([0.5, 1, 2, 1.5, 0.25]), labelSmoothing: 0.2)
        },
        GradientCase("cross_entropy_spatial", { [In.normal([2, 3, 2, 2], seed: 14)] }) {
            crossEntropy($0[0], IntTensor(shape: [2, 2, 2], scalars: [0, 2, 1, 1, 2, 0, 0, 1]))
        },
        GradientCase("cross_entropy_prob_targets", { [In.normal([6, 5], seed: 15)] }) {
            crossEntropy($0[0], probabilities: probabilities(seed: 16))
        },
        GradientCase("nll_loss", { [In.normal([6, 5], seed: 17)] }) { nllLoss($0[0], labels) },
        GradientCase("nll_loss_ignore_index", { [In.normal([6, 5], seed: 18)] }) { nllLoss($0[0], labelsWithIgnored) },
        GradientCase("binary_cross_entropy_with_logits_pos_weight", { [In.normal([6, 5], seed: 19, std: 2)] }) {
            binaryCrossEntropyWithLogits($0[0], In.uniform([6, 5], seed: 20, low: 0, high: 1),
                                         posWeight: Tensor([0.5, 1, 2, 3, 1.5]))
        },
        GradientCase("binary_cross_entropy_with_logits_weight_sum", { [In.normal([6, 5], seed: 21, std: 2)] }) {
            binaryCrossEntropyWithLogits($0[0], In.uniform([6, 5], seed: 22, low: 0, high: 1),
                                         weight: In.uniform([6, 5], seed: 23, low: 0.5, high: 2), reduction: .sum)
        },
        // Probabilities kept inside [0.05, 0.95]: the −100 clamp of the logs is far away.
        GradientCase("binary_cross_entropy", { [In.uniform([6, 5], seed: 24, low: 0.05, high: 0.95)] }) {
            binaryCrossEntropy($0[0], In.uniform([6, 5], seed: 25, low: 0, high: 1))
        },
    ]

    @Test("autodiff matches finite differences", arguments: cases)
    func matchesFiniteDifferences(_ c: GradientCase) {
        FiniteDifference.check(c.name, c.inputs(), c.op)
    }
}
