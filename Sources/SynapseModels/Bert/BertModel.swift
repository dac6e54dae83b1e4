import Foundation
import SynapseCore
import SynapseNN

/// What a `BertModel` returns.
public struct BertModelOutput {
    /// The last layer's hidden states [B, L, hidden] (padding positions included).
    public var lastHiddenState: Tensor
    /// tanh(dense(hidden state of the first token)) [B, hidden], or nil when the model has no pooler.
    public var pooledOutput: Tensor?
}

/// The stack of encoder layers (Hugging Face's `BertEncoder`: `layer.0`, `layer.1`, ...).
public final class BertEncoder: Module {
    /// The layers, applied in order.
    public let layer: [BertLayer]

    /// `config.numLayers` layers.
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        layer = (0..<config.numLayers).map { _ in BertLayer(config, generator: generator) }
        super.init()
    }

    /// The hidden states after every layer.
    public func callAsFunction(_ x: Tensor, mask: Tensor?) -> Tensor {
        recordingCall { layer.reduce(x) { $1($0, mask: mask) } }
    }
}

/// tanh(dense(first token)) — Hugging Face's `BertPooler` (`dense`).
public final class BertPooler: Module {
    /// hidden → hidden.
    public let dense: Linear

    /// The pooler of `config`.
    public init(_ config: BertConfig, generator: RandomGenerator = .global) {
        dense = Linear(config.hiddenSize, config.hiddenSize, generator: generator)
        super.init()
    }

    /// [B, hidden] from hidden states [B, L, hidden].
    public func callAsFunction(_ hidden: Tensor) -> Tensor {
        recordingCall { tanh(dense(hidden.select(dim: 1, index: 0))) }
    }
}

/// A BERT-family encoder (Hugging Face `transformers.BertModel`): embeddings, post-norm Transformer
/// layers with GELU, an attention (padding) mask, and an optional pooler. Parameter names are Hugging
/// Face's, so `model.safetensors` / `pytorch_model.bin` of a BERT checkpoint load as they are:
///
/// ```
/// let model = try BertModel(directory: URL(fileURLWithPath: "/models/all-MiniLM-L6-v2"))
/// let tokenizer = try BertTokenizer(directory: URL(fileURLWithPath: "/models/all-MiniLM-L6-v2"))
/// let out = model(tokenizer.encodeBatch(["A sentence.", "Another one."]))
/// print(out.lastHiddenState.shape)  // [2, 6, 384]
/// ```
public final class BertModel: Module {
    /// The architecture.
    public let config: BertConfig
    /// Input embeddings.
    public let embeddings: BertEmbeddings
    /// The Transformer layers.
    public let encoder: BertEncoder
    /// The pooler, or nil for checkpoints saved without one (e.g. `add_pooling_layer=False`).
    public private(set) var pooler: BertPooler?

    /// A randomly initialised model of `config` (`withPooler` false leaves the pooler out).
    public init(_ config: BertConfig, withPooler: Bool = true, generator: RandomGenerator = .global) {
        require(config.validationProblem() == nil, "BertModel: \(config.validationProblem() ?? "")")
        self.config = config
        embeddings = BertEmbeddings(config, generator: generator)
        encoder = BertEncoder(config, generator: generator)
        pooler = withPooler ? BertPooler(config, generator: generator) : nil
        super.init()
    }

    /// Constructor arguments shown by `print(model)`.
    public override var extraDescription: String {
        "hidden: \(config.hiddenSize), layers: \(config.numLayers), heads: \(config.numHeads), intermediate: \(config.intermediateSize)"
    }

