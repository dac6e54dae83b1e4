import Foundation
import Synapse

/// The trust figures beside the weights (`<stem>.ood.json`, `<stem>.robustness.json`), which the
/// model card (`synapse card`, and every training run) reads and quotes.
///
/// Seeds are sidecars as `synapse robustness` and `synapse ood` write them (their final JSON line).
///
/// Accepted corruption: a changed number or string is a legitimately different figure, so a mutant
/// may be accepted, but only as finite numbers, objects of finite numbers and strings of bounded
/// length — and a model card quoting it must render, with every ε of `robust_accuracy` in it.
struct TrustSidecarTarget: FuzzTarget {
    let name = "trust-sidecar"

    static let robustness = """
    {
      "attack" : "pgd", "clean_accuracy" : 0.8852, "dataset" : "fashion-mnist", "examples" : 10000, "norm" : "linf",
      "report" : "/runs/normal.robustness.html", "robust_accuracy" : { "0.05" : 0.275, "0.1" : 0.03, "0.2" : 0 }, "steps" : 20,
      "compare_clean_accuracy" : 0.855, "compare_robust_accuracy" : { "0.05" : 0.775, "0.1" : 0.662, "0.2" : 0.245 }
    }
    """

    static let ood = """
    {
      "abstain_score" : "mahalanobis", "abstain_threshold" : -412.5, "aupr_in" : { "energy" : 0.81, "mahalanobis" : 0.99, "msp" : 0.69 },
      "auroc" : { "energy" : 0.832, "mahalanobis" : 0.994, "msp" : 0.699 }, "coverage" : 0.9512, "dataset" : "fashion-mnist",
      "escalate_list" : "/runs/cnn.escalate.csv", "escalated" : 488, "fpr_at_95_tpr" : { "energy" : 0.61, "mahalanobis" : 0.03, "msp" : 0.86 },
      "ood_dataset" : "mnist", "report" : "/runs/cnn.ood.html", "selective_risk" : 0.081, "test_accuracy" : 0.889,
      "validation_held_out" : true
    }
    """

    func seeds() throws -> [[UInt8]] { [Array(Self.robustness.utf8), Array(Self.ood.utf8)] }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let figures: TrustFigures
        do { figures = try TrustSidecar.parse(Data(mutant), path: "fuzz.json") } catch { return .rejected }
        let numbers = Array(figures.numbers.values) + figures.tables.values.flatMap { Array($0.values) }
        guard numbers.allSatisfy(\.isFinite) else { return .corruptionAccepted("a non-finite figure was accepted") }
        guard figures.text.values.allSatisfy({ $0.count <= 4096 }) else { return .corruptionAccepted("an unbounded string was accepted") }
        let card = ModelCard(
            details: .init(name: "fuzz", architecture: "mlp", parameters: 10, weights: "w.safetensors", training: [],
                           synapseVersion: "0", date: nil),
            intendedUse: nil, trainingData: .init(dataset: "fashion-mnist", source: "", sizes: [:], split: "", leakageCheck: nil),
            preprocessing: [], metrics: figures.numbers, slicings: [], calibration: nil, calibrationMethod: nil,
            robustness: figures, outOfDistribution: figures, baselines: [], limitations: ModelCard.toFill,
            ethicalConsiderations: ModelCard.toFill,
            reproduce: .init(command: "synapse train", configCommand: "", machine: "", synapseVersion: "0"))
        let markdown = ModelCardMarkdown.render(card)
        for epsilon in Array(figures.tables["robust_accuracy"]?.keys ?? [:].keys) where !markdown.contains(epsilon.replacingOccurrences(of: "|", with: "\\|")) {
            return .corruptionAccepted("the card lost the robust accuracy at ε = \(epsilon)")
        }
        return .accepted
    }
}
