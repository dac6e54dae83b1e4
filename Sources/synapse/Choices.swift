import ArgumentParser
import Synapse

/// Datasets the CLI can train on: image classification sets, tabular sets and text corpora. Each
/// maps to the library's choice of its kind (`imageDataset`, `textCorpus`, `tabularBenchmark`).
enum DatasetName: String, ExpressibleByArgument, CaseIterable {
    case fashionMNIST = "fashion-mnist"
    case mnist
    // Tabular and time-series datasets, trained by `TabularTrainingJob` (see Tabular/).
    case breastCancer = "breast-cancer", diabetes, sunspots, co2
    // Text corpora, trained with a character-level language model.
    case shakespeare
    case vimDocs = "vim-docs"
    // Labelled text, for fine-tuning a pretrained encoder (`TextClassificationJob`).
    case movieReviews = "movie-reviews"
    // Graphs, for node classification, link prediction or graph classification with a graph network (`GraphTrainingJob`).
    case karate, cora, solubility
    // User–item interactions, for recommendation (`RecommendationJob`).
    case movielens

    /// True for the recommendation datasets.
    var isRecommendation: Bool { self == .movielens }

    /// The graph this name selects, or nil.
    var graph: GraphDatasetChoice? { GraphDatasetChoice(rawValue: rawValue) }

    /// The labelled text dataset this name selects, or nil.
    var textClassification: TextClassificationDatasetChoice? { TextClassificationDatasetChoice(rawValue: rawValue) }

    /// The image dataset this name selects, or nil.
    var imageDataset: ImageDatasetChoice? { ImageDatasetChoice(rawValue: rawValue) }

    /// The text corpus this name selects, or nil.
    var textCorpus: TextCorpusChoice? { TextCorpusChoice(rawValue: rawValue) }

    /// True for the text corpora (trained with a language model).
    var isText: Bool { textCorpus != nil }

    /// Loads the train and test splits of an image dataset (`loadSplits`: both splits' images must
    /// agree in shape).
    func load() throws -> (train: TensorDataset, test: TensorDataset) {
        guard let imageDataset else {
            throw ValidationError("--dataset \(rawValue) is \(isText ? "a text corpus" : graph != nil ? "a graph" : isRecommendation ? "recommendation data" : "tabular"), not an image dataset")
        }
        return try imageDataset.load()
    }
}

/// Models the CLI can build; each maps to the library's kind (`imageClassifier`, `languageModel`).
enum ModelName: String, ExpressibleByArgument, CaseIterable {
    case mlp
    case cnn
    /// A Vision Transformer (image datasets).
    case vit
    case charLSTM = "char-lstm"
    case gpt
    /// A pretrained sentence encoder (all-MiniLM-L6-v2) with a new head: text classification.
    case minilm
    /// Graph networks for node classification.
    case gcn, sage, gat
    /// One-class anomaly detectors on an image dataset.
    case autoencoder, vae
    /// Recommenders (`--dataset movielens`).
    case mf
    case twoTower = "two-tower"
    /// A class-conditional denoising diffusion model on an image dataset (`DiffusionTrainingJob`).
    case ddpm

    /// The recommender this name selects, or nil.
    var recommender: RecommenderKind? { RecommenderKind(rawValue: rawValue) }

    /// The anomaly detector this name selects, or nil.
    var anomalyDetector: AnomalyModelKind? { AnomalyModelKind(rawValue: rawValue) }

    /// The graph convolution this name selects, or nil.
    var graphConvolution: GraphConvolutionKind? { GraphConvolutionKind(rawValue: rawValue) }

    /// True for the pretrained encoders fine-tuned on labelled text.
    var isPretrainedEncoder: Bool { self == .minilm }

    /// The image classifier this name selects, or nil.
    var imageClassifier: ImageClassifierKind? { ImageClassifierKind(rawValue: rawValue) }

    /// The language model this name selects, or nil.
    var languageModel: LanguageModelKind? { LanguageModelKind(rawValue: rawValue) }

    /// True for the character-level language models.
    var isLanguageModel: Bool { languageModel != nil }
}

/// `--precision`: the precision of matrix products and convolutions (`bf16` turns on bfloat16
/// autocast, `fp16` float16 autocast with dynamic loss scaling).
enum PrecisionName: String, ExpressibleByArgument, CaseIterable {
    case float32, bf16, fp16

    /// Also accepts the long and PyTorch-style spellings (`bfloat16`, `float16`, `half`, `fp32`).
    init?(argument: String) {
        switch argument.lowercased() {
        case "float32", "fp32", "f32": self = .float32
        case "bf16", "bfloat16": self = .bf16
        case "fp16", "float16", "f16", "half": self = .fp16
        default: return nil
        }
    }

    /// The name of `precision`.
    init(_ precision: ComputePrecision) {
        switch precision {
        case .float32: self = .float32
        case .bfloat16: self = .bf16
        case .float16: self = .fp16
        }
    }

    /// The library's precision.
    var precision: ComputePrecision {
        switch self {
        case .float32: .float32
        case .bf16: .bfloat16
        case .fp16: .float16
        }
    }
}
