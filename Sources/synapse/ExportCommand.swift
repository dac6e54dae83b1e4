import ArgumentParser
import Foundation
import Synapse

/// `synapse export`: re-saves weights for other tools.
struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export weights saved by `synapse train` as safetensors (PyTorch names) or ONNX.",
        discussion: """
        --format safetensors writes every tensor under its state-dict name, which is already PyTorch's, so \
        `safetensors.torch.load_file` followed by `model.load_state_dict` reads it; the weights' metadata is \
        kept (with format=pt and exported_dtype added) unless --no-metadata asks for a plain state dict. \
        --dtype bfloat16 halves the file (integer tensors keep their type). A tabular run's preprocessing state is \
        copied beside the export, so `synapse predict` works on it. The file is written atomically; an existing \
        --output is refused without --overwrite. --format onnx rebuilds the model from the run's metadata and writes \
        its graph (opset 17, a dynamic batch axis, initializers named by the state dict; see docs/onnx.md): image \
        models take "input" [batch, C, H, W] (pixels in [0, 1], normalised as the run's metadata records for image \
        folders), tabular models the preprocessed features, language models int64 token ids [batch, context]; \
        "output" holds the logits. The last line printed is a JSON object.
        """
    )

    @Option(help: "Weights saved by `synapse train` (safetensors).")
    var weights: String

    @Option(help: "Output format: safetensors or onnx.")
    var format: ExportFormatName

    @Option(help: "Where to write the export.")
    var output: String

    @Option(help: "Element type of floating-point tensors (safetensors): float32 or bfloat16.")
    var dtype: ExportDTypeName = .float32

    @Flag(help: "Write a plain state dict: no metadata besides format=pt (safetensors).")
    var noMetadata = false

    @Flag(help: "Replace --output if it exists.")
    var overwrite = false

    func run() throws {
        let weightsURL = URL(fileURLWithPath: weights), outputURL = URL(fileURLWithPath: output)
        guard FileManager.default.fileExists(atPath: weightsURL.path) else {
            throw ValidationError("--weights \(weights): file not found (save one with `synapse train`)")
        }
        guard weightsURL.standardizedFileURL.path != outputURL.standardizedFileURL.path else {
            throw ValidationError("--output \(output) is the --weights file itself; choose another path")
        }
        var export = WeightsExport(weights: weightsURL, output: outputURL, format: format.format)
        export.dtype = dtype.dtype
        export.keepMetadata = !noMetadata
        export.producerVersion = SynapseVersion.current
        for url in [outputURL] + export.companionOutputs {
            try OutputPaths.checkReplaceable(url, overwrite: overwrite, flag: "--output")
        }
        let result = try export.run()
        print("synapse export: \(result.tensorCount) tensors (\(dtype.rawValue)) written to \(outputURL.path), \(result.bytes) bytes"
              + result.companions.map { "; preprocessing copied to \($0.path)" }.joined())
        let json = try JSONSerialization.data(withJSONObject: ["format": format.rawValue, "output": outputURL.path, "dtype": dtype.rawValue,
                                                               "tensors": result.tensorCount, "bytes": result.bytes] as [String: Any],
                                              options: [.sortedKeys, .withoutEscapingSlashes])
        print(String(decoding: json, as: UTF8.self))
    }
}

/// `--format` of `synapse export`.
enum ExportFormatName: String, ExpressibleByArgument, CaseIterable {
    case onnx, safetensors

    /// The library's format.
    var format: ExportFormat { ExportFormat(rawValue: rawValue)! }
}

/// `--dtype` of `synapse export`.
enum ExportDTypeName: String, ExpressibleByArgument, CaseIterable {
    case float32, bfloat16

    /// The library's element type.
    var dtype: ExportDType { ExportDType(rawValue: rawValue)! }
}
