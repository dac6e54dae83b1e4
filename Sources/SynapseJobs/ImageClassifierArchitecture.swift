import SynapseCore
import SynapseModels
import SynapseNN

/// The image classifiers the jobs build.
public enum ImageClassifierKind: String, Sendable, CaseIterable {
    /// `MLPClassifier` (hidden widths recorded in the metadata).
    case mlp
    /// `CNNClassifier` (fixed layers sized by the images).
    case cnn
    /// `VisionTransformer` (patch size, width, depth, heads and feed-forward width recorded in the metadata).
    case vit
}

/// What rebuilds an image classifier: the kind with its sizes. Training writes it into the
/// weights' metadata; evaluation reads it back (range-checked, size-limited before allocating).
public struct ImageClassifierArchitecture: Sendable {
    /// The kind of network.
    public let kind: ImageClassifierKind
    /// One example's shape, `[channels, height, width]`.
    public let inputShape: [Int]
    /// Number of classes.
    public let classes: Int
    /// Hidden widths of the MLP (the recipe's 512, 256); unused by the CNN, whose layers are fixed.
    public var hiddenSizes = [512, 256]
    /// Channels of the CNN's two convolutions and its hidden width (the recipe's 32, 64, 128;
    /// narrower after structured pruning); unused by the MLP.
    public var cnnWidths = CNNClassifier.defaultWidths
    /// The Vision Transformer's sizes (its image size and classes follow `inputShape` and
    /// `classes`); unused by the others.
    public var vitSizes = VisionTransformerSizes()

    /// The architecture of a built network (`MLPClassifier` or `CNNClassifier`, pruned or not) on
    /// examples of `inputShape`; nil for other networks.
    public init?(of network: any Layer, inputShape: [Int]) {
        if let mlp = network as? MLPClassifier {
            self.init(kind: .mlp, inputShape: inputShape, classes: mlp.classCount)
            hiddenSizes = mlp.hiddenSizes
        } else if let cnn = network as? CNNClassifier {
            self.init(kind: .cnn, inputShape: inputShape, classes: (cnn.classifier.layers.last as! Linear).outFeatures)
            cnnWidths = cnn.widths
        } else if let vit = network as? VisionTransformer {
            self.init(kind: .vit, inputShape: inputShape, classes: vit.classCount)
            vitSizes = VisionTransformerSizes(vit.configuration)
        } else {
            return nil
        }
    }

    /// The recipe's architecture for `kind` on examples of `inputShape`.
    public init(kind: ImageClassifierKind, inputShape: [Int], classes: Int) {
        self.kind = kind
        self.inputShape = inputShape
        self.classes = classes
    }

    /// The metadata entries describing it.
    public var metadata: [String: String] {
        var m = ["model": kind.rawValue, "input_shape": inputShape.map(String.init).joined(separator: ","), "classes": String(classes)]
        if kind == .mlp { m["hidden"] = hiddenSizes.map(String.init).joined(separator: ",") }
        if kind == .cnn { m["widths"] = cnnWidths.map(String.init).joined(separator: ",") }
        if kind == .vit { m.merge(vitSizes.metadata) { a, _ in a } }
        return m
    }

    /// Reads the architecture for a dataset of `inputShape` and `classes` from `meta`: recorded
    /// sizes must match the dataset and lie in range; files from before the sizes were recorded get
    /// the recipe's sizes.
    /// - Throws: `PipelineError.invalidRun` naming the file and the entry at fault.
    public static func read(_ meta: WeightsMetadata, kind: ImageClassifierKind, inputShape: [Int], classes: Int) throws -> ImageClassifierArchitecture {
        var a = ImageClassifierArchitecture(kind: kind, inputShape: inputShape, classes: classes)
        if let shape = try meta.optionalSizes("input_shape", in: 1...(1 << 16), maxCount: 4), shape != inputShape {
            throw PipelineError.invalidRun(path: meta.path, reason: "metadata input_shape \(shape) differs from the dataset's \(inputShape)")
        }
        if let recorded = try meta.optionalInteger("classes", in: 1...(1 << 20)), recorded != classes {
            throw PipelineError.invalidRun(path: meta.path, reason: "metadata classes \(recorded) differs from the dataset's \(classes)")
        }
        if kind == .mlp, let hidden = try meta.optionalSizes("hidden", in: 1...TabularEvaluationJob.maxWidth, maxCount: TabularEvaluationJob.maxLayers) {
            a.hiddenSizes = hidden
        }
        if kind == .cnn, let widths = try meta.optionalSizes("widths", in: 1...TabularEvaluationJob.maxWidth, maxCount: 3) {
            guard widths.count == 3 else {
                throw PipelineError.invalidRun(path: meta.path, reason: "metadata 'widths' is \(widths); a cnn records three widths")
            }
            a.cnnWidths = widths
        }
        if kind == .vit { a.vitSizes = try VisionTransformerSizes(meta) }
        return a
    }

    /// Builds the network, refusing one over `ModelSizeLimit.maxParameters` before allocating it.
    /// - Parameter source: the flag or file named in errors.
    /// - Throws: `PipelineError.invalidOption` (images the CNN cannot take), the size limit's error.
    public func make(generator: RandomGenerator, source: String = "--model") throws -> any Layer {
        switch kind {
        case .mlp:
            let inputs = inputShape.reduce(1, *)
            try ModelSizeLimit.check(ModelSizeLimit.mlp(inputSize: inputs, hiddenSizes: hiddenSizes, classes: classes),
                                     model: "MLP \(hiddenSizes)", source: source)
            return MLPClassifier(inputSize: inputs, hiddenSizes: hiddenSizes, classes: classes, generator: generator)
        case .cnn:
            // Fixed layers sized by the dataset's images, which the CNN needs square with a side divisible by 4.
            guard inputShape.count == 3, inputShape[1] == inputShape[2], inputShape[1] % 4 == 0 else {
                throw PipelineError.invalidOption(name: "model", reason: "cnn needs square images with a side divisible by 4, got \(inputShape)")
            }
            let side = Double(inputShape[1] / 4)
            let parameters = Double(inputShape[0] * 9 + 1) * Double(cnnWidths[0]) + Double(cnnWidths[0] * 9 + 1) * Double(cnnWidths[1])
                + (Double(cnnWidths[1]) * side * side + 1) * Double(cnnWidths[2]) + Double(cnnWidths[2] + 1) * Double(classes)
            try ModelSizeLimit.check(parameters, model: "CNN \(cnnWidths)", source: source)
            return CNNClassifier(channels: inputShape[0], size: inputShape[1], classes: classes, widths: cnnWidths, generator: generator)
        case .vit:
            guard inputShape.count == 3 else {
                throw PipelineError.invalidOption(name: "model", reason: "vit needs images [channels, height, width], got \(inputShape)")
            }
            let configuration = vitSizes.configuration(channels: inputShape[0], height: inputShape[1], width: inputShape[2], classes: classes)
            if let problem = configuration.problem { throw PipelineError.invalidOption(name: "model", reason: "vit: \(problem)") }
            try ModelSizeLimit.check(Double(configuration.parameterCount), model: "ViT \(vitSizes.summary)", source: source)
            return VisionTransformer(configuration, generator: generator)
        }
    }
}
