import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseNN

/// Everything that defines a robustness evaluation (`synapse robustness`).
public struct RobustnessOptions: Sendable {
    /// The classifier's weights (safetensors from `synapse train`, a PyTorch state dict with
    /// `dataset` and `modelName`, or an ONNX graph with `dataset`).
    public var weights: URL
    /// A second classifier on the same dataset reported beside the first (an adversarially trained
    /// model against a normally trained one).
    public var compareWith: URL?
    /// The built-in image dataset (default: the one the weights' metadata records).
    public var dataset: ImageDatasetChoice?
    /// The architecture of a PyTorch state dict (`mlp`, `cnn`).
    public var modelName: String?
    /// The attack; its radius is replaced by each of `epsilons`.
    public var attack = AdversarialAttack.pgd(epsilon: 0.1, steps: 20)
    /// The radii ε (pixel units: the images are in [0, 1]).
    public var epsilons: [Float] = [0.05, 0.1, 0.2]
    /// Evaluate the first `limit` test images only (nil: all of them).
    public var limit: Int?
    /// The seed of the random starts.
    public var seed: UInt64 = 0
    /// Examples per attacked batch.
    public var batchSize = 500
    /// Where the report goes (`.html` or `.md`); default `<weights-stem>.robustness.html`.
    public var report: URL?

    /// Options for the weights at `weights`.
    public init(weights: URL) { self.weights = weights }

    /// The report's path.
    public var reportURL: URL { report ?? weights.deletingPathExtension().appendingPathExtension("robustness.html") }
}

/// One model's figures in a robustness run.
public struct RobustnessModelResult: Sendable {
    /// The weights.
    public let weights: URL
    /// "mlp on fashion-mnist".
    public let modelDescription: String
    /// How it was trained adversarially (weights metadata `adversarial_training`), if it was.
    public let adversarialTraining: String?
    /// Clean and robust accuracy per ε.
    public let evaluation: RobustnessEvaluation
}

/// What `RobustnessJob.run()` produced.
public struct RobustnessResult: Sendable {
    /// The dataset.
    public let dataset: ImageDatasetChoice
    /// The model, then the one compared with it.
    public let models: [RobustnessModelResult]
    /// The report's path.
    public let reportURL: URL
}

/// Robust accuracy of image classifiers under FGSM or PGD at several radii on the test split of a
/// built-in dataset, with a report that puts a normally and an adversarially trained model side by side.
public struct RobustnessJob {
    /// The run's options.
    public let options: RobustnessOptions
    /// Progress lines.
    public let log: (String) -> Void

    /// A job for `options`, reporting progress to `log`.
    public init(options: RobustnessOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// Runs the attacks and writes the report.
    /// - Throws: `PipelineError`/`PredictionError` (weights), `DataError`, `RobustnessError`
    ///   (attack settings), `ReportError`.
    public func run() throws -> RobustnessResult {
        let o = options
        guard !o.epsilons.isEmpty else { throw RobustnessError.invalidAttack("no radius ε given") }
        for e in o.epsilons { try o.attack.with(epsilon: e).validate() }
        if let limit = o.limit, limit <= 0 { throw RobustnessError.invalidData("the example limit must be positive, got \(limit)") }
        guard o.batchSize > 0 else { throw RobustnessError.invalidData("the batch size must be positive, got \(o.batchSize)") }
        let format = try ReportFormat(path: o.reportURL.path)
        let (dataset, _) = try PostHocModel.resolvedDataset(weights: o.weights, option: o.dataset, command: "robustness")
        let test = try dataset.load().test
        let count = min(o.limit ?? test.count, test.count)
        let features = test.features.slice(dim: 0, start: 0, end: count).contiguous()
        let labels = IntTensor(shape: [count], scalars: Array(test.labels.scalars[0..<count]))
        var models: [RobustnessModelResult] = []
        for weights in [o.weights] + (o.compareWith.map { [$0] } ?? []) {
            let predictor = try PostHocModel.imageClassifier(weights: weights, dataset: dataset, modelName: o.modelName,
                                                             batchSize: o.batchSize, command: "robustness")
            if weights != o.weights {
                let (other, _) = try PostHocModel.resolvedDataset(weights: weights, option: nil, command: "robustness")
                guard other == dataset else {
                    throw PredictionError.unsupportedModel(path: weights.path, reason: "was trained on \(other.rawValue), not \(dataset.rawValue)")
                }
            }
            guard InputGradient.reachesInputs(predictor.model, sample: features.slice(dim: 0, start: 0, end: 1)) else {
                throw PredictionError.unsupportedModel(path: weights.path, reason: "gradients do not reach its inputs through the autodiff "
                    + "tape, so gradient attacks cannot run on it")
            }
            let adversarial = Self.adversarialTraining(of: weights)
            log("synapse robustness: \(predictor.modelDescription)\(adversarial.map { " (adversarially trained: \($0))" } ?? ""); "
                + "\(o.attack.methodSummary) at ε ∈ {\(o.epsilons.map { String(format: "%g", $0) }.joined(separator: ", "))} on \(count) "
                + "\(dataset.rawValue) test images")
            let evaluation = try RobustnessEvaluation.evaluate(predictor.model, features: features, labels: labels, attack: o.attack,
                                                              epsilons: o.epsilons, batchSize: o.batchSize, seed: o.seed)
            log(String(format: "clean accuracy %.4f; ", evaluation.cleanAccuracy) + evaluation.results.map {
                String(format: "ε %g: %.4f", $0.epsilon, $0.accuracy)
            }.joined(separator: ", "))
            models.append(RobustnessModelResult(weights: weights, modelDescription: predictor.modelDescription,
                                                adversarialTraining: adversarial, evaluation: evaluation))
        }
        let result = RobustnessResult(dataset: dataset, models: models, reportURL: o.reportURL)
        let page = RobustnessReportPage(result: result, count: count)
        do { try AtomicFile.write(Data(format.render(page.document, title: page.title).utf8), to: o.reportURL) } catch {
            throw ReportError.writeFailed(path: o.reportURL.path, reason: "\(error)")
        }
        return result
    }

    /// The weights' `adversarial_training` metadata, if any.
    static func adversarialTraining(of weights: URL) -> String? {
        guard weights.pathExtension.lowercased() == "safetensors" || !PyTorchFile.looksLikePyTorchFile(at: weights),
              let archive = try? SafeTensors.load(from: weights) else { return nil }
        return archive.metadata["adversarial_training"]
    }
}
