import Foundation
import Synapse
import SynapseIO
import SynapseONNX

/// Mutants of real ONNX files (the committed fixtures, exported by PyTorch's `torch.onnx.export`),
/// read as `ONNXModel(data:)` reads them: decoding, graph validation, the import, and one forward
/// pass on a small input built from the declared input shapes (symbolic dimensions set to 2).
///
/// A forward pass runs under tight per-operator limits (2^20 elements, 2^26 multiply-adds), so that a
/// mutated shape or kernel size is refused as a typed error instead of running for minutes. Protobuf
/// has no checksums: a changed weight byte is undetectable, so the goal is no crash and no hang.
struct ONNXTarget: FuzzTarget {
    let name = "onnx"

    /// The fixture directory, found from this source file (the fuzzer runs from a checkout).
    private static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests/SynapseTests/Fixtures/onnx")

    func seeds() throws -> [[UInt8]] {
        // The small fixtures; the 1.7 MB Fashion-MNIST CNN would only slow every mutant down.
        try ["mlp", "mlp_dynamo", "activations", "cnn", "cnn_dynamo", "convmix", "lstm", "gru", "rnn", "transformer", "embedding", "birnn", "gpt", "mixed"].map {
            [UInt8](try Data(contentsOf: Self.fixtures.appendingPathComponent("\($0).onnx")))
        }
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        let model: ONNXModel
        do { model = try ONNXModel(data: Data(mutant), name: "mutant.onnx") } catch { return .rejected }
        var inputs: [Tensor] = []
        for name in model.inputNames {
            guard let declared = model.declaredInputShapes[name] else { return .accepted }
            let shape = declared.map { $0 ?? 2 }
            guard shape.count <= 6, shape.allSatisfy({ $0 <= 64 }), shape.reduce(1, *) <= 1 << 16 else { return .accepted }
            // Whole numbers in [0, 1]: valid as token ids and as pixels.
            inputs.append(Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { Float($0 % 2) }))
        }
        let limits = ONNXShapeChecks.Limits(elements: 1 << 20, multiplyAdds: 1 << 26)
        do {
            _ = try ONNXShapeChecks.$limits.withValue(limits) { () throws(ONNXError) -> [Tensor] in try model.run(inputs) }
        } catch {
            return .rejected
        }
        return .accepted
    }
}
