import ArgumentParser
import Foundation
import Synapse

/// `synapse predict`: predictions of saved weights on new examples.
struct PredictCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "predict",
        abstract: "Predict with weights saved by `synapse train` on new examples (CSV, JSON or IDX input).",
        discussion: """
        The model and its preprocessing are rebuilt from the weights' metadata and the files beside them \
        (the tabular preprocessing state), so only the weights and the input are named. Tabular models take a \
        CSV file with the training columns (a label column and other extra columns are ignored; empty or NA cells \
        are imputed as in training) or JSON objects keyed by column; forecasting models take JSON arrays of the \
        last window of values; image classifiers take JSON arrays of pixels 0-255 (flat or nested, or \
        {"pixels": [...]}) or an IDX image file. JSON input is one example per line, or one array of examples. \
        PNG/JPEG images and image directories are not supported yet. Classifiers write the class and the \
        probability of every class; regression writes the value in the target's units. Without --output the \
        predictions alone go to standard output; with it, a summary and a final JSON line are printed.
        """
    )

    @Option(help: "Weights saved by `synapse train` (safetensors), an ONNX file (.onnx, with --dataset) or a PyTorch state dict (.pt/.pth, with --dataset and --model).")
    var weights: String

    @Option(help: "The examples: a .csv file, a .json/.jsonl file, an IDX image file (…-idx3-ubyte[.gz]), a PNG/JPEG file or a directory of them.")
    var input: String

    @Option(help: "For .onnx and .pt weights: the built-in image dataset (fashion-mnist, mnist) whose inputs and class names apply.")
    var dataset: ImageDatasetName?

    @Option(help: "For .pt weights: the built-in architecture of the state dict (mlp, cnn, vit).")
    var model: ClassifierName?

    @Option(help: "Output format: jsonl (one JSON object per example) or csv.")
    var format: PredictionFormatName = .jsonl

    @Option(help: "Write the predictions to this file instead of standard output.")
    var output: String?

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    @Option(parsing: .unconditional, help: "Intra-op threads (default: SYNAPSE_NUM_THREADS or all cores).")
    var threads: Int?

    func validate() throws {
        if let threads, threads <= 0 { throw ValidationError("--threads must be positive, got \(threads)") }
    }

    func run() throws {
        if let threads { ThreadPool.shared.setThreadCount(threads) }
        let weightsURL = URL(fileURLWithPath: weights)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        let outputURL = output.map { URL(fileURLWithPath: $0) }
        if let outputURL { try OutputPaths.checkReplaceable(outputURL, overwrite: overwrite, flag: "--output") }
        let kind = try PredictionInput(path: input)
        var job = PredictionJob(weights: weightsURL)
        job.dataset = dataset.map { ImageDatasetChoice(rawValue: $0.rawValue)! }
        job.model = model.map { ImageClassifierKind(rawValue: $0.rawValue)! }
        let result = try job.run(input: kind)
        let text = result.formatted(format.format)
        guard let outputURL else {
            FileHandle.standardOutput.write(Data(text.utf8))
            return
        }
        try AtomicFile.write(Data(text.utf8), to: outputURL)
        print("synapse predict: \(result.predictions.count) predictions by the \(result.modelDescription) written to \(outputURL.path)")
        let json = try JSONSerialization.data(withJSONObject: ["predictions": result.predictions.count, "output": outputURL.path,
                                                               "format": format.rawValue] as [String: Any],
                                              options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// `--format` of `synapse predict`.
enum PredictionFormatName: String, ExpressibleByArgument, CaseIterable {
    case jsonl, csv

    /// The library's format.
    var format: PredictionFormat { PredictionFormat(rawValue: rawValue)! }
}

/// The built-in image datasets `predict --dataset` names (for ONNX and PyTorch files).
enum ImageDatasetName: String, ExpressibleByArgument, CaseIterable {
    case fashionMNIST = "fashion-mnist", mnist
}
