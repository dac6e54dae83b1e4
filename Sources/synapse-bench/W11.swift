import Foundation
import Synapse

/// W11: sentence embeddings with all-MiniLM-L6-v2 (`SentenceEmbedder`, as `synapse embed` runs it:
/// tokenisation, length-sorted batches, mean pooling and normalisation included) on the real
/// sentences of Benchmarks/reference/embed_sentences.txt — the file the PyTorch reference
/// (Benchmarks/reference/embed_minilm.py, sentence-transformers) reads. Batch 1: the first 128
/// sentences one at a time; batch 32: all of them. Sentences/s, median over repetitions after a
/// warm-up pass.
struct W11: Workload {
    /// Repetitions of each measurement (the median is reported).
    let repetitions: Int
    /// Sentences used (all 512, or 64 in smoke mode).
    let sentenceLimit: Int

    /// The full workload, or a small smoke run.
    init(quick: Bool) {
        repetitions = quick ? 1 : 5
        sentenceLimit = quick ? 64 : 512
    }

    /// The benchmark's sentences, relative to the repository root (where synapse-bench runs).
    static let sentencesPath = "Benchmarks/reference/embed_sentences.txt"

    func run(threads: Int, emit: (Measurement) -> Void) throws {
        let text = try String(contentsOfFile: Self.sentencesPath, encoding: .utf8)
        let sentences = Array(text.split(separator: "\n").map(String.init).prefix(sentenceLimit))
        let embedder = try SentenceEmbedder(directory: PretrainedModelDirectory.resolve("minilm"))
        for (batch, subset) in [(1, Array(sentences.prefix(128))), (32, sentences)] {
            let pass = { _ = embedder.embed(subset, batchSize: batch) }
            pass()
            let rates = (0..<repetitions).map { _ in
                Double(subset.count) / Timing.secondsPerCall(iterations: 1, pass)
            }
            emit(Measurement("W11", threads: threads, metric: "sentences/s", value: Timing.median(rates),
                             ["batch": .int(batch), "sentences": .int(subset.count)]))
        }
    }
}