    /// The encoder's outputs for `inputIDs` [B, L]. `attentionMask` [B, L] holds 1 for tokens and 0
    /// for padding (Hugging Face's convention); padding keys get a score of −Float.greatestFiniteMagnitude
    /// (as Hugging Face adds `finfo.min`), so even an all-padding row stays finite.
    public func callAsFunction(inputIDs: IntTensor, tokenTypeIDs: IntTensor? = nil,
                               attentionMask: IntTensor? = nil) -> BertModelOutput {
        let hidden: Tensor = recordingCall {
            require(inputIDs.rank == 2, "BertModel: expected input ids [B, L], got \(inputIDs.shape)")
            var additive: Tensor?
            if let attentionMask {
                require(attentionMask.shape == inputIDs.shape,
                        "BertModel: attention mask \(attentionMask.shape) must have the shape of the input ids \(inputIDs.shape)")
                // An all-ones mask changes nothing: skip the addition.
                if attentionMask.scalars.contains(where: { $0 == 0 }) {
                    let (b, l) = (inputIDs.shape[0], inputIDs.shape[1])
                    additive = Tensor(shape: [b, 1, 1, l],
                                      scalars: attentionMask.scalars.map { $0 == 0 ? -Float.greatestFiniteMagnitude : 0 })
                }
            }
            return encoder(embeddings(inputIDs, tokenTypeIDs: tokenTypeIDs), mask: additive)
        }
        return BertModelOutput(lastHiddenState: hidden, pooledOutput: pooler.map { $0(hidden) })
    }

    /// Names in Hugging Face checkpoints that are not parameters of `BertModel`: the position-id
    /// buffer, and the heads of `BertFor*` models.
    static func isIgnoredCheckpointKey(_ name: String) -> Bool {
        name.hasSuffix("embeddings.position_ids") || name.hasPrefix("cls.") || name.hasPrefix("classifier.")
            || name.hasPrefix("qa_outputs.")
    }

    /// Loads a Hugging Face model directory: `config.json` and `model.safetensors` (or
    /// `pytorch_model.bin`). Names may carry the `bert.` prefix of `BertFor*` checkpoints; their heads
    /// and the `position_ids` buffer are ignored; a checkpoint without pooler weights gives a model
    /// without a pooler. Every other parameter must be present with its shape, finite.
    /// - Throws: `PretrainedModelError` naming the file and the problem.
    public convenience init(directory: URL) throws(PretrainedModelError) {
        let config = try BertConfig(contentsOf: directory.appendingPathComponent("config.json"))
        let candidates = ["model.safetensors", "pytorch_model.bin"].map { directory.appendingPathComponent($0) }
        guard let weights = candidates.first(where: { FileManager.default.fileExists(atPath: $0.path) }) else {
            throw .missingFile(path: directory.path, reason: "no model.safetensors or pytorch_model.bin")
        }
        // The random initial weights are all replaced below: draw them from a private generator so
        // loading a model leaves the global random stream (the user's seeded experiment) alone.
        self.init(config, withPooler: true, generator: RandomGenerator(seed: 0))
        let mapping: [StateDictKeyRule] = [
            .custom { Self.isIgnoredCheckpointKey($0) ? nil : $0 }, .stripPrefix("bert.")]
        let result: IncompatibleKeys
        do { result = try load(from: weights, strict: false, mapping: mapping) } catch {
            throw .weights(path: weights.path, reason: "\(error)")
        }
        var missing = result.missingKeys
        if missing.contains(where: { $0.hasPrefix("pooler.") }) {
            pooler = nil
            missing.removeAll { $0.hasPrefix("pooler.") }
        }
        if !missing.isEmpty || !result.unexpectedKeys.isEmpty {
            var parts: [String] = []
            if !missing.isEmpty { parts.append("missing \(missing.prefix(8).joined(separator: ", "))\(missing.count > 8 ? ", ..." : "")") }
            if !result.unexpectedKeys.isEmpty {
                parts.append("unexpected \(result.unexpectedKeys.prefix(8).joined(separator: ", "))\(result.unexpectedKeys.count > 8 ? ", ..." : "")")
            }
            throw .weights(path: weights.path, reason: parts.joined(separator: "; "))
        }
        eval()
    }
}
