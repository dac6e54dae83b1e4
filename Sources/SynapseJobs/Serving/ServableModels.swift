import Foundation
import SynapseCore
import SynapseIO
import SynapseModels

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

/// Loads models for serving from the files `synapse train` writes, so that any model the CLI
/// trains can be served as it is.
///
/// A version directory holds one of:
/// - a run directory of `synapse train` copied as it is (`weights.safetensors` with `config.json`,
///   the tabular preprocessing `weights.preprocessing.json` and the drift profile `weights.profile.json`);
/// - just a weights file with its companions (any one `*.safetensors` other than the rolling
///   checkpoints `last`/`best`);
/// - an ONNX image classifier (`*.onnx`) or a PyTorch state dict (`*.pt`, `*.pth`) with a
///   `config.json` naming the built-in `dataset` whose images and classes it takes (and, for a state
///   dict, the `model`, mlp, cnn or vit), as `synapse predict --dataset --model` does.
public enum ServableModels {
    /// The weights file a version directory serves (or `directory` itself when it is a file).
    /// - Throws: `PredictionError.unsupportedModel` when the directory holds no servable file or
    ///   several candidates.
    public static func weightsFile(in directory: URL) throws -> URL {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: directory.path, isDirectory: &isDirectory) else {
            throw PredictionError.unreadableInput(path: directory.path, reason: "no such file or directory")
        }
        guard isDirectory.boolValue else { return directory }
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
        if names.contains("weights.safetensors") { return directory.appendingPathComponent("weights.safetensors") }
        let checkpoints: Set<String> = ["last.safetensors", "best.safetensors"]
        for ext in ["safetensors", "onnx", "pt", "pth"] {
            let found = names.filter { $0.lowercased().hasSuffix("." + ext) && !checkpoints.contains($0) && !$0.hasPrefix(".") }
            if found.count == 1 { return directory.appendingPathComponent(found[0]) }
            if found.count > 1 {
                throw PredictionError.unsupportedModel(path: directory.path, reason: "holds several .\(ext) files \(found); "
                                                       + "a version directory serves one model (name it weights.safetensors)")
            }
        }
        throw PredictionError.unsupportedModel(path: directory.path, reason: "holds no weights (.safetensors written by "
                                               + "`synapse train`, .onnx or .pt): found \(names.prefix(10))")
    }

    /// The model in `directory` (see the type's documentation), loaded and in evaluation mode.
    /// - Throws: `PredictionError` / `PipelineError` naming the file and what is wrong.
    public static func load(directory: URL) throws -> LoadedServable {
        let weights = try weightsFile(in: directory)
        let folder = weights.deletingLastPathComponent()
        var job = PredictionJob(weights: weights)
        let ext = weights.pathExtension.lowercased()
        if ext == "onnx" || ext == "pt" || ext == "pth" {
            let config = try sidecarConfig(folder.appendingPathComponent("config.json"), for: weights)
            if let name = config["dataset"] as? String {
                guard let dataset = ImageDatasetChoice(rawValue: name) else {
                    throw PredictionError.unsupportedModel(path: folder.path, reason: "config.json names dataset '\(name)'; expected one of "
                                                           + "\(ImageDatasetChoice.allCases.map(\.rawValue))")
                }
                job.dataset = dataset
            }
            if let name = config["model"] as? String {
                guard let model = ImageClassifierKind(rawValue: name) else {
                    throw PredictionError.unsupportedModel(path: folder.path, reason: "config.json names model '\(name)'; expected \(ImageClassifierKind.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                job.model = model
            }
        } else {
            let archive: SafeTensorsArchive
            do { archive = try SafeTensors.load(from: weights) } catch {
                throw PipelineError.invalidRun(path: weights.path, reason: "cannot read the weights: \(error)")
            }
            let meta = WeightsMetadata(archive.metadata, path: weights.path)
            if let saved = try LanguageModelArchitecture.loadSaved(weights, meta: meta) {
                let vocabulary = try CharacterVocabulary(metadataValue: meta.optionalString(CharacterVocabulary.metadataKey) ?? "",
                                                         file: weights.path)
                return .languageModel(LanguageModelServable(model: saved.model, vocabulary: vocabulary, architecture: saved.architecture))
            }
        }
        switch try job.loadPredictor() {
        case let image as ImagePredictor: return .predictor(ImageServable(image))
        case let tabular as TabularPredictor: return .predictor(TabularServable(tabular))
        case let other:
            throw PredictionError.unsupportedModel(path: weights.path, reason: "\(type(of: other)) cannot be served yet")
        }
    }

    /// The JSON object of a version directory's `config.json`; empty when there is none.
    private static func sidecarConfig(_ url: URL, for weights: URL) throws -> [String: Any] {
        guard let data = FileManager.default.contents(atPath: url.path) else { return [:] }
        guard data.count < 1 << 20, let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw PredictionError.unsupportedModel(path: url.path, reason: "is not a JSON object (it names the dataset and model "
                                                   + "that \(weights.lastPathComponent) was trained for)")
        }
        return object
    }
}
