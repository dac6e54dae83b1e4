import Foundation
import Synapse

/// Mutants of int8 model files (`synapse compress --method int8-static` output: I8 weights of
/// `Linear` and `Conv2d` layers, per-channel scales, input scales and zero points beside float
/// biases; an MLP static and dynamic, and a small CNN), loaded with `Module.load`
/// as `evaluate`, `predict` and `serve` load them.
///
/// An accepted mutant must be a valid safetensors file (`SafeTensorsTarget.ruleViolation`), and
/// the model must hold exactly what the file says: each int8 layer's integers and scales equal the
/// file's entries, its input quantization matches, and a finite input gives finite outputs (scales
/// and zero points were checked, so no NaN can appear from the int8 path).
struct Int8ModelTarget: FuzzTarget {
    let name = "int8-model"

    static func model() -> MLPClassifier {
        MLPClassifier(inputSize: 8, hiddenSizes: [6], classes: 3, generator: RandomGenerator(seed: 1))
    }

    /// A small CNN whose second convolution (8 input channels) goes int8.
    static func convolutional(seed: UInt64) -> CNNClassifier {
        CNNClassifier(channels: 1, size: 8, classes: 3, widths: [8, 4, 5], generator: RandomGenerator(seed: seed))
    }

    func seeds() throws -> [[UInt8]] {
        let (model, _) = FuzzSeedModels.trainedClassifier()
        model.eval()
        let x = Tensor.randn([32, 8], generator: RandomGenerator(seed: 3))
        try model.quantizeStatic { _ = model(x) }
        let staticFile = FuzzScratchFile.url("int8-seed")
        try model.save(to: staticFile, metadata: ["model": "mlp", "quantization": "int8-static"])
        try model.quantizeDynamic()
        let dynamicFile = FuzzScratchFile.url("int8-seed-dynamic")
        try model.save(to: dynamicFile, metadata: ["model": "mlp", "quantization": "int8-dynamic"])
        let cnn = Self.convolutional(seed: 2)
        cnn.eval()
        try cnn.quantizeStatic { _ = cnn(Tensor.rand([16, 1, 8, 8], generator: RandomGenerator(seed: 4))) }
        let cnnFile = FuzzScratchFile.url("int8-seed-cnn")
        try cnn.save(to: cnnFile, metadata: ["model": "cnn", "quantization": "int8-static"])
        let lstm = Self.recurrent(seed: 6)
        try lstm.quantizeDynamic()
        let lstmFile = FuzzScratchFile.url("int8-seed-lstm")
        try lstm.save(to: lstmFile, metadata: ["quantization": "int8-dynamic"])
        defer { try? FileManager.default.removeItem(at: lstmFile) }
        defer { [staticFile, dynamicFile, cnnFile].forEach { try? FileManager.default.removeItem(at: $0) } }
        return [[UInt8](try Data(contentsOf: staticFile)), [UInt8](try Data(contentsOf: dynamicFile)), [UInt8](try Data(contentsOf: cnnFile)),
                [UInt8](try Data(contentsOf: lstmFile))]
    }

