import Foundation

/// Why a pretrained model directory (Hugging Face layout: `config.json`, weights, tokenizer files,
/// optionally sentence-transformers' `modules.json`) could not be used.
public enum PretrainedModelError: Error, CustomStringConvertible, Equatable {
    /// The directory or a file it must contain does not exist.
    case missingFile(path: String, reason: String)
    /// A configuration file exists but is not what the loader understands.
    case invalidConfig(path: String, reason: String)
    /// The model type or a setting is valid for Hugging Face but not supported here.
    case unsupported(path: String, reason: String)
    /// The weights file does not fit the configuration (names, shapes, dtypes, values).
    case weights(path: String, reason: String)

    /// Human-readable explanation naming the file.
    public var description: String {
        switch self {
        case .missingFile(let path, let reason): return "pretrained model: \(path): \(reason)"
        case .invalidConfig(let path, let reason): return "pretrained model: invalid configuration \(path): \(reason)"
        case .unsupported(let path, let reason): return "pretrained model: \(path): not supported: \(reason)"
        case .weights(let path, let reason): return "pretrained model: weights \(path) do not fit the configuration: \(reason)"
        }
    }
}
