import ArgumentParser
import Synapse

/// Datasets the CLI can train on: image classification sets and text corpora.
enum DatasetName: String, ExpressibleByArgument, CaseIterable {
    case fashionMNIST = "fashion-mnist"
    case mnist
    // Tabular and time-series datasets, trained by `TabularTrainingJob` (see Tabular/).
    case breastCancer = "breast-cancer", diabetes, sunspots, co2
    // Text corpora, trained with a character-level language model.
    case shakespeare
    case vimDocs = "vim-docs"

    /// True for the text corpora (trained with a language model).
    var isText: Bool { self == .shakespeare || self == .vimDocs }

    /// Loads the train and test splits of an image dataset (`loadSplits`: both splits' images must
    /// agree in shape).
    func load() throws -> (train: TensorDataset, test: TensorDataset) {
        switch self {
        case .fashionMNIST: return try FashionMNIST.loadSplits()
        case .mnist: return try MNIST.loadSplits()
        case .breastCancer, .diabetes, .sunspots, .co2: throw ValidationError("--dataset \(rawValue) is tabular, not an image dataset")
        case .shakespeare, .vimDocs: throw ValidationError("--dataset \(rawValue) is a text corpus, not an image dataset")
        }
    }

    /// Loads a text corpus (whole text; the caller splits it).
    func loadText() throws -> TextCorpus {
        switch self {
        case .shakespeare: return try TextCorpus.shakespeare()
        case .vimDocs: return try TextCorpus.vimDocumentation()
        case .fashionMNIST, .mnist: throw ValidationError("--dataset \(rawValue) is an image dataset, not a text corpus")
        case .breastCancer, .diabetes, .sunspots, .co2: throw ValidationError("--dataset \(rawValue) is tabular, not a text corpus")
        }
    }
}

/// Models the CLI can build.
enum ModelName: String, ExpressibleByArgument, CaseIterable {
    case mlp
    case cnn
    case charLSTM = "char-lstm"
    case gpt

    /// True for the character-level language models.
    var isLanguageModel: Bool { self == .charLSTM || self == .gpt }

    /// The recipe's optimiser for a language model: Adam (W4) for char-lstm, AdamW with weight decay
    /// 0.01 (W5) for gpt.
    func makeOptimizer(for model: any LanguageModel, learningRate: Double) -> any Optimizer {
        self == .gpt ? AdamW(model.parameters(), learningRate: learningRate, weightDecay: 0.01)
            : Adam(model.parameters(), learningRate: learningRate)
    }

    /// The recipe's batch size (W4: 32 windows, W5: 16 windows, classifiers: 128 examples).
    var defaultBatchSize: Int {
        switch self {
        case .mlp, .cnn: 128
        case .charLSTM: 32
        case .gpt: 16
        }
    }

    /// The recipe's window length in tokens (W4: 64, W5: 128).
    var defaultContext: Int { self == .gpt ? 128 : 64 }
}
