import Foundation
import Synapse

/// Mutants of bf16 model files (`synapse compress --method bf16` output: BF16 weights and biases of
/// every `Linear` and `Conv2d`, metadata `precision` = `bfloat16`), loaded into a model of the
/// seed's architecture. A mutant that loads must hold exactly what the file says: the layers that
/// compute in bf16 are those whose weight the file stores as BF16 when the metadata marks the file
/// (none otherwise), each such layer's weight equals the file's values, and a finite input gives
/// finite outputs (the load refuses non-finite weights).
struct BFloat16ModelTarget: FuzzTarget {
    let name = "bf16-model"

    /// The int8 target's small MLP and CNN: the same architectures, here in bf16.
    static func mlp() -> MLPClassifier { Int8ModelTarget.model() }
    static func cnn(seed: UInt64) -> CNNClassifier { Int8ModelTarget.convolutional(seed: seed) }

    func seeds() throws -> [[UInt8]] {
        let mlp = Self.mlp(), cnn = Self.cnn(seed: 2)
        mlp.castToBFloat16()
        cnn.castToBFloat16()
        let mlpFile = FuzzScratchFile.url("bf16-seed-mlp"), cnnFile = FuzzScratchFile.url("bf16-seed-cnn")
        defer { [mlpFile, cnnFile].forEach { try? FileManager.default.removeItem(at: $0) } }
        try mlp.save(to: mlpFile, metadata: ["model": "mlp", "compression": "bf16"])
        try cnn.save(to: cnnFile, metadata: ["model": "cnn", "compression": "bf16"])
        return [[UInt8](try Data(contentsOf: mlpFile)), [UInt8](try Data(contentsOf: cnnFile))]
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "bf16-model") else { return .rejected }
        let isCNN = Data(original).range(of: Data("features.".utf8)) != nil
        let model: Module & Layer = isCNN ? Self.cnn(seed: 9) : Self.mlp()
        model.eval()
        do { try model.load(from: url) } catch { return .rejected }
        if let problem = SafeTensorsTarget.ruleViolation(mutant) { return .corruptionAccepted("accepted a file that breaks the rules: \(problem)") }
        guard let archive = try? SafeTensorsArchive(data: Data(mutant)) else { return .corruptionAccepted("loaded, but the archive does not parse") }
        let marked = archive.metadata["precision"] == "bfloat16"
        let stored = Set(archive.names.filter { $0.hasSuffix("weight") && archive.entries[$0]?.dtype == .bf16 }.map { String($0.dropLast(".weight".count)) })
        let expected = marked ? stored : []
        let actual = Set(model.bfloat16Layers)
        guard actual == expected else {
            return .corruptionAccepted("bf16 layers \(actual.sorted()) but the file says \(expected.sorted())")
        }
        let parameters = Dictionary(model.namedParameters().map { ($0.0, $0.1.value) }, uniquingKeysWith: { a, _ in a })
        for layer in actual {
            guard let file = try? archive.tensor(layer + ".weight"), let held = parameters[layer + ".weight"] else {
                return .corruptionAccepted("'\(layer)' is bf16 but its weight does not read")
            }
            if file.scalars.map(\.bitPattern) != held.scalars.map(\.bitPattern) { return .corruptionAccepted("'\(layer)' weight differs from the file") }
        }
        let x = isCNN ? Tensor.rand([2, 1, 8, 8], generator: RandomGenerator(seed: 5)) : Tensor.randn([4, 8], generator: RandomGenerator(seed: 5))
        let y = withoutGradients { model(x) }
        if !y.isAllFinite { return .corruptionAccepted("a finite input gave non-finite outputs") }
        return .accepted
    }
}
