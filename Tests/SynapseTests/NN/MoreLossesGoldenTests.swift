import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO

/// The losses of issue 17 §5 against PyTorch 2.x (`scripts/make-loss-fixtures.py`: `torch.nn.functional`
/// where PyTorch has the loss, torchvision's `sigmoid_focal_loss` formula, and the published formulas
/// of the pairwise contrastive loss, InfoNCE, NT-Xent and the softmax focal loss written in PyTorch
/// ops). Each case checks the loss and the gradient of every differentiable input (the loss times a
/// fixed upstream) within rtol 1e-4, atol 1e-5 (float32 here, float64 there); every loss is also
/// checked against finite differences.
@Suite struct MoreLossesGoldenTests {
    static let rtol = 1e-4, atol = 1e-5

    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("losses/losses.safetensors"))
    }()

    static func fixture() throws -> SafeTensorsArchive { try #require(archive, "Fixtures/losses/losses.safetensors") }

    /// Runs `loss` on case `name`'s inputs, with `differentiable` of them as leaves, and compares.
    func check(_ name: String, _ differentiable: [String], sourceLocation: SourceLocation = #_sourceLocation,
               _ loss: ([String: Tensor]) -> Tensor) throws {
        let archive = try Self.fixture()
        var inputs: [String: Tensor] = [:]
        for key in archive.names where key.hasPrefix("\(name).in.") {
            let argument = String(key.dropFirst("\(name).in.".count))
            guard let value = try? archive.tensor(key) else { continue }   // integer targets are read by the case itself
            inputs[argument] = differentiable.contains(argument) ? value.requiringGrad() : value
        }
        let y = loss(inputs)
        expectClose(y, try archive.tensor("\(name).y"), rtol: Self.rtol, atol: Self.atol, "\(name) loss", sourceLocation: sourceLocation)
        (y * (try archive.tensor("\(name).upstream"))).sum().backward()
        for argument in differentiable {
            let grad = try #require(inputs[argument]?.grad, "\(name): no gradient for \(argument)", sourceLocation: sourceLocation)
            expectClose(grad, try archive.tensor("\(name).grad.\(argument)"), rtol: Self.rtol, atol: Self.atol, "\(name) grad \(argument)",
                        sourceLocation: sourceLocation)
        }
    }

    func labels(_ name: String) throws -> IntTensor { try Self.fixture().intTensor("\(name).in.target") }

    @Test func klDivergenceEveryReductionAndLogTarget() throws {
        for (name, reduction) in [("mean", KLDivReduction.mean), ("sum", .sum), ("batchmean", .batchMean), ("none", .none)] {
            try check("kl.\(name)", ["input"]) { klDivergence($0["input"]!, $0["target"]!, reduction: reduction) }
        }
        try check("kl.target_grad", ["input", "target"]) { klDivergence($0["input"]!, $0["target"]!, reduction: .batchMean) }
        // A zero target contributes 0 and a finite gradient (PyTorch's is NaN there: 0/0 in xlogy's backward).
        let zero = try Self.fixture().tensor("kl.sum.in.target").requiringGrad()
        klDivergence(try Self.fixture().tensor("kl.sum.in.input"), zero, reduction: .sum).backward()
        #expect(try #require(zero.grad).scalars.allSatisfy(\.isFinite))
        try check("kl.log_target", ["input", "target"]) { klDivergence($0["input"]!, $0["target"]!, reduction: .batchMean, logTarget: true) }
    }

    @Test func poissonAndGaussianNegativeLogLikelihoods() throws {
        try check("poisson.log", ["input"]) { poissonNLLLoss($0["input"]!, $0["target"]!) }
        try check("poisson.full", ["input"]) { poissonNLLLoss($0["input"]!, $0["target"]!, full: true) }
        try check("poisson.rate", ["input"]) { poissonNLLLoss($0["input"]!, $0["target"]!, logInput: false, reduction: .sum) }
        try check("gaussian.same", ["input", "target", "var"]) { gaussianNLLLoss($0["input"]!, $0["target"]!, variance: $0["var"]!) }
        try check("gaussian.row", ["input", "target", "var"]) {
            gaussianNLLLoss($0["input"]!, $0["target"]!, variance: $0["var"]!, full: true, reduction: .sum)
        }
    }

    @Test func marginLosses() throws {
        try check("margin_ranking", ["input1", "input2"]) { marginRankingLoss($0["input1"]!, $0["input2"]!, $0["target"]!, margin: 0.3) }
        try check("hinge_embedding", ["input"]) { hingeEmbeddingLoss($0["input"]!, $0["target"]!, margin: 1.5) }
        let classes = try labels("multi_margin.p1")
        try check("multi_margin.p1", ["input"]) { multiMarginLoss($0["input"]!, classes) }
        try check("multi_margin.p2", ["input"]) { multiMarginLoss($0["input"]!, classes, p: 2, margin: 0.7, weight: $0["weight"]!) }
        try check("cosine_embedding", ["input1", "input2"]) { cosineEmbeddingLoss($0["input1"]!, $0["input2"]!, $0["target"]!, margin: 0.2) }
        try check("triplet", ["anchor", "positive", "negative"]) {
            tripletMarginLoss(anchor: $0["anchor"]!, positive: $0["positive"]!, negative: $0["negative"]!)
        }
        try check("triplet.swap_p1", ["anchor", "positive", "negative"]) {
            tripletMarginLoss(anchor: $0["anchor"]!, positive: $0["positive"]!, negative: $0["negative"]!, margin: 0.5, p: 1, swap: true)
        }
    }

    @Test func contrastiveInfoNCEAndNTXent() throws {
        try check("contrastive", ["input1", "input2"]) { contrastiveLoss($0["input1"]!, $0["input2"]!, $0["target"]!, margin: 2) }
        try check("info_nce", ["query", "key"]) { infoNCELoss(query: $0["query"]!, key: $0["key"]!, temperature: 0.2) }
        try check("nt_xent", ["view1", "view2"]) { ntXentLoss(view1: $0["view1"]!, view2: $0["view2"]!, temperature: 0.5) }
    }

    @Test func focalLosses() throws {
        try check("sigmoid_focal", ["inputs"]) { sigmoidFocalLoss($0["inputs"]!, $0["targets"]!) }
        try check("sigmoid_focal.noalpha", ["inputs"]) { sigmoidFocalLoss($0["inputs"]!, $0["targets"]!, alpha: -1, gamma: 1.5, reduction: .sum) }
        let classes = try labels("softmax_focal")
        try check("softmax_focal", ["input"]) { focalLoss($0["input"]!, classes, gamma: 2, alpha: $0["weight"]!) }
        // γ = 0 without α is the cross-entropy.
        let logits = try Self.fixture().tensor("softmax_focal.in.input")
        expectClose(focalLoss(logits, classes, gamma: 0), crossEntropy(logits, classes), rtol: 1e-6, atol: 1e-6, "focal γ=0")
    }

    /// Every loss against central differences at the fixtures' inputs (away from kinks).
    @Test func finiteDifferences() throws {
        let a = try Self.fixture()
        func t(_ key: String) throws -> Tensor { try a.tensor(key) }
        let q = try t("kl.log_target.in.target"), logp = try t("kl.mean.in.input")
        FiniteDifference.check("kl", [logp]) { klDivergence($0[0], try! t("kl.mean.in.target"), reduction: .batchMean) }
        FiniteDifference.check("kl target", [logp, try t("kl.target_grad.in.target")]) { klDivergence($0[0], $0[1], reduction: .sum) }
        FiniteDifference.check("kl log target", [logp, q]) { klDivergence($0[0], $0[1], reduction: .sum, logTarget: true) }
        FiniteDifference.check("poisson", [try t("poisson.log.in.input")]) { poissonNLLLoss($0[0], try! t("poisson.log.in.target"), full: true) }
        FiniteDifference.check("poisson rate", [try t("poisson.rate.in.input")]) {
            poissonNLLLoss($0[0], try! t("poisson.rate.in.target"), logInput: false)
        }
        FiniteDifference.check("gaussian", [try t("gaussian.row.in.input"), try t("gaussian.row.in.target"), try t("gaussian.row.in.var")]) {
            gaussianNLLLoss($0[0], $0[1], variance: $0[2])
        }
        let signs = try t("margin_ranking.in.target")
        FiniteDifference.check("margin ranking", [try t("margin_ranking.in.input1"), try t("margin_ranking.in.input2")]) {
            marginRankingLoss($0[0], $0[1], signs, margin: 0.3)
        }
        FiniteDifference.check("hinge embedding", [try t("hinge_embedding.in.input")]) { hingeEmbeddingLoss($0[0], signs, margin: 1.5) }
        let classes = try labels("multi_margin.p1")
        for p in [1, 2] {
            FiniteDifference.check("multi margin p\(p)", [try t("multi_margin.p1.in.input")]) { multiMarginLoss($0[0], classes, p: p) }
        }
        FiniteDifference.check("cosine embedding", [try t("cosine_embedding.in.input1"), try t("cosine_embedding.in.input2")]) {
            cosineEmbeddingLoss($0[0], $0[1], signs, margin: 0.2)
        }
        let triplet = [try t("triplet.in.anchor"), try t("triplet.in.positive"), try t("triplet.in.negative")]
        FiniteDifference.check("triplet", triplet) { tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2]) }
        FiniteDifference.check("triplet swap p1", triplet) {
            tripletMarginLoss(anchor: $0[0], positive: $0[1], negative: $0[2], margin: 0.5, p: 1, swap: true)
        }
        FiniteDifference.check("contrastive", [try t("contrastive.in.input1"), try t("contrastive.in.input2")]) {
            contrastiveLoss($0[0], $0[1], try! t("contrastive.in.target"), margin: 2)
        }
        FiniteDifference.check("info nce", [try t("info_nce.in.query"), try t("info_nce.in.key")]) {
            infoNCELoss(query: $0[0], key: $0[1], temperature: 0.2)
        }
        FiniteDifference.check("nt xent", [try t("nt_xent.in.view1"), try t("nt_xent.in.view2")]) {
            ntXentLoss(view1: $0[0], view2: $0[1])
        }
        FiniteDifference.check("sigmoid focal", [try t("sigmoid_focal.in.inputs")]) {
            sigmoidFocalLoss($0[0], try! t("sigmoid_focal.in.targets"), gamma: 1.5)
        }
        FiniteDifference.check("softmax focal", [try t("softmax_focal.in.input")]) {
            focalLoss($0[0], try! labels("softmax_focal"), alpha: try! t("softmax_focal.in.weight"))
        }
    }
}
