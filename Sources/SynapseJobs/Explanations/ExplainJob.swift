import Foundation
import SynapseCore
import SynapseData
import SynapseEval
import SynapseIO
import SynapseNN

/// Explains one prediction of a trained model: attributions (Integrated Gradients, saliency,
/// input × gradient, SmoothGrad, occlusion, KernelSHAP) of an image classifier or a tabular model,
/// or a counterfactual of a tabular classifier, for one example of the test split. Writes the
/// attributions as JSON, pictures (PNG and SVG overlay for images, an SVG bar chart for tabular
/// models) and a report page that `synapse evaluate` links.
public struct ExplainJob {
    /// The run's options.
    public let options: ExplainOptions
    /// Progress lines.
    public let log: (String) -> Void

    /// A job for `options`, reporting progress to `log`.
    public init(options: ExplainOptions, log: @escaping (String) -> Void = { print($0) }) {
        self.options = options
        self.log = log
    }

    /// The example, model and data the method runs on, whichever kind of model it is.
    struct Subject {
        let model: any Layer
        let input: Tensor
        let modelDescription: String
        let datasetName: String
        /// The true label (class name, or target value); nil for a user's input, which has none.
        let label: String?
        /// "test example 3", or the user's file ("shoe.png", "rows.csv, row 2").
        let exampleName: String
        let classNames: [String]
        let isImage: Bool
        let featureNames: [String]
        let featureValues: [Double]
        let background: Tensor
        let trainFeatures: Tensor?
        let toOriginal: (Int, Double) -> Double
        let oneHot: [Bool]
    }

    /// Runs the method and writes the files.
    /// - Throws: `PipelineError`/`PredictionError` (weights), `DataError`, `ExplanationError`
    ///   (settings that do not fit, no counterfactual found), `ReportError`, `AtomicFileError`.
    public func run() throws -> ExplainResult {
        let o = options
        guard o.index >= 0 else { throw ExplanationError.invalidData("the example index must be ≥ 0, got \(o.index)") }
        guard (1...10_000).contains(o.background) else {
            throw ExplanationError.invalidSettings("the background must hold 1 to 10000 examples, got \(o.background)")
        }
        let format = try ReportFormat(path: o.reportURL.path)
        if o.input == nil, let source = try? SafeTensors.load(from: o.weights).metadata["source"], source == "csv" || source == "image-folder" {
            throw ExplanationError.invalidSettings("the weights were trained on your own \(source == "csv" ? "CSV file" : "image folder"), "
                + "whose test split explain does not rebuild: explain your examples with --input FILE")
        }
        let tabular = o.dataset == nil && (o.tabularDataset != nil || TabularRun.isTabular(weights: o.weights))
        let subject = try o.input.map(inputSubject) ?? (tabular ? try tabularSubject() : try imageSubject())
        subject.model.eval()
        let logits = withoutGradients { subject.model(subject.input) }.contiguous().scalars.map { Double($0) }
        let regression = subject.classNames.isEmpty
        let probabilities = regression ? [] : LogitCalibration.softmax(logits)
        let predicted = regression ? 0 : logits.indices.max { logits[$0] < logits[$1] } ?? 0
        let target = o.target ?? predicted
        guard target >= 0, target < logits.count else {
            throw ExplanationError.invalidSettings("target \(target) outside the model's outputs 0..<\(logits.count)")
        }
        var attribution: Attribution? = nil, counterfactual: CounterfactualSummary? = nil
        let settings: String
        if o.method == .counterfactual {
            let found = try counterfactualSearch(subject, regression: regression)
            counterfactual = found.summary
            settings = found.settings
        } else {
            let method = try attributionMethod(subject)
            settings = method.settings
            if method.needsGradients, !InputGradient.reachesInputs(subject.model, sample: subject.input) {
                throw PredictionError.unsupportedModel(path: o.weights.path, reason: "gradients do not reach its inputs through the "
                    + "autodiff tape; explain it with --method occlusion or shap, which only run the model forward")
            }
            attribution = try method.method.attribute(subject.model, inputs: subject.input, targets: [target])
        }
        let result = try write(subject: subject, attribution: attribution, counterfactual: counterfactual, predicted: predicted,
                               probabilities: probabilities, settings: settings, format: format)
        if let error = attribution?.completenessError?.first {
            log(String(format: "synapse explain: %@ of %@ (%@); completeness error %.4f%% after %d steps", o.method.rawValue,
                       subject.exampleName, subject.datasetName, error * 100, attribution?.steps ?? 0))
        }
        return result
    }

    // MARK: - Models and data

