import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseNN

/// int8 quantization: weight and activation parameters equal PyTorch's observers on a fixture,
/// the int8 GEMM computes exactly the integer sums (oneDNN against a plain loop), int8 layers stay
/// within the derived rounding bound of float, and int8 models save, load and refuse bad files.
@Suite struct QuantizationTests {
    static func fixture() throws -> SafeTensorsArchive {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        return try SafeTensors.load(from: dir.appendingPathComponent("quantization/observers.safetensors"))
    }

    @Test func perChannelWeightsMatchPyTorch() throws {
        let archive = try Self.fixture()
        let q = QuantizedWeights(quantizing: try archive.tensor("w.weight"))
        let scales = try archive.tensor("w.scales").scalars
        for (a, b) in zip(q.scales, scales) { #expect(abs(a - b) <= 1e-7 * max(abs(b), 1e-6), "scale \(a) vs PyTorch \(b)") }
        #expect(q.values.map { Float($0) } == (try archive.tensor("w.int8").scalars))
        // Dequantized weights lie within half a step of the originals.
        let w = try archive.tensor("w.weight").scalars, d = q.dequantized().scalars
        for i in 0..<w.count { #expect(abs(w[i] - d[i]) <= q.scales[i / q.columns] / 2 * 1.0001) }
    }

    @Test func activationParametersMatchPyTorchReduceRange() throws {
        let archive = try Self.fixture()
        var lo = Float.infinity, hi = -Float.infinity
        for b in 0..<3 {
            let v = try archive.tensor("a.batch\(b)").scalars
            lo = min(lo, v.min()!)
            hi = max(hi, v.max()!)
        }
        let q = AffineQuantization(min: lo, max: hi)
        #expect(abs(q.scale - (try archive.tensor("act.scale").scalars[0])) <= 1e-7 * q.scale)
        #expect(Float(q.zeroPoint) == (try archive.tensor("act.zero_point").scalars[0]))
        #expect(q.quantMin == 0 && q.quantMax == 127)
        // Round trip: every value in range comes back within half a step.
        for x in stride(from: lo, through: hi, by: (hi - lo) / 97) {
            #expect(abs(q.dequantize(q.quantize(x)) - x) <= q.scale / 2 * 1.0001)
        }
        #expect(q.quantize(hi * 10) == 127 && q.quantize(lo * 10 - 1) == 0)
    }

    /// Random input and weights with a known range.
    static func operands(rows: Int, inFeatures: Int, outFeatures: Int, seed: UInt64, signed: Bool) -> (Tensor, Tensor, Tensor) {
        let g = RandomGenerator(seed: seed)
        let x = Tensor.uniform([rows, inFeatures], low: signed ? -1.5 : 0, high: 2, generator: g)
        let w = Tensor.uniform([outFeatures, inFeatures], low: -0.3, high: 0.3, generator: g)
        let b = Tensor.uniform([outFeatures], low: -0.5, high: 0.5, generator: g)
        return (x, w, b)
    }

    @Test(arguments: [(1, false), (7, true), (64, false), (300, true)])
    func int8ProductIsTheIntegerSum(rows: Int, signed: Bool) throws {
        let (x, w, _) = Self.operands(rows: rows, inFeatures: 200, outFeatures: 48, seed: UInt64(rows), signed: signed)
        let weights = QuantizedWeights(quantizing: w)
        var lo: Float = 0, hi: Float = 0
        x.withUnsafeBufferPointer { p in lo = p.min()!; hi = p.max()! }
        let q = AffineQuantization(min: lo, max: hi)
        #expect((q.zeroPoint != 0) == signed)
        let codes = x.scalars.map { UInt8(q.quantize($0)) }
        let scales = weights.scales.map { $0 * q.scale }
        var expected = [Float](repeating: 0, count: rows * 48), actual = expected
        codes.withUnsafeBufferPointer { c in
            QuantizedGEMM.reference(codes: c.baseAddress!, m: rows, weights: weights, scales: scales, zeroPoint: q.zeroPoint, out: &expected)
            QuantizedGEMM.run(codes: c.baseAddress!, m: rows, weights: weights, scales: scales, zeroPoint: q.zeroPoint, out: &actual)
        }
        // The integer sums are exact in both; only the final f32 scaling may round differently.
        for i in 0..<expected.count { #expect(abs(actual[i] - expected[i]) <= 1e-6 * max(abs(expected[i]), 1), "element \(i)") }
        // And quantizedLinear (dynamic) computes exactly this plus bias.
        let y = quantizedLinear(x, weights: weights, bias: nil, input: .dynamic).scalars
        for i in 0..<expected.count { #expect(abs(y[i] - expected[i]) <= 1e-6 * max(abs(expected[i]), 1)) }
    }

    /// |Σ x·w − Σ x̂·ŵ| ≤ Σ (|x̂|·sw/2 + |ŵ|·sx/2 + sx·sw/4): each factor is within half a step.
    @Test func int8LinearStaysWithinTheRoundingBound() throws {
        let (x, w, b) = Self.operands(rows: 33, inFeatures: 120, outFeatures: 20, seed: 9, signed: true)
        let weights = QuantizedWeights(quantizing: w)
        let exact = linear(x, weight: w, bias: b).scalars
        for relu in [false, true] {
            let y = quantizedLinear(x, weights: weights, bias: b, input: .dynamic, activation: relu ? .relu : .none).scalars
            var lo: Float = 0, hi: Float = 0
            x.withUnsafeBufferPointer { p in lo = p.min()!; hi = p.max()! }
            let sx = AffineQuantization(min: lo, max: hi).scale
            let xs = x.scalars, wd = weights.dequantized().scalars
            for r in 0..<33 {
                for o in 0..<20 {
                    var bound: Float = 0
                    for k in 0..<120 {
                        bound += abs(xs[r * 120 + k]) * weights.scales[o] / 2 + abs(wd[o * 120 + k]) * sx / 2 + sx * weights.scales[o] / 4
                    }
                    let reference = relu ? max(exact[r * 20 + o], 0) : exact[r * 20 + o]
                    #expect(abs(y[r * 20 + o] - reference) <= bound * 1.01 + 1e-5)
                }
            }
        }
    }

    @Test func nonFiniteInputGivesNaNRows() {
        let (x, w, b) = Self.operands(rows: 4, inFeatures: 16, outFeatures: 3, seed: 2, signed: true)
        var scalars = x.scalars
        scalars[5] = .nan
        let y = quantizedLinear(Tensor(shape: [4, 16], scalars: scalars), weights: QuantizedWeights(quantizing: w), bias: b, input: .dynamic)
        #expect(y.shape == [4, 3] && y.scalars.allSatisfy(\.isNaN))
    }

    static func mlp(seed: UInt64) -> Sequential {
        let g = RandomGenerator(seed: seed)
        return Sequential([Linear(30, 64, generator: g), ReLU(), Linear(64, 32, generator: g), ReLU(), Linear(32, 5, generator: g)])
    }

    @Test func dynamicAndStaticModelsTrackTheFloatModel() throws {
        let model = Self.mlp(seed: 4)
        model.eval()
        let x = Tensor.uniform([50, 30], low: 0, high: 1, generator: RandomGenerator(seed: 5))
        let reference = model(x).scalars
        let dynamic = try model.quantizeDynamic()
        #expect(dynamic.map(\.name) == ["0", "2", "4"] && dynamic.allSatisfy { $0.input == .dynamic })
        let yd = model(x).scalars
        try model.quantizeStatic(method: .minMax) { _ = model(x) }
        let ys = model(x).scalars
        #expect(model.quantizedLayers.allSatisfy { if case .fixed = $0.input { true } else { false } })
        // After each ReLU the observed range starts at 0: zero point 0.
        for l in model.quantizedLayers.dropFirst() { if case .fixed(let q) = l.input { #expect(q.zeroPoint == 0) } }
        let spread = reference.map(abs).max()!
        for (y, name) in [(yd, "dynamic"), (ys, "static")] {
            let error = zip(y, reference).map { abs($0 - $1) }.max()!
            #expect(error < 0.02 * spread, "\(name): largest error \(error) of outputs up to \(spread)")
            #expect(y != reference, "\(name) should compute in int8")
        }
        model.dequantize()
        #expect(Self.largestRelativeDifference(model(x).scalars, reference) < 1e-5 && model.quantizedLayers.isEmpty)
    }

    @Test func changedWeightsAreQuantizedAgain() throws {
        let layer = Linear(8, 4, generator: RandomGenerator(seed: 1))
        layer.eval()
        try layer.quantizeDynamic()
        let x = Tensor.uniform([3, 8], low: 0, high: 1, generator: RandomGenerator(seed: 2))
        let before = layer(x).scalars
        layer.weight.value = layer.weight.value * 2
        let after = layer(x).scalars
        let bias = layer.bias!.value.scalars
        for i in 0..<before.count {
            // Doubling W doubles the product part of the output (bias unchanged), up to rounding.
            #expect(abs((after[i] - bias[i % 4]) - 2 * (before[i] - bias[i % 4])) < 0.05)
        }
    }

    @Test func staticQuantizationNeedsEveryLayerCalibrated() throws {
        let model = Self.mlp(seed: 1)
        model.eval()
        #expect(throws: QuantizationError.notCalibrated(layer: "0")) { try model.quantizeStatic {} }
        #expect(model.quantizedLayers.isEmpty)
        #expect(throws: QuantizationError.nothingToQuantize) { try ReLU().quantizeDynamic() }
    }

    /// oneDNN's int8 convolution (chunks of 16 images, the last one shorter) computes what the
    /// float convolution computes on the values the integers stand for.
    @Test(arguments: [(false, 1), (true, 2)])
    func int8ConvolutionEqualsTheDequantizedConvolution(signed: Bool, stride: Int) throws {
        let g = RandomGenerator(seed: UInt64(stride))
        let x = Tensor.uniform([20, 8, 9, 9], low: signed ? -1 : 0, high: 2, generator: g)
        let w = Tensor.uniform([12, 8, 3, 3], low: -0.4, high: 0.4, generator: g), b = Tensor.uniform([12], low: -1, high: 1, generator: g)
        let q = AffineQuantization(min: signed ? -1 : 0, max: 2)
        #expect((q.zeroPoint != 0) == signed)
        let weights = QuantizedWeights(quantizing: w.reshaped([12, 72]))
        let convolution = QuantizedConvolution(weights: weights, kernelSize: (3, 3), input: q)
        let y = quantizedConv2d(x, convolution, bias: b, stride: (stride, stride), padding: (1, 1))
        let xq = Tensor(shape: x.shape, scalars: x.scalars.map { q.dequantize(q.quantize($0)) })
        let expected = conv2d(xq, weight: weights.dequantized().reshaped([12, 8, 3, 3]), bias: b, stride: (stride, stride), padding: (1, 1))
        #expect(y.shape == expected.shape)
        let (a, e) = (y.scalars, expected.scalars)
        for i in 0..<e.count { #expect(abs(a[i] - e[i]) <= 1e-4 * max(1, abs(e[i])), "element \(i): \(a[i]) vs \(e[i])") }
        // Against the float layer: within a few quantization steps of the output's range.
        let float = conv2d(x, weight: w, bias: b, stride: (stride, stride), padding: (1, 1)).scalars
        let spread = float.map(abs).max()!
        #expect(zip(a, float).map { abs($0 - $1) }.max()! < 0.03 * spread)
        let relu = quantizedConv2d(x, convolution, bias: b, stride: (stride, stride), padding: (1, 1), relu: true).scalars
        #expect(relu == a.map { max($0, 0) })
    }

    @Test func int8ConvolutionalModelsQuantizeSaveAndLoad() throws {
        let model = CNNClassifier(widths: [8, 16, 24], generator: RandomGenerator(seed: 6))
        model.eval()
        let x = Tensor.uniform([40, 1, 28, 28], low: 0, high: 1, generator: RandomGenerator(seed: 7))
        let reference = model(x).scalars
        let layers = try model.quantizeStatic(method: .percentile) { _ = model(x) }
        // The one-channel first convolution stays float; the second and both Linear layers are int8.
        #expect(layers.map { "\($0.name) \($0.kind)" } == ["features.3 Conv2d", "classifier.0 Linear", "classifier.2 Linear"], "\(layers)")
        let y = model(x).scalars
        let spread = reference.map(abs).max()!
        #expect(zip(y, reference).map { abs($0 - $1) }.max()! < 0.05 * spread)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-int8-cnn-\(UUID().uuidString).safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.save(to: url)
        let archive = try SafeTensors.load(from: url)
        #expect(archive.entries["features.3.weight"]?.dtype == .i8 && archive.entries["features.3.weight"]?.shape == [16, 8, 3, 3])
        #expect(archive.entries["features.0.weight"]?.dtype == .f32)
        let loaded = CNNClassifier(widths: [8, 16, 24], generator: RandomGenerator(seed: 60))
        loaded.eval()
        try loaded.load(from: url)
        #expect(loaded.quantizedLayers == model.quantizedLayers)
        // The float first convolution may sum in another order when the adaptive thread team
        // changes size between calls (a busy machine), so its outputs agree to rounding, not bits.
        #expect(Self.largestRelativeDifference(loaded(x).scalars, y) < 1e-4)
        model.dequantize()
        #expect(Self.largestRelativeDifference(model(x).scalars, reference) < 1e-5)
    }

    /// max |a − b| / max(1e-3, |b|) over the elements.
    static func largestRelativeDifference(_ a: [Float], _ b: [Float]) -> Float {
        zip(a, b).map { abs($0 - $1) / max(1e-3, abs($1)) }.max() ?? 0
    }

    @Test func int8ModelsSaveAndLoadExactly() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-int8-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let x = Tensor.uniform([20, 30], low: 0, high: 1, generator: RandomGenerator(seed: 8))
        for mode in ["dynamic", "static"] {
            let model = Self.mlp(seed: 3)
            model.eval()
            let floatURL = dir.appendingPathComponent("float.safetensors"), url = dir.appendingPathComponent("\(mode).safetensors")
            try model.save(to: floatURL)
            if mode == "dynamic" { try model.quantizeDynamic() } else { try model.quantizeStatic(method: .percentile) { _ = model(x) } }
            let expected = model(x).scalars
            try model.save(to: url)
            let archive = try SafeTensors.load(from: url)
            #expect(archive.entries["0.weight"]?.dtype == .i8 && archive.entries["0.weight_scale"]?.shape == [64])
            #expect((archive.entries["0.input_zero_point"] != nil) == (mode == "static"))
            let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
            let floatSize = try FileManager.default.attributesOfItem(atPath: floatURL.path)[.size] as! Int
            // A quarter for the weights; the float biases and scales of this small network add the rest.
            #expect(Double(size) / Double(floatSize) < 0.4, "int8 file \(size) B vs float \(floatSize) B")

            let loaded = Self.mlp(seed: 99)
            loaded.eval()
            try loaded.load(from: url)
            #expect(loaded.quantizedLayers == model.quantizedLayers)
            #expect(loaded(x).scalars == expected, "\(mode): the loaded int8 model computes what the saved one did")
            // A float file makes the layers float again.
            try loaded.load(from: floatURL)
            #expect(loaded.quantizedLayers.isEmpty)
        }
    }

    @Test func corruptInt8FilesAreRefused() throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("synapse-int8-bad-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let model = Self.mlp(seed: 3)
        model.eval()
        let x = Tensor.uniform([20, 30], low: 0, high: 1, generator: RandomGenerator(seed: 8))
        try model.quantizeStatic { _ = model(x) }
        let good = model.quantizedFileState()
        func attempt(_ name: String, floats: [String: Tensor], ints: [String: IntTensor], int8: [String: Int8TensorData], mentions: String) throws {
            let url = dir.appendingPathComponent("\(name).safetensors")
            try SafeTensors.save(floats, ints: ints, int8: int8, to: url)
            let target = Self.mlp(seed: 5)
            let before = target.stateDict()
            do {
                try target.load(from: url)
                Issue.record("\(name): loaded")
            } catch {
                #expect("\(error)".contains(mentions), "\(name): \(error)")
            }
            #expect(target.stateDict().keys.allSatisfy { target.stateDict()[$0]!.scalars == before[$0]!.scalars }, "\(name): model changed")
            #expect(target.quantizedLayers.isEmpty)
        }
        var floats = good.floats
        floats["0.weight_scale"] = Tensor([Float](repeating: -1, count: 64))
        try attempt("negative-scale", floats: floats, ints: good.ints, int8: good.int8, mentions: "finite and positive")
        floats = good.floats
        floats["2.weight_scale"] = nil
        try attempt("missing-scale", floats: floats, ints: good.ints, int8: good.int8, mentions: "I8")
        var ints = good.ints
        ints["2.input_zero_point"] = IntTensor([300])
        try attempt("zero-point", floats: good.floats, ints: ints, int8: good.int8, mentions: "0…127")
        ints = good.ints
        ints["4.input_zero_point"] = nil
        try attempt("half-static", floats: good.floats, ints: ints, int8: good.int8, mentions: "come together")
        var int8 = good.int8
        int8["0.weight"] = Int8TensorData(shape: [30, 64], values: good.int8["0.weight"]!.values)
        try attempt("transposed", floats: good.floats, ints: good.ints, int8: int8, mentions: "shape")
        floats = good.floats
        floats["1.weight_scale"] = Tensor([1])
        try attempt("not-linear", floats: floats, ints: good.ints, int8: good.int8, mentions: "no Linear layer")
    }
}
