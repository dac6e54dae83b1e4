import ArgumentParser
import Foundation
import Synapse

extension ExplainMethodChoice: ExpressibleByArgument {}
extension IntegrationRule: ExpressibleByArgument {}

/// `synapse explain`: attributions or a counterfactual for one test example.
struct ExplainCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain",
        abstract: "Explain one prediction: attributions (ig, saliency, smoothgrad, occlusion, shap) or a counterfactual.",
        discussion: """
        Explains test example --index of a built-in dataset (fashion-mnist, mnist; breast-cancer, diabetes) under the model \
        at --weights (safetensors from `synapse train`; .onnx or .pt image classifiers with --dataset, and --model for .pt). \
        With --input FILE it explains your own example instead: example --index of FILE, prepared exactly as `synapse predict \
        --input` prepares it (a PNG/JPEG image, resized and converted to the model's input, a directory of images, JSON pixels \
        or an IDX file for image models; CSV rows or JSON objects with the training columns for tabular models); --input also \
        explains models trained on your own image folder or CSV file. Methods: ig (Integrated Gradients; with no --steps the step count \
        doubles from 50 until the completeness error |Σ attributions − (f(x) − f(baseline))| / |f(x) − f(baseline)| is at most \
        --tolerance, 1% by default), saliency, input-x-gradient, smoothgrad (--steps samples, --noise σ), occlusion (--window, \
        --stride), shap (KernelSHAP against --background training examples; images use --window-sized patches as features) and \
        counterfactual (tabular classifiers: the smallest change of the features not listed in --immutable, within the training \
        ranges, that flips the decision). The explained output is --target, default the predicted class. Writes \
        <prefix>.json (every attribution), <prefix>.png and <prefix>.svg (images: input, heatmap and overlay) or <prefix>.svg (a \
        bar chart for tabular models), and the report (--report, default <weights-stem>.explain.html, linked by `synapse \
        evaluate`); <prefix> is --output, default <weights-stem>.explain-<index>-<method>, or \
        <weights-stem>.explain-<input-stem>-<index>-<method> with --input. Where the training data cannot be rebuilt (runs on \
        your own files), shap compares against one reference at --baseline, as Captum's KernelShap does by default, and \
        counterfactual is refused. The last line printed is a JSON object with method, index, example, input \
        (null for the test split), label (null for --input), target, predicted, probability, completeness_error (null where the \
        method has none), steps, and the paths; a counterfactual adds new_class, distance and changes.
        """
    )

    @Option(help: "The model: image classifier weights (safetensors, .onnx or .pt as for predict) or a tabular run's weights.")
    var weights: String

    @Option(help: "The dataset (fashion-mnist, mnist, breast-cancer, diabetes); default: the one the weights record.")
    var dataset: DatasetName?

    @Option(help: "For .pt weights: the built-in architecture of the state dict (mlp, cnn, vit).")
    var model: ClassifierName?

    @Option(help: "Your own example(s) to explain, as predict takes them: a PNG/JPEG image or a directory of them, JSON pixels or an IDX file (images), CSV rows or JSON objects (tabular models).")
    var input: String?

    @Option(help: "The example to explain: its index in --input, or in the test split.")
    var index = 0

    @Option(help: "The method: ig, saliency, input-x-gradient, smoothgrad, occlusion, shap or counterfactual.")
    var method: ExplainMethodChoice = .ig

    @Option(help: "The output explained (class index); default: the predicted class.")
    var target: Int?

    @Option(help: "ig: integration steps (default: adaptive); smoothgrad: samples (50); shap: coalitions (2048); counterfactual: steps per round (300).")
    var steps: Int?

    @Option(help: "ig: the quadrature (gausslegendre, riemann_trapezoid, riemann_left, riemann_right, riemann_middle).")
    var rule: IntegrationRule = .gaussLegendre

    @Option(help: "ig with adaptive steps: the completeness error aimed for, as a fraction.")
    var tolerance = 0.01

    @Option(help: "ig and occlusion: the baseline value in model input units (0: a black image, the training mean of standardized features).")
    var baseline: Float = 0

    @Option(help: "smoothgrad: the noise σ in input units.")
    var noise: Float = 0.15

    @Option(help: "occlusion: the window side; shap on images: the patch side (default 4 pixels; 1 feature for tabular occlusion).")
    var window: Int?

    @Option(help: "occlusion: the stride (default half the window).")
    var stride: Int?

    @Option(help: "shap: background examples drawn from the training split.")
    var background = 50

    @Option(help: "counterfactual: features that must not change, comma-separated.")
    var immutable: String?

    @Option(help: "counterfactual: the class wanted (default: the runner-up class).")
    var desiredClass: Int?

    @Option(help: "Seed of smoothgrad's noise and shap's background sample and coalitions.")
    var seed: UInt64 = 0

    @Option(help: "Prefix of the written files (.json, .png, .svg); default <weights-stem>.explain-[<input-stem>-]<index>-<method>.")
    var output: String?

    @Option(help: "Where to write the report (.html or .md); default <weights-stem>.explain.html.")
    var report: String?

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
        guard index >= 0 else { throw ValidationError("--index must be ≥ 0, got \(index)") }
        if let target, target < 0 { throw ValidationError("--target must be ≥ 0, got \(target)") }
        if let steps, !(1...100_000).contains(steps) { throw ValidationError("--steps must be 1 to 100000, got \(steps)") }
        guard tolerance > 0, tolerance < 1 else { throw ValidationError("--tolerance must be in (0, 1), got \(tolerance)") }
        guard baseline.isFinite else { throw ValidationError("--baseline must be finite") }
        guard noise >= 0, noise.isFinite else { throw ValidationError("--noise must be ≥ 0, got \(noise)") }
        if let window, !(1...4096).contains(window) { throw ValidationError("--window must be 1 to 4096, got \(window)") }
        if let stride, !(1...4096).contains(stride) { throw ValidationError("--stride must be 1 to 4096, got \(stride)") }
        guard (1...10_000).contains(background) else { throw ValidationError("--background must be 1 to 10000, got \(background)") }
        if let dataset, dataset.imageDataset == nil, dataset.tabularBenchmark == nil {
            throw ValidationError("--dataset \(dataset.rawValue): explain takes an image dataset (fashion-mnist, mnist) or a tabular one "
                + "(breast-cancer, diabetes)")
        }
        if immutable != nil, method != .counterfactual { throw ValidationError("--immutable applies to --method counterfactual") }
        if desiredClass != nil, method != .counterfactual { throw ValidationError("--desired-class applies to --method counterfactual") }
        if let report { do { _ = try ReportFormat(path: report) } catch { throw ValidationError("--report: \(error)") } }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        guard FileManager.default.fileExists(atPath: weights) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        var options = ExplainOptions(weights: URL(fileURLWithPath: weights))
        if let input { options.input = try PredictionInput(path: input) }
        options.dataset = dataset?.imageDataset
        options.tabularDataset = dataset?.tabularBenchmark
        options.modelName = model?.rawValue
        options.index = index
        options.method = method
        options.target = target
        options.steps = steps
        options.rule = rule
        options.tolerance = tolerance
        options.baseline = baseline
        options.noise = noise
        options.window = window
        options.stride = stride
        options.background = background
        options.seed = seed
        options.immutable = immutable.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } } ?? []
        options.desiredClass = desiredClass
        options.output = output.map { URL(fileURLWithPath: $0) }
        options.report = report.map { URL(fileURLWithPath: $0) }
        let result = try ExplainJob(options: options).run()
        var figures: [String: Any] = [
            "method": method.rawValue, "index": index, "dataset": result.datasetName,
            "label": result.label ?? NSNull(), "example": result.exampleName, "input": result.input?.path ?? NSNull(),
            "attributions": result.jsonURL.path, "pictures": result.pictureURLs.map(\.path), "report": result.reportURL.path,
            "completeness_error": result.attribution?.completenessError?.first ?? NSNull(),
            "steps": result.attribution?.steps ?? NSNull(),
        ]
        if !result.classNames.isEmpty {
            figures["predicted"] = result.predicted
            figures["probability"] = result.probabilities[result.predicted]
        }
        if let a = result.attribution { figures["target"] = a.targets[0] }
        if let c = result.counterfactual {
            figures["new_class"] = c.search.newClass
            figures["distance"] = c.search.distance
            figures["changes"] = Dictionary(uniqueKeysWithValues: c.changes.map { ($0.feature, ["from": $0.from, "to": $0.to]) })
        }
        print("wrote \(([result.jsonURL] + result.pictureURLs).map(\.lastPathComponent).joined(separator: ", ")) and the report "
            + result.reportURL.path)
        let json = try JSONSerialization.data(withJSONObject: figures, options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}
