import Foundation
import SynapseEval

/// The explanation methods of `synapse explain`.
public enum ExplainMethodChoice: String, Sendable, CaseIterable {
    /// Integrated Gradients (completeness error reported; adaptive steps by default).
    case ig
    /// Gradient saliency |∂f/∂x|.
    case saliency
    /// Input × gradient.
    case inputXGradient = "input-x-gradient"
    /// SmoothGrad: saliency averaged over noisy copies.
    case smoothgrad
    /// Occlusion with a sliding window.
    case occlusion
    /// KernelSHAP against a background sample of the training split.
    case shap
    /// The smallest change of the mutable features that flips the decision (tabular classifiers).
    case counterfactual
}

/// Everything that defines one `synapse explain` run.
public struct ExplainOptions: Sendable {
    /// The model's weights: an image classifier (safetensors, ONNX or `.pt` as for `synapse predict`)
    /// or a tabular run of a built-in dataset.
    public var weights: URL
    /// The built-in image dataset (default: the weights' metadata); tabular runs know their own.
    public var dataset: ImageDatasetChoice?
    /// The tabular dataset the weights must have been trained on (checked against their metadata).
    public var tabularDataset: TabularBenchmark?
    /// The architecture of a PyTorch state dict.
    public var modelName: String?
    /// A file of the user's own examples (as `synapse predict --input` takes them: a PNG/JPEG image,
    /// a directory of them, JSON pixels, an IDX file, CSV rows or JSON objects); nil: the test split.
    public var input: PredictionInput?
    /// The example explained: its index in `input`, or in the test split.
    public var index = 0
    /// The method.
    public var method = ExplainMethodChoice.ig
    /// The class (output) explained; default the predicted class (output 0 for regression).
    public var target: Int?
    /// Integrated Gradients steps (nil: adaptive to `tolerance`), SmoothGrad samples, or KernelSHAP
    /// coalitions.
    public var steps: Int?
    /// Integrated Gradients' quadrature.
    public var rule = IntegrationRule.gaussLegendre
    /// The completeness error adaptive Integrated Gradients aims for.
    public var tolerance = 0.01
    /// The baseline value of Integrated Gradients and occlusion (model input units; default 0: a
    /// black image, or the training mean of standardized tabular features).
    public var baseline: Float = 0
    /// SmoothGrad's noise σ in input units.
    public var noise: Float = 0.15
    /// Occlusion window side, or KernelSHAP patch side for images (pixels).
    public var window: Int?
    /// Occlusion stride (default half the window).
    public var stride: Int?
    /// Background examples of KernelSHAP, drawn from the training split.
    public var background = 50
    /// Seed of SmoothGrad's noise, KernelSHAP's coalitions and background sample.
    public var seed: UInt64 = 0
    /// Counterfactual: features that must not change (names as in the dataset).
    public var immutable: [String] = []
    /// Counterfactual: the class wanted (default: the runner-up class).
    public var desiredClass: Int?
    /// Prefix of the written files (`.json`, `.png`, `.svg`); default
    /// `<weights-stem>.explain-<index>-<method>`, or `<weights-stem>.explain-<input-stem>-<index>-<method>`.
    public var output: URL?
    /// The report page (`.html` or `.md`); default `<weights-stem>.explain.html`.
    public var report: URL?

    /// Options for the weights at `weights`.
    public init(weights: URL) { self.weights = weights }

    /// The prefix of the written files.
    public var outputPrefix: URL {
        if let output { return output }
        let stem = weights.deletingPathExtension()
        guard let input else { return stem.appendingPathExtension("explain-\(index)-\(method.rawValue)") }
        var name = input.url.lastPathComponent
        if name.lowercased().hasSuffix(".gz") { name = String(name.dropLast(3)) }
        // Only safe characters of the input's name go into the file name.
        let safe = String((name as NSString).deletingPathExtension.map { $0.isLetter || $0.isNumber || "-_".contains($0) ? $0 : "_" })
        return stem.appendingPathExtension("explain-\(safe.isEmpty ? "input" : safe)-\(index)-\(method.rawValue)")
    }

    /// The report's path.
    public var reportURL: URL { report ?? weights.deletingPathExtension().appendingPathExtension("explain.html") }
}

/// What `ExplainJob.run()` produced.
public struct ExplainResult: Sendable {
    /// The method.
    public let method: ExplainMethodChoice
    /// The example's index in the test split, or in the user's input.
    public let index: Int
    /// What was explained: "test example 3", or the user's file ("shoe.png", "rows.csv, example 2").
    public let exampleName: String
    /// The user's input file, when one was explained.
    public let input: URL?
    /// "cnn on fashion-mnist", "mlp [32] on breast-cancer".
    public let modelDescription: String
    /// The dataset's name.
    public let datasetName: String
    /// The example's true label (class name, or the target value for regression); nil for a
    /// user's input, whose label is unknown.
    public let label: String?
    /// The predicted class (or 0 for regression).
    public let predicted: Int
    /// Class names (empty for regression).
    public let classNames: [String]
    /// Softmax probabilities of the example (empty for regression).
    public let probabilities: [Double]
    /// The attributions (nil for a counterfactual).
    public let attribution: Attribution?
    /// Feature names of a tabular model (empty for images).
    public let featureNames: [String]
    /// The example's feature values in original units (tabular), for display.
    public let featureValues: [Double]
    /// The counterfactual, for that method.
    public let counterfactual: CounterfactualSummary?
    /// The attribution file (JSON).
    public let jsonURL: URL
    /// The picture files (PNG and SVG for images, SVG bar chart for tabular).
    public let pictureURLs: [URL]
    /// The report page.
    public let reportURL: URL
    /// What the method was run with ("50 steps, gausslegendre, baseline 0").
    public let settings: String
}

/// A counterfactual in the dataset's own units.
public struct CounterfactualSummary: Sendable {
    /// The search result (model input units).
    public let search: Counterfactual
    /// Per changed feature: its name and its value before and after, in original units.
    public let changes: [(feature: String, from: Double, to: Double)]
}
