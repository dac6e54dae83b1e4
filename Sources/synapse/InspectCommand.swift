import ArgumentParser
import Foundation
import Synapse

/// `synapse inspect`: lists the tensors of a weights file without building a model.
struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "List the tensors (name, dtype, shape) and metadata of a .safetensors, checkpoint, .pt/.pth or .onnx file.",
        discussion: """
        One line per tensor, sorted by name: NAME DTYPE [d0, d1, ...]. Then lines starting with '#': the \
        format, the tensor and element counts, and the metadata (long values shortened). PyTorch files are \
        read without running any code; tensors inside nested checkpoints are named by their key path joined \
        with '/'. For .onnx files the tensors are the initializers, and the metadata gives the opsets, \
        the producer, the inputs and outputs with their shapes and the operator counts. With --json the same is one JSON object instead. A file that cannot be read exits non-zero \
        with the reader's error.
        """
    )

    @Argument(help: "The file to inspect.")
    var file: String

    @Flag(help: "Print one JSON object (format, tensors, element_count, metadata, warnings) instead of lines.")
    var json = false

    func run() throws {
        let inspection = try TensorFileInspection(contentsOf: URL(fileURLWithPath: file))
        if json {
            let object: [String: Any] = [
                "format": inspection.format.rawValue,
                "tensors": inspection.tensors.map { ["name": $0.name, "dtype": $0.dtype, "shape": $0.shape] as [String: Any] },
                "element_count": inspection.elementCount,
                "metadata": inspection.metadata,
                "warnings": inspection.warnings,
            ]
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            print(String(decoding: data, as: UTF8.self))
            return
        }
        for t in inspection.tensors {
            print("\(t.name) \(t.dtype) [\(t.shape.map(String.init).joined(separator: ", "))]")
        }
        print("# format: \(inspection.format.rawValue)")
        print("# tensors: \(inspection.tensors.count), elements: \(inspection.elementCount)")
        for key in inspection.metadata.keys.sorted() {
            let value = inspection.metadata[key]!.replacingOccurrences(of: "\n", with: " ")
            print("# metadata \(key): \(value.count > 120 ? String(value.prefix(117)) + "..." : value)")
        }
        for w in inspection.warnings { print("# warning: \(w)") }
    }
}
