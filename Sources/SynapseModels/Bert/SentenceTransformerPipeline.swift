import Foundation

/// The pipeline a sentence-transformers directory declares in `modules.json`, read without Python:
/// the Transformer module's directory and `max_seq_length` (`sentence_bert_config.json`), the
/// Pooling module's mode (`1_Pooling/config.json`) and whether a Normalize module follows.
/// A plain Hugging Face directory (no `modules.json`) gets mean pooling without normalisation.
public struct SentenceTransformerPipeline: Sendable, Equatable {
    /// The directory holding the encoder's `config.json`, weights and tokenizer.
    public var transformerDirectory: URL
    /// The pooling mode.
    public var pooling: SentencePooling
    /// Whether the embeddings are L2-normalised.
    public var normalize: Bool
    /// The Transformer module's `max_seq_length`, or nil to use the tokenizer's limit.
    public var maxSequenceLength: Int?

    /// Reads the pipeline of `directory`.
    /// - Throws: `PretrainedModelError` for unreadable JSON, unknown module types (e.g. `Dense`) or
    ///   more than one pooling mode.
    public init(directory: URL) throws(PretrainedModelError) {
        transformerDirectory = directory
        pooling = .mean
        normalize = false
        maxSequenceLength = nil
        let modulesURL = directory.appendingPathComponent("modules.json")
        guard FileManager.default.fileExists(atPath: modulesURL.path) else {
            guard FileManager.default.fileExists(atPath: directory.appendingPathComponent("config.json").path) else {
                throw .missingFile(path: directory.path, reason: "no config.json or modules.json: not a model directory")
            }
            return
        }
        guard let modules = try Self.json(modulesURL) as? [[String: Any]] else {
            throw .invalidConfig(path: modulesURL.path, reason: "expected a JSON array of module objects")
        }
        var sawTransformer = false
        for module in modules {
            guard let type = module["type"] as? String else {
                throw .invalidConfig(path: modulesURL.path, reason: "a module has no \"type\"")
            }
            let path = module["path"] as? String ?? ""
            guard !path.contains(".."), !path.hasPrefix("/") else {
                throw .invalidConfig(path: modulesURL.path, reason: "module path '\(path)' leaves the model directory")
            }
            let moduleDirectory = path.isEmpty ? directory : directory.appendingPathComponent(path)
            switch type.split(separator: ".").last.map(String.init) ?? type {
            case "Transformer", "BertModel":
                sawTransformer = true
                transformerDirectory = moduleDirectory
                let configURL = moduleDirectory.appendingPathComponent("sentence_bert_config.json")
                if FileManager.default.fileExists(atPath: configURL.path) {
                    let config = try Self.json(configURL) as? [String: Any]
                    if let length = config?["max_seq_length"] {
                        guard let n = length as? Int, n > 0 else {
                            throw .invalidConfig(path: configURL.path, reason: "max_seq_length must be a positive integer")
                        }
                        maxSequenceLength = n
                    }
                }
            case "Pooling":
                pooling = try Self.poolingMode(moduleDirectory.appendingPathComponent("config.json"))
            case "Normalize":
                normalize = true
            default:
                throw .unsupported(path: modulesURL.path, reason: "module type '\(type)' (supported: Transformer, Pooling, Normalize)")
            }
        }
        guard sawTransformer else { throw .invalidConfig(path: modulesURL.path, reason: "no Transformer module") }
    }

    private static func poolingMode(_ url: URL) throws(PretrainedModelError) -> SentencePooling {
        guard let config = try json(url) as? [String: Any] else {
            throw .invalidConfig(path: url.path, reason: "expected a JSON object")
        }
        let modes: [(String, SentencePooling)] = [
            ("pooling_mode_mean_tokens", .mean), ("pooling_mode_cls_token", .cls), ("pooling_mode_max_tokens", .max),
            ("pooling_mode_mean_sqrt_len_tokens", .meanSqrtLength)]
        let chosen = modes.filter { (config[$0.0] as? Bool) == true }.map(\.1)
        let others = config.filter { $0.key.hasPrefix("pooling_mode_") && ($0.value as? Bool) == true
            && !modes.map(\.0).contains($0.key) }.keys
        guard others.isEmpty else {
            throw .unsupported(path: url.path, reason: "pooling mode \(others.sorted().joined(separator: ", "))")
        }
        guard chosen.count == 1 else {
            throw .unsupported(path: url.path, reason: chosen.isEmpty ? "no pooling mode is set"
                               : "\(chosen.count) pooling modes at once (their concatenation is not supported)")
        }
        return chosen[0]
    }

    private static func json(_ url: URL) throws(PretrainedModelError) -> Any {
        let data: Data
        do { data = try Data(contentsOf: url) } catch {
            throw .missingFile(path: url.path, reason: "cannot read (\(error.localizedDescription))")
        }
        do { return try JSONSerialization.jsonObject(with: data) } catch {
            throw .invalidConfig(path: url.path, reason: "not valid JSON")
        }
    }
}
