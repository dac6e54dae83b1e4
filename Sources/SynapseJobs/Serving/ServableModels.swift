import Foundation

/// A model loaded for serving: a predictor (`:predict`) or a language model (`:generate`).
public enum LoadedServable: Sendable {
    /// A classifier, regressor or forecaster.
    case predictor(any ServableModel)
    /// A language model.
    case languageModel(any ServableLanguageModel)

    /// What the model is and takes.
    public var info: ServableModelInfo {
        switch self {
        case .predictor(let m): m.info
        case .languageModel(let m): m.info
        }
    }
}

/// Loads models for serving from the files `synapse train` writes.
public enum ServableModels {
    /// The model in `directory`: a run directory of `synapse train` copied as it is, or a directory
    /// holding just the weights file with its companions, or an ONNX file.
    /// - Throws: `PredictionError` / `PipelineError` naming the file and what is wrong.
    public static func load(directory: URL) throws -> LoadedServable {
        throw PredictionError.unsupportedModel(path: directory.path, reason: "serving loader not yet implemented")
    }
}
