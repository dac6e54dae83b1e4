import Foundation
import Testing
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseData
@testable import SynapseModels
@testable import SynapseJobs

/// Sentence embeddings against sentence-transformers (all-MiniLM-L6-v2, fixtures from
/// scripts/make-bert-fixtures.py): within 1e-5 absolute per component on 67 sentences (real lines,
/// accents, CJK, emoji, an empty string, a text truncated at 256 tokens), batched as users batch.
@Suite("SentenceEmbedder")
struct SentenceEmbedderTests {
    static func sentences() throws -> [String] {
        let url = try #require(Bundle.module.url(forResource: "Fixtures/bert/minilm-sentences", withExtension: "json"))
        return try JSONDecoder().decode([String].self, from: Data(contentsOf: url))
    }

    @Test func embeddingsMatchSentenceTransformers() throws {
        let embedder = try SentenceEmbedder(directory: PretrainedModelDirectory.resolve("minilm"))
        #expect(embedder.pooling == .mean && embedder.normalize && embedder.maxSequenceLength == 256)
        let sentences = try Self.sentences()
        let expected = try BertModelTests.golden().tensor("embeddings")
        for batchSize in [1, 16] {
            let got = embedder.embed(sentences, batchSize: batchSize)
            #expect(got.shape == expected.shape)
            let worst = BertModelTests.maxAbsDifference(got, expected)
            #expect(worst <= 1e-5, "batch \(batchSize): max |Δ| = \(worst)")
        }
        let norms = embedder.embed(Array(sentences.prefix(3))).scalars
        for row in 0..<3 {
            let norm = norms[row * 384..<(row + 1) * 384].reduce(0) { $0 + $1 * $1 }.squareRoot()
            #expect(abs(norm - 1) < 1e-5)
        }
    }

    /// Mean pooling ignores padding: the same sentence alone and padded beside a longer one gives the
    /// same vector; the other pooling modes follow their definitions.
    @Test func poolingModes() {
        let hidden = Tensor(shape: [2, 3, 2], scalars: [1, 2, 3, 4, 100, 100, 1, 1, 2, 2, 3, 3])
        let mask = IntTensor(shape: [2, 3], scalars: [1, 1, 0, 1, 1, 1])
        #expect(SentenceEmbedder.pool(hidden, mask: mask, mode: .mean).scalars == [2, 3, 2, 2])
        #expect(SentenceEmbedder.pool(hidden, mask: mask, mode: .max).scalars == [3, 4, 3, 3])
        #expect(SentenceEmbedder.pool(hidden, mask: mask, mode: .cls).scalars == [1, 2, 1, 1])
        let sqrtLength = SentenceEmbedder.pool(hidden, mask: mask, mode: .meanSqrtLength).scalars
        #expect(abs(sqrtLength[0] - 4 / Float(2).squareRoot()) < 1e-6)
        let unit = SentenceEmbedder.l2Normalized(Tensor(shape: [1, 2], scalars: [3, 4])).scalars
        #expect(unit == [0.6, 0.8])
    }

    /// modules.json pipelines: unknown modules and path escapes are refused with typed errors.
    @Test func pipelineErrors() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("st-pipeline-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        #expect(throws: PretrainedModelError.self) { try SentenceTransformerPipeline(directory: dir) }
        let bad = [
            "not json",
            #"[{"type": "sentence_transformers.models.Transformer", "path": ""}, {"type": "sentence_transformers.models.Dense", "path": "2_Dense"}]"#,
            #"[{"type": "sentence_transformers.models.Transformer", "path": "../elsewhere"}]"#,
            #"[{"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]"#,
        ]
        for text in bad {
            try Data(text.utf8).write(to: dir.appendingPathComponent("modules.json"))
            #expect(throws: PretrainedModelError.self, "\(text)") { try SentenceTransformerPipeline(directory: dir) }
        }
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("1_Pooling"), withIntermediateDirectories: true)
        try Data(#"[{"type": "sentence_transformers.models.Transformer", "path": ""}, {"type": "sentence_transformers.models.Pooling", "path": "1_Pooling"}]"#.utf8)
            .write(to: dir.appendingPathComponent("modules.json"))
        try Data(#"{"pooling_mode_cls_token": true}"#.utf8).write(to: dir.appendingPathComponent("1_Pooling/config.json"))
        let pipeline = try SentenceTransformerPipeline(directory: dir)
        #expect(pipeline.pooling == .cls && !pipeline.normalize)
        try Data(#"{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": true}"#.utf8).write(to: dir.appendingPathComponent("1_Pooling/config.json"))
        #expect(throws: PretrainedModelError.self) { try SentenceTransformerPipeline(directory: dir) }
    }

    /// The `embed` job's lines: one per text in input order, JSON that parses back to the
    /// embeddings, then a summary line without an embedding.
    @Test func embeddingJobLines() throws {
        let embedder = try SentenceEmbedder(directory: PretrainedModelDirectory.resolve("minilm"))
        var job = EmbeddingJob(embedder: embedder)
        job.chunkSize = 2
        let texts = ["First \"quoted\" line\twith a tab.", "", "A much longer third line that sorts first in its batch."]
        var output = ""
        let summary = job.run(texts) { output += $0 }
        let lines = output.split(separator: "\n")
        #expect(lines.count == 3 && summary.count == 3 && summary.dimension == 384)
        let direct = embedder.embed(texts)
        for (i, line) in lines.enumerated() {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            #expect(object["text"] as? String == texts[i])
            let values = try #require(object["embedding"] as? [Double]).map(Float.init)
            // Chunks of 2 pad differently from one batch of 3: the GEMMs block differently (~1e-7).
            let reference = Array(direct.scalars[i * 384..<(i + 1) * 384])
            #expect(values.count == 384 && zip(values, reference).allSatisfy { abs($0 - $1) < 1e-6 })
        }
        let summaryObject = try #require(try JSONSerialization.jsonObject(with: Data(summary.jsonLine(model: "minilm").utf8)) as? [String: Any])
        #expect(summaryObject["embedding"] == nil && summaryObject["count"] as? Int == 3)
    }
}