    private func imageSubject() throws -> Subject {
        let o = options
        let (dataset, _) = try PostHocModel.resolvedDataset(weights: o.weights, option: o.dataset, command: "explain")
        let predictor = try PostHocModel.imageClassifier(weights: o.weights, dataset: dataset, modelName: o.modelName, batchSize: 256,
                                                         command: "explain")
        let (train, test) = try dataset.load()
        guard o.index < test.count else {
            throw ExplanationError.invalidData("example \(o.index) is outside the \(dataset.rawValue) test split (0..<\(test.count))")
        }
        let input = test.features.slice(dim: 0, start: o.index, end: o.index + 1).contiguous()
        // A seeded sample of training images as KernelSHAP's background.
        let background = Self.sample(train.features, count: o.background, seed: o.seed)
        return Subject(model: predictor.model, input: input, modelDescription: predictor.modelDescription, datasetName: dataset.rawValue,
                       label: dataset.classNames[test.labels.scalars[o.index]], exampleName: "test example \(o.index)",
                       classNames: dataset.classNames, isImage: true,
                       featureNames: [], featureValues: [], background: background, trainFeatures: nil, toOriginal: { $1 },
                       oneHot: [])
    }

    private func tabularSubject() throws -> Subject {
        let o = options
        let run = try TabularRun.load(weights: o.weights, benchmark: o.tabularDataset)
        let sets = try Self.splits(of: run)
        guard o.index < sets.test.shape[0] else {
            throw ExplanationError.invalidData("example \(o.index) is outside the \(run.benchmark.rawValue) test split (0..<\(sets.test.shape[0]))")
        }
        let input = sets.test.slice(dim: 0, start: o.index, end: o.index + 1).contiguous()
        return tabularSubject(model: run.model, input: input, train: sets.train, preprocessing: run.data.preprocessing.tabular,
                              classNames: run.data.classNames, modelDescription: "mlp \(run.hidden) on \(run.benchmark.rawValue)",
                              datasetName: run.benchmark.rawValue, label: sets.label(o.index), exampleName: "test example \(o.index)")
    }

    /// The training and test features of a classification or regression run, and the test labels as text.
    private static func splits(of run: TabularRun) throws -> (train: Tensor, test: Tensor, label: (Int) -> String) {
        if let sets = run.data.classification {
            return (sets.train.features, sets.test.features, { run.data.classNames[sets.test.labels.scalars[$0]] })
        }
        if run.data.task == .regression, let sets = run.data.regression {
            return (sets.train.features, sets.test.features, { String(format: "%.4g", run.data.testTargets[$0]) })
        }
        throw ExplanationError.invalidData("explain takes classification and regression runs; \(run.benchmark.rawValue) is a "
            + "forecasting run")
    }

    /// A tabular example: feature names from the preprocessing (one per one-hot indicator), values
    /// in original units, and KernelSHAP's background drawn from `train` — or, without the training
    /// split, one row at the baseline (Captum's default reference).
    private func tabularSubject(model: any Layer, input: Tensor, train: Tensor?, preprocessing: TabularPreprocessor?,
                                classNames: [String], modelDescription: String, datasetName: String, label: String?,
                                exampleName: String) -> Subject {
        let o = options
        let width = input.shape[1]
        let columns = preprocessing?.columns ?? []
        var names: [String] = [], scalings: [ScalingParameters?] = [], oneHot: [Bool] = []
        for c in columns {
            if c.kind == .numeric {
                names.append(c.name); scalings.append(c.scaling); oneHot.append(false)
            } else {
                for category in c.categories ?? [] { names.append("\(c.name)=\(category)"); scalings.append(nil); oneHot.append(true) }
            }
        }
        if names.count != width {
            names = (0..<width).map { "x\($0)" }; scalings = Array(repeating: nil, count: width); oneHot = Array(repeating: false, count: width)
        }
        let toOriginal: (Int, Double) -> Double = { i, v in scalings[i]?.invert(v) ?? v }
        let background = train.map { Self.sample($0, count: o.background, seed: o.seed) }
            ?? Tensor(shape: [1, width], scalars: [Float](repeating: o.baseline, count: width))
        let values = input.scalars.enumerated().map { toOriginal($0.offset, Double($0.element)) }
        return Subject(model: model, input: input, modelDescription: modelDescription, datasetName: datasetName, label: label,
                       exampleName: exampleName, classNames: classNames, isImage: false, featureNames: names, featureValues: values,
                       background: background, trainFeatures: train, toOriginal: toOriginal, oneHot: oneHot)
    }

