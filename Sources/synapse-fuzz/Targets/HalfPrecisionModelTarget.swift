import Foundation
import Synapse

/// Mutants of bf16 and float16 model files (`synapse compress --method bf16` / `fp16` output: BF16
/// or F16 weights and biases of every `Linear` and `Conv2d`, metadata `precision` = `bfloat16` or
/// `float16`), loaded into a model of the seed's architecture. A mutant that loads must hold exactly
/// what the file says: the layers that compute in bf16 (float16) are those whose weight the file
/// stores as BF16 (F16) when the metadata marks that precision (none otherwise), each such layer's
/// weight equals the file's values, and a finite input gives finite outputs (the load refuses
/// non-finite weights).
struct HalfPrecisionModelTarget: FuzzTarget {
    let name = "half-precision-model"

    /// The int8 target's small MLP and CNN: the same architectures, here in bf16 and float16.
    static func mlp() -> MLPClassifier { Int8ModelTarget.model() }
    static func cnn(seed: UInt64) -> CNNClassifier { Int8ModelTarget.convolutional(seed: seed) }

    func seeds() throws -> [[UInt8]] {
        var seeds: [[UInt8]] = []
        for half in ["bf16", "fp16"] {
            let mlp = Self.mlp(), cnn = Self.cnn(seed: 2)
            if half == "bf16" {
                mlp.castToBFloat16()
                cnn.castToBFloat16()
            } else {
                try mlp.castToFloat16()
                try cnn.castToFloat16()
            }
            let mlpFile = FuzzScratchFile.url("\(half)-seed-mlp"), cnnFile = FuzzScratchFile.url("\(half)-seed-cnn")
            defer { [mlpFile, cnnFile].forEach { try? FileManager.default.removeItem(at: $0) } }
            try mlp.save(to: mlpFile, metadata: ["model": "mlp", "compression": half])
            try cnn.save(to: cnnFile, metadata: ["model": "cnn", "compression": half])
            seeds += [[UInt8](try Data(contentsOf: mlpFile)), [UInt8](try Data(contentsOf: cnnFile))]
        }
        return seeds
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "half-precision-model") else { return .rejected }
        let isCNN = Data(original).range(of: Data("features.".utf8)) != nil
        let model: Module & Layer = isCNN ? Self.cnn(seed: 9) : Self.mlp()
        model.eval()
        do { try model.load(from: url) } catch { return .rejected }
        if let problem = SafeTensorsTarget.ruleViolation(mutant) { return .corruptionAccepted("accepted a file that breaks the rules: \(problem)") }
        guard let archive = try? SafeTensorsArchive(data: Data(mutant)) else { return .corruptionAccepted("loaded, but the archive does not parse") }
        let marks = (archive.metadata["precision"] ?? "").split(separator: ",").map(String.init)
        for (mark, dtype, actualLayers) in [("bfloat16", SafeTensorsDType.bf16, model.bfloat16Layers), ("float16", .f16, model.float16Layers)] {
            let stored = Set(archive.names.filter { $0.hasSuffix("weight") && archive.entries[$0]?.dtype == dtype }
                .map { String($0.dropLast(".weight".count)) })
            let expected = marks.contains(mark) ? stored : []
            let actual = Set(actualLayers)
            guard actual == expected else {
                return .corruptionAccepted("\(mark) layers \(actual.sorted()) but the file says \(expected.sorted())")
            }
            let parameters = Dictionary(model.namedParameters().map { ($0.0, $0.1.value) }, uniquingKeysWith: { a, _ in a })
            for layer in actual {
                guard let file = try? archive.tensor(layer + ".weight"), let held = parameters[layer + ".weight"] else {
                    return .corruptionAccepted("'\(layer)' is \(mark) but its weight does not read")
                }
                if file.scalars.map(\.bitPattern) != held.scalars.map(\.bitPattern) {
                    return .corruptionAccepted("'\(layer)' weight differs from the file")
                }
            }
        }
        let x = isCNN ? Tensor.rand([2, 1, 8, 8], generator: RandomGenerator(seed: 5)) : Tensor.randn([4, 8], generator: RandomGenerator(seed: 5))
        let y = withoutGradients { model(x) }
        if !y.isAllFinite { return .corruptionAccepted("a finite input gave non-finite outputs") }
        return .accepted
    }
}