    /// A small bidirectional two-layer LSTM, stored with dynamic int8 weights.
    static func recurrent(seed: UInt64) -> LSTM {
        LSTM(4, 6, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: seed))
    }

    /// An int8 LSTM file: the loaded layer is int8 exactly when the file holds scales, its int8
    /// weights equal the file's, and a finite input gives finite outputs.
    func checkRecurrent(_ mutant: [UInt8], at url: URL) -> FuzzVerdict {
        let lstm = Self.recurrent(seed: 9)
        lstm.eval()
        do { try lstm.load(from: url) } catch { return .rejected }
        if let problem = SafeTensorsTarget.ruleViolation(mutant) { return .corruptionAccepted("accepted a file that breaks the rules: \(problem)") }
        guard let archive = try? SafeTensorsArchive(data: Data(mutant)) else { return .corruptionAccepted("loaded, but the archive does not parse") }
        let scaled = archive.names.contains { $0.hasSuffix("_scale") }
        guard (lstm.quantization != nil) == scaled else {
            return .corruptionAccepted("the LSTM is \(lstm.quantization == nil ? "float" : "int8") but the file \(scaled ? "holds" : "holds no") int8 scales")
        }
        if lstm.quantization != nil {
            for l in 0..<2 {
                for reverse in [false, true] {
                    let suffix = "_l\(l)" + (reverse ? "_reverse" : "")
                    guard let held = lstm.int8Weights(layer: l, reverse: reverse),
                          let ih = try? archive.int8Values("weight_ih" + suffix), let hh = try? archive.int8Values("weight_hh" + suffix),
                          ih == held.inputHidden.values, hh == held.hiddenHidden.values else {
                        return .corruptionAccepted("'\(suffix)' int8 weights differ from the file")
                    }
                }
            }
        }
        let y = withoutGradients { lstm(Tensor.randn([3, 2, 4], generator: RandomGenerator(seed: 5))).output }
        if !y.isAllFinite { return .corruptionAccepted("a finite input gave non-finite outputs") }
        return .accepted
    }

    func check(_ mutant: [UInt8], original: [UInt8]) -> FuzzVerdict {
        guard let url = FuzzScratchFile.write(mutant, name: "int8-model") else { return .rejected }
        if Data(original).range(of: Data("weight_ih_l0".utf8)) != nil { return checkRecurrent(mutant, at: url) }
        let isCNN = Data(original).range(of: Data("features.".utf8)) != nil
        let model: any Layer = isCNN ? Self.convolutional(seed: 9) : Self.model()
        model.eval()
        do { try model.load(from: url) } catch { return .rejected }
        if let problem = SafeTensorsTarget.ruleViolation(mutant) { return .corruptionAccepted("accepted a file that breaks the rules: \(problem)") }
        guard let archive = try? SafeTensorsArchive(data: Data(mutant)) else { return .corruptionAccepted("loaded, but the archive does not parse") }
        let quantized = model.quantizedLayers
        let scaleEntries = archive.names.filter { $0.hasSuffix("weight_scale") }
        guard quantized.count == scaleEntries.count else {
            return .corruptionAccepted("\(scaleEntries.count) int8 layers in the file, \(quantized.count) in the model")
        }
        for info in quantized {
            let name = info.name
            let module = Self.module(at: name, in: model)
            let weights: QuantizedWeights, input: ActivationQuantization
            if let layer = module as? Linear, let quantization = layer.quantization {
                (weights, input) = (quantization.weights(for: layer.weight.value), quantization.input)
            } else if let layer = module as? Conv2d, let quantization = layer.quantization {
                (weights, input) = (quantization.convolution(for: layer.weight.value).weights, .fixed(quantization.input))
            } else {
                return .corruptionAccepted("'\(name)' is listed as int8 but is no int8 layer")
            }
            guard let values = try? archive.int8Values(name + ".weight"), let scales = try? archive.tensor(name + ".weight_scale").scalars else {
                return .corruptionAccepted("'\(name)' is int8 but its file entries do not read")
            }
            if weights.values != values { return .corruptionAccepted("'\(name)' int8 weights differ from the file") }
            if weights.scales.map(\.bitPattern) != scales.map(\.bitPattern) { return .corruptionAccepted("'\(name)' scales differ from the file") }
            if case .fixed(let q) = input {
                guard let s = try? archive.tensor(name + ".input_scale").scalars.first, let z = try? archive.intTensor(name + ".input_zero_point").scalars.first,
                      s.bitPattern == q.scale.bitPattern, Int(q.zeroPoint) == z else {
                    return .corruptionAccepted("'\(name)' input quantization differs from the file")
                }
            }
        }
        let x = isCNN ? Tensor.rand([2, 1, 8, 8], generator: RandomGenerator(seed: 5)) : Tensor.randn([4, 8], generator: RandomGenerator(seed: 5))
        let y = withoutGradients { model(x) }
        if !y.isAllFinite { return .corruptionAccepted("a finite input gave non-finite outputs") }
        return .accepted
    }

    /// The module at dotted `path` under `root`.
    static func module(at path: String, in root: Module) -> Module? {
        var current: Module? = root
        for part in path.split(separator: ".") {
            current = current?.namedChildren().first { $0.0 == part }?.1
        }
        return current
    }
}