    /// Example `index` of the user's file, prepared exactly as `synapse predict` prepares it (the
    /// same loader, resizing, scaling and saved preprocessing). Its label is unknown. The training
    /// split is read where the method needs it (KernelSHAP's background, the counterfactual's
    /// ranges) and the run's data can be rebuilt: a built-in dataset.
    private func inputSubject(_ input: PredictionInput) throws -> Subject {
        let o = options
        var job = PredictionJob(weights: o.weights)
        job.dataset = o.dataset
        job.model = o.modelName.flatMap(ImageClassifierKind.init(rawValue:))
        let predictor = try job.loadModelPredictor()
        let (features, files) = try predictor.modelInputs(input)
        let count = features.shape[0], file = input.url.lastPathComponent
        guard o.index < count else {
            throw ExplanationError.invalidData("example \(o.index) is outside the \(count) example(s) of \(input.url.path) (0..<\(count))")
        }
        let x = features.slice(dim: 0, start: o.index, end: o.index + 1).contiguous()
        var exampleName = file
        if case .imageDirectory = input, let files { exampleName = "\(file)/\(files[o.index])" }
        else if count > 1 { exampleName += ", example \(o.index)" }
        if let image = predictor as? ImagePredictor {
            if let wanted = o.tabularDataset {
                throw ExplanationError.invalidSettings("the weights hold an image classifier, not a model for \(wanted.rawValue)")
            }
            var datasetName = image.datasetName, background: Tensor? = nil
            if image.normalization == nil {
                // A built-in dataset: the weights' record must agree with --dataset, and its
                // training split is KernelSHAP's background.
                let (dataset, _) = try PostHocModel.resolvedDataset(weights: o.weights, option: o.dataset, command: "explain")
                datasetName = dataset.rawValue
                if o.method == .shap { background = Self.sample(try dataset.load().train.features, count: o.background, seed: o.seed) }
            }
            let reference = Tensor(shape: [1] + image.inputShape, scalars: [Float](repeating: o.baseline, count: image.pixelCount))
            return Subject(model: image.model, input: x, modelDescription: image.modelDescription, datasetName: datasetName,
                           label: nil, exampleName: exampleName, classNames: image.classNames, isImage: true, featureNames: [],
                           featureValues: [], background: background ?? reference, trainFeatures: nil, toOriginal: { $1 },
                           oneHot: [])
        }
        guard let tabular = predictor as? TabularPredictor else {
            throw PredictionError.unsupportedModel(path: o.weights.path, reason: "explain takes image classifiers and tabular models")
        }
        let dataset = tabular.preprocessing.dataset
        if let wanted = o.tabularDataset, wanted.rawValue != dataset {
            throw PipelineError.invalidRun(path: o.weights.path, reason: "holds a model for \(dataset), not \(wanted.rawValue)")
        }
        // The training split of a built-in dataset's run, rebuilt from its recorded seed and
        // fractions, where the method needs it; a CSV run's training file is not reread.
        var train: Tensor? = nil
        if o.method == .shap || o.method == .counterfactual, TabularRun.isTabular(weights: o.weights) {
            train = try Self.splits(of: try TabularRun.load(weights: o.weights, benchmark: o.tabularDataset)).train
        }
        if o.method == .counterfactual, train == nil {
            throw ExplanationError.invalidSettings("counterfactual search needs the training split for its feature ranges and scales, "
                + "and explain rebuilds it for the built-in datasets only (these weights were trained on \(dataset)); the attribution "
                + "methods explain this model")
        }
        return tabularSubject(model: tabular.model, input: x, train: train, preprocessing: tabular.preprocessing.tabular,
                              classNames: tabular.preprocessing.tabular?.classNames ?? [], modelDescription: tabular.modelDescription,
                              datasetName: dataset, label: nil, exampleName: exampleName)
    }

    /// `count` rows of `rows` drawn without replacement by a seeded partial Fisher-Yates shuffle
    /// (KernelSHAP's background sample).
    static func sample(_ rows: Tensor, count: Int, seed: UInt64) -> Tensor {
        let n = rows.shape[0], size = rows.count / max(n, 1), taken = min(count, n)
        let generator = RandomGenerator(seed: seed)
        var order = Array(0..<n)
        for i in 0..<taken { order.swapAt(i, i + generator.nextInt(below: n - i)) }
        let scalars = rows.contiguous().scalars
        return Tensor(shape: [taken] + rows.shape.dropFirst(), scalars: order.prefix(taken).flatMap { scalars[($0 * size)..<(($0 + 1) * size)] })
    }

    // MARK: - Methods

