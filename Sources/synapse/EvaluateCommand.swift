import ArgumentParser
import Foundation
import Synapse

/// `synapse evaluate`: evaluates saved weights on a dataset's test split and writes a report.
struct EvaluateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a saved model on a dataset's test split and write a Markdown or HTML report.",
        discussion: """
        The dataset and the model (with its sizes) are read from the weights' metadata, so --dataset and \
        --model are only needed for files that do not record them; given flags that differ from the \
        metadata are refused. A PyTorch state dict (.pt/.pth, read without running code) needs --dataset and \
        --model (mlp, cnn or vit with the recipe's sizes; the keys are the built-in model's state-dict names). An \
        ONNX file (.onnx) needs --dataset: the graph is fed the test images as the built-in loaders feed them \
        ([N, 1, 28, 28], pixels in [0, 1]) and its first output is read as class logits. Image datasets: fashion-mnist, mnist; tabular datasets: breast-cancer, \
        diabetes, sunspots, co2 (text corpora are evaluated by `synapse train` itself). \
        The model runs in evaluation mode without gradients. The report holds accuracy, top-3 accuracy, \
        precision/recall/F1 (macro, micro, weighted), log loss, ROC-AUC and average precision (one-vs-rest), \
        the confusion matrix, calibration (ECE and reliability diagram), and slices by true class and by \
        image-brightness quartile with the worst slice highlighted. The format follows the report's \
        extension: .md for Markdown, .html for HTML with the plots inline. The last line printed to \
        standard output is a JSON object with the headline metrics. \
        A diffusion model's weights (synapse train --model ddpm) are measured with --classifier, an image classifier \
        of the same dataset: it generates --count-per-class images of every class and reports the classifier's \
        accuracy on their intended classes and the Fréchet distance of its penultimate features to the test set, \
        beside real, pixel-shuffled and noised reference images.
        """
    )

    @Option(help: "Dataset the weights were trained on (default: the one recorded in the weights' metadata; a different one is refused).")
    var dataset: EvaluableDataset?

    @Option(help: "Model architecture of the weights (default: the one recorded in the weights' metadata; a different one is refused).")
    var model: ClassifierName?

    @Option(help: "Weights saved by `synapse train` (safetensors), a PyTorch state dict (.pt/.pth, with --dataset and --model naming a built-in architecture), or an ONNX file (.onnx, with --dataset; the graph is the model).")
    var weights: String

    @Option(help: "Where to write the report: a .md (Markdown) or .html (HTML with plots) path.")
    var report: String

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    @OptionGroup(title: "Diffusion models (weights from synapse train --model ddpm)")
    var diffusion: DiffusionEvaluationFlags

    func validate() throws {
        do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw EvaluateError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        try OutputPaths.checkReplaceable(URL(fileURLWithPath: report), overwrite: true, flag: "--report")
        if !diffusion.given.isEmpty && weightsURL.pathExtension.lowercased() != "safetensors" {
            throw EvaluateError("\(diffusion.given.joined(separator: ", ")): only apply to a diffusion model's weights (synapse train --model ddpm)")
        }
        if weightsURL.pathExtension.lowercased() == "onnx" {
            try runONNX(weightsURL)
            return
        }
        // A `torch.save` state dict records no dataset or architecture: --dataset and --model name them.
        let isPyTorch = PyTorchFile.looksLikePyTorchFile(at: weightsURL)
        let meta: WeightsMetadata
        if isPyTorch {
            meta = WeightsMetadata([:], path: weights)
        } else {
            do { meta = WeightsMetadata(try SafeTensors.load(from: weightsURL).metadata, path: weights) } catch {
                throw EvaluateError("--weights \(weights): cannot read the weights: \(error)")
            }
        }
        if meta.optionalString("task") == DiffusionModelFile.task {
            if dataset != nil || model != nil { throw EvaluateError("--dataset/--model: a diffusion model's weights record both (omit them)") }
            try runDiffusion(weightsURL)
            return
        }
        if !diffusion.given.isEmpty {
            throw EvaluateError("\(diffusion.given.joined(separator: ", ")): only apply to a diffusion model's weights (synapse train --model ddpm)")
        }
        let dataset = try resolvedDataset(meta)
        if dataset.isRecommendation {
            try runRecommendation(weightsURL)
            return
        }
        if let benchmark = dataset.tabularBenchmark {
            if isPyTorch {
                throw EvaluateError("--weights \(weights): a PyTorch file holds no tabular preprocessing; evaluate a tabular run's "
                                    + "safetensors weights (with its .preprocessing.json beside them)")
            }
            if let model, model != .mlp { throw EvaluateError("--model \(model.rawValue): the weights hold a tabular mlp (omit --model)") }
            try runTabular(benchmark)
            return
        }
        let model = try resolvedModel(meta)
        let (_, test) = try dataset.load()
        let classNames = dataset.evaluationClassNames
        let architecture = try ImageClassifierArchitecture.read(meta, kind: model.imageClassifier!, inputShape: test.exampleShape,
                                                                classes: classNames.count)
        let network = try architecture.make(generator: RandomGenerator(seed: 0), source: weights)
        do {
            try network.load(from: weightsURL)
        } catch {
            throw EvaluateError("--weights \(weights) does not hold a \(model.rawValue) model for \(dataset.rawValue): \(error)")
        }
        try writeReport(network, on: test, classNames: classNames, modelName: model.rawValue, dataset: dataset)
    }

    /// Evaluates an ONNX file: the graph is the model, fed the `--dataset`'s test images as the
    /// built-in loaders feed them ([N, 1, 28, 28], pixels in [0, 1]); its first output is read as the
    /// class logits.
    func runONNX(_ url: URL) throws {
        guard let dataset else {
            throw EvaluateError("--weights \(weights): an ONNX file records no dataset: pass --dataset (fashion-mnist or mnist)")
        }
        guard dataset.name.tabularBenchmark == nil else {
            throw EvaluateError("--dataset \(dataset.rawValue): ONNX files are evaluated on the image datasets (fashion-mnist, mnist); "
                                + "a tabular graph needs the run's preprocessing, which the file does not hold")
        }
        if model != nil {
            throw EvaluateError("--model: an ONNX file is its own model (omit --model)")
        }
        let network = try ONNXModel(contentsOf: url)
        let (_, test) = try dataset.name.load()
        let classNames = dataset.name.evaluationClassNames
        // One example first, so a graph that cannot take these images is a typed error, not a stop.
        let probe = try network.run([test.batch([0]).features])
        guard let logits = probe.first, logits.shape == [1, classNames.count] else {
            throw EvaluateError("--weights \(weights): the graph's first output has shape \(probe.first?.shape ?? []) for one image; "
                                + "expected [1, \(classNames.count)] class logits")
        }
        try writeReport(network, on: test, classNames: classNames, modelName: "ONNX graph", dataset: dataset.name)
    }

    /// Writes the report of `network` on `test` and prints the summary and the final JSON line.
    private func writeReport(_ network: some Layer, on test: TensorDataset, classNames: [String], modelName: String,
                        dataset: DatasetName) throws {
        var details = [("dataset", "\(dataset.rawValue), test split"), ("model", modelName), ("weights", weights)]
        // The trust pages written beside the weights: this report evaluates the raw model and links them.
        let weightsURL = URL(fileURLWithPath: weights)
        if let calibration = try? CalibrationFile.load(from: CalibrationFile.url(forWeights: weightsURL)) {
            let page = weightsURL.deletingPathExtension().appendingPathExtension("calibration.html").lastPathComponent
            let ece = [calibration.figures["test_ece_before"], calibration.figures["test_ece_after"]].compactMap { $0 }
                .map { String(format: "%.4f", $0) }.joined(separator: " → ")
            details.append(("calibration", "\(calibration.calibration.summary) (applied by predict and serve; test ECE \(ece)); "
                            + "report: \(page)"))
        }
        for (suffix, name, what) in [("ood.html", "out-of-distribution detection", "MSP, energy and Mahalanobis scores, thresholds and "
                                      + "selective prediction (synapse ood)"),
                                     ("robustness.html", "adversarial robustness", "robust accuracy under FGSM/PGD per ε (synapse robustness)"),
                                     ("explain.html", "explanation", "attributions of a test example (synapse explain)")] {
            let page = weightsURL.deletingPathExtension().appendingPathExtension(suffix)
            if FileManager.default.fileExists(atPath: page.path) { details.append((name, "\(what); report: \(page.lastPathComponent)")) }
        }
        let evaluation = try EvaluationReport.imageClassifier(
            model: network, dataset: test, classNames: classNames,
            title: "Evaluation of \(modelName) on \(dataset.rawValue) (test split)",
            details: details)
        try evaluation.write(to: URL(fileURLWithPath: report))
        let s = evaluation.summary
        print(String(format: "synapse evaluate: %d examples, accuracy %.4f, macro F1 %.4f, log loss %.4f, ECE %.4f",
                     s.count, s.accuracy, (try? s.scores.f1Score(.macro)) ?? .nan, s.logLoss, s.expectedCalibrationError))
        for slicing in evaluation.slices {
            if let worst = slicing.worst {
                print("worst slice by \(slicing.name) (\(slicing.metric.displayName)): \(worst.key), accuracy "
                      + String(format: "%.4f", worst.summary.accuracy) + " on \(worst.count) examples")
            }
        }
        print("wrote report to \(report)")
        let result: [String: Any] = [
            "accuracy": (s.accuracy * 10_000).rounded() / 10_000,
            "macro_f1": (((try? s.scores.f1Score(.macro)) ?? 0) * 10_000).rounded() / 10_000,
            "log_loss": (s.logLoss * 10_000).rounded() / 10_000,
            "ece": (s.expectedCalibrationError * 10_000).rounded() / 10_000,
            "test_accuracy": (s.accuracy * 10_000).rounded() / 10_000,
            "report": report,
        ]
        let json = try JSONSerialization.data(withJSONObject: result, options: [.sortedKeys])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// A failure of `synapse evaluate` with its message (printed by ArgumentParser as `Error: ...`).
struct EvaluateError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

extension DatasetName {
    /// Class names shown in the report, indexed by label.
    fileprivate var evaluationClassNames: [String] {
        switch self {
        case .fashionMNIST: return FashionMNIST.classNames
        case .mnist: return MNIST.classNames
        case .breastCancer, .diabetes, .sunspots, .co2, .shakespeare, .vimDocs, .movieReviews, .karate, .cora, .solubility, .movielens: return []
        }
    }
}

extension EvaluateCommand {
    /// The dataset recorded in the weights; `--dataset`, when given, must agree with it.
    func resolvedDataset(_ meta: WeightsMetadata) throws -> DatasetName {
        let recorded = meta.optionalString("dataset")
        guard let recorded else {
            guard let dataset else {
                throw EvaluateError("--weights \(weights) records no dataset in its metadata: pass --dataset")
            }
            return dataset.name
        }
        guard let name = DatasetName(rawValue: recorded) else {
            throw EvaluateError("--weights \(weights): metadata dataset '\(recorded)' is not one synapse knows")
        }
        if let dataset, dataset.name != name {
            throw EvaluateError("--dataset \(dataset.rawValue) does not match the weights, which were trained on \(recorded) "
                                + "(omit --dataset to use the recorded one)")
        }
        if name.isText {
            throw EvaluateError("--weights \(weights) holds a language model for the text corpus \(recorded): `synapse train` reports its "
                                + "validation loss and `synapse generate` samples from it; `synapse evaluate` covers the image and tabular datasets")
        }
        if name.graph != nil {
            throw EvaluateError("--weights \(weights) holds a graph network trained on \(recorded): `synapse train` reports its "
                                + "test accuracy on the test nodes (report.json); `synapse evaluate` covers the image and tabular datasets")
        }
        if name.textClassification != nil {
            throw EvaluateError("--weights \(weights) holds a text classifier fine-tuned on \(recorded): `synapse train` reports its "
                                + "test accuracy (report.json); `synapse evaluate` covers the image and tabular datasets")
        }
        return name
    }

    /// The classifier recorded in the weights; `--model`, when given, must agree with it.
    func resolvedModel(_ meta: WeightsMetadata) throws -> ModelName {
        guard let recorded = meta.optionalString("model") else {
            guard let model else { throw EvaluateError("--weights \(weights) records no model in its metadata: pass --model") }
            return model.name
        }
        guard let name = ClassifierName(rawValue: recorded) else {
            throw EvaluateError("--weights \(weights): metadata model '\(recorded)' is not an image classifier (mlp, cnn, vit)")
        }
        if let model, model != name {
            throw EvaluateError("--model \(model.rawValue) does not match the weights, which hold a \(recorded) (omit --model to use the recorded one)")
        }
        return name.name
    }
}

/// The datasets `synapse evaluate` accepts (image and tabular; a separate type so that its help
/// and error messages do not offer the text corpora, which it refuses).
enum EvaluableDataset: String, ExpressibleByArgument, CaseIterable {
    case fashionMNIST = "fashion-mnist", mnist, breastCancer = "breast-cancer", diabetes, sunspots, co2

    /// The same dataset as `train` names it.
    var name: DatasetName { DatasetName(rawValue: rawValue)! }
}

/// The classifiers `synapse evaluate` rebuilds (image datasets; tabular runs are always mlp).
enum ClassifierName: String, ExpressibleByArgument, CaseIterable {
    case mlp, cnn, vit

    /// The same model as `train` names it.
    var name: ModelName { ModelName(rawValue: rawValue)! }
}

