import ArgumentParser
import Foundation
import Synapse

/// `synapse ood`: out-of-distribution detection (MSP, energy, Mahalanobis) and selective prediction
/// of an image classifier, by the literature's AUROC protocol.
struct OODCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "ood",
        abstract: "Measure how well an image classifier flags out-of-distribution inputs (MSP, energy, Mahalanobis) and abstains.",
        discussion: """
        Scores every image three ways, each higher for inputs that look in-distribution: the maximum softmax probability, \
        the energy score T·logsumexp(z/T) (--energy-temperature), and minus the smallest Mahalanobis distance of the \
        penultimate features to a class mean (class means and shared covariance fitted on the first 90% of the training \
        split; for the built-in mlp and cnn). The in-distribution test split is compared with --ood-dataset (default: mnist \
        for a fashion-mnist model, fashion-mnist for an mnist one) and the --extra-ood sets (noise: uniform random images; \
        flipped: the test images upside down): AUROC, AUPR-In, AUPR-Out and the false-positive rate at --tpr (95%) \
        true-positive rate. Thresholds are chosen on the validation split — the last 10% of the training split, fixed — to \
        accept --tpr of it; selective prediction abstains below the --abstain-score threshold (or below \
        --abstain-threshold), with a risk-coverage curve per score. The report (--report, default <weights-stem>.ood.html) has every figure and an escalate list; every abstained \
        test image goes to --escalate (default <weights-stem>.escalate.csv). The last line printed is a JSON object with \
        auroc, aupr_in, aupr_out and fpr_at_95_tpr per score for --ood-dataset, auroc_<set> and fpr_at_95_tpr_<set> for \
        each --extra-ood set, test_accuracy, coverage, selective_risk, aurc per score, escalated, report and escalate_list.
        """
    )

    @Option(help: "Weights of an image classifier: safetensors from `synapse train`, an ONNX file (.onnx, with --dataset) or a PyTorch state dict (.pt/.pth, with --dataset and --model).")
    var weights: String

    @Option(help: "The in-distribution dataset (fashion-mnist, mnist); default: the one the weights' metadata records.")
    var dataset: ImageDatasetName?

    @Option(help: "For .pt weights: the built-in architecture of the state dict (mlp, cnn, vit).")
    var model: ClassifierName?

    @Option(help: "The headline out-of-distribution set: mnist, fashion-mnist, noise or flipped (default: the other built-in dataset).")
    var oodDataset: OODDatasetName?

    @Option(help: "Further out-of-distribution sets, comma-separated (noise, flipped, mnist, fashion-mnist), or none.")
    var extraOod = "noise,flipped"

    @Option(help: "The in-distribution acceptance rate of the thresholds, and of the reported false-positive rate.")
    var tpr = 0.95

    @Option(help: "The score whose threshold decides abstention: msp, energy or mahalanobis.")
    var abstainScore: OODScoreName = .msp

    @Option(help: "Abstain below this value of --abstain-score (e.g. 0.8 for msp) instead of the threshold chosen on the validation split.")
    var abstainThreshold: Double?

    @Option(help: "The temperature T of the energy score T·logsumexp(z/T).")
    var energyTemperature = 1.0

    @Option(help: "Where to write the report: .html (with the curves) or .md; default <weights-stem>.ood.html.")
    var report: String?

    @Option(help: "Where to write the escalate list (CSV of the abstained test images); default <weights-stem>.escalate.csv.")
    var escalate: String?

    @Option(help: "Seed of the noise images.")
    var seed: UInt64 = 0

    @Option(help: "Images per forward pass.")
    var batchSize = 1000

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    /// The parsed --extra-ood sets.
    func extraSets() throws -> [OODDatasetChoice] {
        let names = extraOod.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        if names == ["none"] { return [] }
        return try names.map { name in
            guard let set = OODDatasetChoice(rawValue: name) else {
                throw ValidationError("--extra-ood: unknown set '\(name)'; choose from \(OODDatasetChoice.allCases.map(\.rawValue).joined(separator: ", ")) or none")
            }
            return set
        }
    }

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard tpr > 0, tpr < 1 else { throw ValidationError("--tpr must be between 0 and 1 (exclusive), got \(tpr)") }
        guard energyTemperature > 0, energyTemperature.isFinite else {
            throw ValidationError("--energy-temperature must be positive, got \(energyTemperature)")
        }
        guard (1...100_000).contains(batchSize) else { throw ValidationError("--batch-size must be 1 to 100000, got \(batchSize)") }
        _ = try extraSets()
        if let abstainThreshold, !abstainThreshold.isFinite { throw ValidationError("--abstain-threshold must be finite") }
        if let dataset, let oodDataset, dataset.rawValue == oodDataset.rawValue {
            throw ValidationError("--ood-dataset \(oodDataset.rawValue) is the in-distribution dataset; choose another")
        }
        if let report { do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") } }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        var options = OODOptions(weights: weightsURL)
        options.dataset = dataset.map { ImageDatasetChoice(rawValue: $0.rawValue)! }
        options.modelName = model?.rawValue
        options.oodDataset = oodDataset.map { OODDatasetChoice(rawValue: $0.rawValue)! }
        options.extraOODDatasets = try extraSets()
        options.targetTruePositiveRate = tpr
        options.abstainScore = abstainScore.score
        options.abstainThreshold = abstainThreshold
        options.energyTemperature = energyTemperature
        options.report = report.map { URL(fileURLWithPath: $0) }
        options.escalateList = escalate.map { URL(fileURLWithPath: $0) }
        options.seed = seed
        options.batchSize = batchSize
        let result = try OODJob(options: options).run()
        func r(_ v: Double) -> Double { (v * 10_000).rounded() / 10_000 }
        func perScore(_ value: (OODScore) -> Double?) -> [String: Double] {
            var out: [String: Double] = [:]
            for kind in result.scores { if let v = value(kind) { out[kind.rawValue] = r(v) } }
            return out
        }
        let fprKey = "fpr_at_\(String(format: "%g", tpr * 100))_tpr"
        let primary = result.primary
        var figures: [String: Any] = [
            "dataset": result.dataset.rawValue, "ood_dataset": primary.dataset.rawValue,
            "auroc": perScore { primary.detection[$0]?.auroc }, "aupr_in": perScore { primary.detection[$0]?.auprIn },
            "aupr_out": perScore { primary.detection[$0]?.auprOut }, fprKey: perScore { primary.detection[$0]?.falsePositiveRate },
            "test_accepted": perScore { result.testAcceptance[$0] },
            "test_accuracy": r(result.testAccuracy), "coverage": r(result.selective.coverage),
            "selective_risk": r(result.selective.selectiveRisk), "abstain_score": result.selective.threshold.score.rawValue,
            "abstain_threshold": result.selective.threshold.value,
            "aurc": perScore { result.riskCoverage[$0]?.area }, "escalated": result.escalated.count,
            "validation_held_out": result.validationHeldOut, "report": result.reportURL.path,
            "escalate_list": result.escalateListURL.path,
        ]
        for set in result.sets.dropFirst() {
            let key = set.dataset.rawValue.replacingOccurrences(of: "-", with: "_")
            figures["auroc_\(key)"] = perScore { set.detection[$0]?.auroc }
            figures["\(fprKey)_\(key)"] = perScore { set.detection[$0]?.falsePositiveRate }
        }
        for set in result.sets {
            print("\(set.dataset.rawValue): " + result.scores.map { kind in
                String(format: "%@ AUROC %.4f FPR@%g%% %.4f", kind.rawValue, set.detection[kind]!.auroc, tpr * 100,
                       set.detection[kind]!.falsePositiveRate)
            }.joined(separator: "; "))
        }
        print(String(format: "selective prediction (%@ threshold): coverage %.4f, risk %.4f (%.4f without abstaining); %d escalated",
                     result.selective.threshold.score.rawValue, result.selective.coverage, result.selective.selectiveRisk,
                     result.selective.fullRisk, result.escalated.count))
        print("wrote the report to \(result.reportURL.path) and the escalate list to \(result.escalateListURL.path)")
        // The figures beside the weights, for the model card (`synapse card`).
        try TrustSidecar.ood.write(figures, forWeights: weightsURL)
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// `--ood-dataset` of `synapse ood`.
enum OODDatasetName: String, ExpressibleByArgument, CaseIterable {
    case mnist, fashionMNIST = "fashion-mnist", noise, flipped
}

/// `--abstain-score` of `synapse ood`.
enum OODScoreName: String, ExpressibleByArgument, CaseIterable {
    case msp, energy, mahalanobis

    /// The library's score.
    var score: OODScore { OODScore(rawValue: rawValue)! }
}
