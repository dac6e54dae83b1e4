import Foundation
import SynapseCore
import SynapseModels
import SynapseTraining

/// `synapse embed`: sentence embeddings of texts as JSON lines, one per input text
/// (`{"text": ..., "embedding": [...]}`), followed by one summary line without an `embedding` key.
///
/// Texts are embedded `chunkSize` at a time (each chunk sorted by length into batches, as
/// sentence-transformers does), and each chunk's lines are handed to the sink as soon as they are
/// ready, so a large file streams with bounded memory.
public struct EmbeddingJob {
    /// The embedder (model, tokenizer and pooling pipeline).
    public let embedder: SentenceEmbedder
    /// Texts per forward pass.
    public var batchSize = 32
    /// Texts read and embedded before their lines are written.
    public var chunkSize = 1_024

    /// A job with `embedder`.
    public init(embedder: SentenceEmbedder) { self.embedder = embedder }

    /// What a run did: the summary line's fields.
    public struct Summary: Sendable, Equatable {
        /// Texts embedded.
        public var count: Int
        /// Width of each embedding.
        public var dimension: Int
        /// Wall time of tokenisation and inference, in seconds.
        public var seconds: Double
        /// Whether the embeddings are L2-normalised.
        public var normalized: Bool
        /// The pooling mode.
        public var pooling: SentencePooling

        /// The summary as one JSON line (keys sorted; no `embedding` key).
        public func jsonLine(model: String) -> String {
            let object: [String: Any] = [
                "count": count, "dimension": dimension, "model": model, "seconds": (seconds * 1000).rounded() / 1000,
                "sentences_per_second": seconds > 0 ? (Double(count) / seconds * 10).rounded() / 10 : 0,
                "normalized": normalized, "pooling": pooling.rawValue]
            let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
            return String(decoding: data, as: UTF8.self)
        }
    }

    /// Embeds `texts` in order, handing the JSON lines (each ending in "\n") to `sink` chunk by chunk.
    public func run<Texts: Sequence>(_ texts: Texts, sink: (String) throws -> Void) rethrows -> Summary where Texts.Element == String {
        var count = 0, seconds = 0.0
        var chunk: [String] = []
        chunk.reserveCapacity(chunkSize)
        func flush() throws {
            guard !chunk.isEmpty else { return }
            let start = DispatchTime.now().uptimeNanoseconds
            let vectors = embedder.embed(chunk, batchSize: batchSize)
            seconds += Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            try sink(Self.lines(chunk, vectors))
            count += chunk.count
            chunk.removeAll(keepingCapacity: true)
        }
        for text in texts {
            chunk.append(text)
            if chunk.count == chunkSize { try flush() }
        }
        try flush()
        return Summary(count: count, dimension: embedder.dimension, seconds: seconds, normalized: embedder.normalize,
                       pooling: embedder.pooling)
    }

    /// `{"text": ..., "embedding": [...]}` lines; floats in their shortest round-trip form.
    static func lines(_ texts: [String], _ vectors: Tensor) -> String {
        let dimension = vectors.shape[1]
        var out = ""
        vectors.withUnsafeBufferPointer { v in
            for (row, text) in texts.enumerated() {
                out += "{\"text\":" + TrainingHistory.jsonString(text) + ",\"embedding\":["
                for j in 0..<dimension {
                    if j > 0 { out += "," }
                    let x = v[row * dimension + j]
                    out += x.isFinite ? "\(x)" : "null"
                }
                out += "]}\n"
            }
        }
        return out
    }
}