    private func attributionMethod(_ s: Subject) throws -> (method: any AttributionMethod, settings: String, needsGradients: Bool) {
        let o = options
        let dims = Array(s.input.shape.dropFirst())
        switch o.method {
        case .ig:
            let method = IntegratedGradients(baseline: o.baseline == 0 ? .zeros : .constant(o.baseline), steps: o.steps, rule: o.rule,
                                             tolerance: o.tolerance)
            let steps = o.steps.map { "\($0) steps" } ?? "steps doubled from \(IntegratedGradients.initialSteps) until the completeness "
                + "error is at most \(o.tolerance * 100)%"
            return (method, "\(steps), \(o.rule.rawValue) quadrature, baseline \(o.baseline)", true)
        case .saliency: return (Saliency(), "|∂ logit / ∂ input|", true)
        case .inputXGradient: return (InputXGradient(), "input × ∂ logit / ∂ input", true)
        case .smoothgrad:
            let samples = o.steps ?? 50
            return (SmoothGrad(samples: samples, noise: o.noise, seed: o.seed), "\(samples) samples, noise σ \(o.noise), seed \(o.seed)", true)
        case .occlusion:
            let side = o.window ?? (s.isImage ? 4 : 1)
            let step = o.stride ?? max(1, side / 2)
            let sides = s.isImage ? Array(dims.dropFirst()) : dims
            guard sides.allSatisfy({ side <= $0 }) else {
                throw ExplanationError.invalidSettings("occlusion window \(side) must fit in the input (\(sides.map(String.init).joined(separator: "×")))")
            }
            let window = s.isImage ? [dims[0]] + sides.map { _ in side } : dims.map { _ in side }
            let strides = s.isImage ? [1] + dims.dropFirst().map { _ in step } : dims.map { _ in step }
            return (Occlusion(window: window, strides: strides, baseline: o.baseline),
                    "window \(window.map(String.init).joined(separator: "×")), stride \(step), baseline \(o.baseline)", false)
        case .shap:
            var groups: [Int]? = nil
            var description = "one feature per column"
            if s.isImage {
                let side = max(1, o.window ?? 4)
                let (c, h, w) = (dims[0], dims[1], dims[2])
                let across = (w + side - 1) / side
                groups = (0..<(c * h * w)).map { i in ((i % (h * w)) / w / side) * across + (i % w) / side }
                description = "\(side)×\(side) patches as features"
            }
            let samples = o.steps ?? 2048
            let method = KernelSHAP(background: s.background, featureGroups: groups, samples: samples, seed: o.seed)
            return (method, "\(description), \(s.background.shape[0]) background examples from the training split, "
                + "\(samples) coalitions when not enumerated exactly, seed \(o.seed)", false)
        case .counterfactual:
            throw ExplanationError.invalidSettings("counterfactual is not an attribution method")
        }
    }

    private func counterfactualSearch(_ s: Subject, regression: Bool) throws -> (summary: CounterfactualSummary, settings: String) {
        let o = options
        guard !s.isImage, let train = s.trainFeatures else {
            throw ExplanationError.invalidSettings("counterfactual search takes tabular classifiers (use --method ig, saliency, smoothgrad, "
                + "occlusion or shap for images)")
        }
        guard !regression else { throw ExplanationError.invalidSettings("counterfactual search takes classifiers, not regression models") }
        for name in o.immutable where !s.featureNames.contains(name) {
            throw ExplanationError.invalidSettings("--immutable: no feature '\(name)' (features: \(s.featureNames.joined(separator: ", ")))")
        }
        let width = s.featureNames.count, rows = train.shape[0], t = train.contiguous().scalars
        var lower = [Float](repeating: .infinity, count: width), upper = [Float](repeating: -.infinity, count: width)
        for r in 0..<rows { for j in 0..<width { lower[j] = min(lower[j], t[r * width + j]); upper[j] = max(upper[j], t[r * width + j]) } }
        // One-hot indicators would need a discrete search: they stay as they are.
        let mutable = (0..<width).map { !s.oneHot[$0] && !o.immutable.contains(s.featureNames[$0]) }
        let search = CounterfactualSearch(lower: lower, upper: upper, mutable: mutable, desiredClass: o.desiredClass, steps: o.steps ?? 300)
        let found = try search.search(s.model, input: s.input.scalars)
        let changes = found.changed.map { i in
            (feature: s.featureNames[i], from: s.toOriginal(i, Double(found.original[i])), to: s.toOriginal(i, Double(found.counterfactual[i])))
        }
        let settings = "L1 distance in training standard deviations; ranges: the training split's minimum and maximum; "
            + (o.immutable.isEmpty ? "every numeric feature mutable" : "immutable: \(o.immutable.joined(separator: ", "))")
        return (CounterfactualSummary(search: found, changes: changes), settings)
    }
}
