import Foundation
import Testing
@testable import Synapse
@testable import SynapseNN

/// Dynamic int8 `LSTM` and `GRU` (PyTorch's `quantize_dynamic` on `nn.LSTM` / `nn.GRU`): both products
/// of every layer and direction in int8, the hidden state quantized at every step.
///
/// Bound: each product's error is at most Σ(|x̂|·s_w/2 + |ŵ|·s_x/2 + s_x·s_w/4) per gate (the rounding
/// of weights and inputs); through the sigmoid and tanh gates (slopes ≤ 1) and five steps of
/// recurrence it stays a few hundredths on outputs in [−1, 1] for the weights here (U(±1/√16) and
/// unit-variance inputs): the tolerance is 0.05, with the mean error under 0.01.
@Suite struct RecurrentQuantizationTests {
    static func temporaryFile() -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("rnn-int8-\(UUID().uuidString).safetensors")
    }

    static func check(_ int8: Tensor, against float: Tensor, _ what: String) {
        let errors = zip(int8.scalars, float.scalars).map { abs($0 - $1) }
        #expect(errors.max()! < 0.05 && errors.reduce(0, +) / Float(errors.count) < 0.01,
                "\(what): max \(errors.max()!), mean \(errors.reduce(0, +) / Float(errors.count))")
        #expect(errors.max()! > 0, "\(what): the int8 path ran")
    }

    @Test func lstmComputesWithinTheRoundingBoundAndSurvivesSaveAndLoad() throws {
        let lstm = LSTM(6, 16, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: 11))
        lstm.eval()
        let x = Tensor.randn([5, 3, 6], generator: RandomGenerator(seed: 12))
        let reference = withoutGradients { lstm(x) }
        let layers = try lstm.quantizeDynamic()
        #expect(layers == [QuantizedLayerInfo(name: "", kind: "LSTM", inFeatures: 6, outFeatures: 16, input: .dynamic)])
        let int8 = withoutGradients { lstm(x) }
        Self.check(int8.output, against: reference.output, "output")
        Self.check(int8.cN, against: reference.cN, "final cell state")

        let url = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try lstm.save(to: url)
        let archive = try SafeTensors.load(from: url)
        #expect(archive.entries["weight_hh_l1_reverse"]?.dtype == .i8 && archive.entries["weight_hh_l1_reverse_scale"]?.shape == [64])
        #expect(archive.entries["bias_ih_l0"]?.dtype == .f32)
        let loaded = LSTM(6, 16, numLayers: 2, bidirectional: true, generator: RandomGenerator(seed: 99))
        loaded.eval()
        try loaded.load(from: url)
        #expect(loaded.quantizedLayers.count == 1)
        #expect(withoutGradients { loaded(x) }.output.scalars == int8.output.scalars, "the file holds exactly the int8 model")

        lstm.dequantize()
        #expect(withoutGradients { lstm(x) }.output.scalars == reference.output.scalars)
    }

    @Test func gruInsideAModelQuantizesWithItsLinearHead() throws {
        final class Tagger: Module {
            let gru = GRU(5, 12, batchFirst: true, generator: RandomGenerator(seed: 21))
            let head = Linear(12, 4, generator: RandomGenerator(seed: 22))
            func callAsFunction(_ x: Tensor) -> Tensor { head(gru(x).output) }
        }
        let model = Tagger()
        model.eval()
        let x = Tensor.randn([2, 7, 5], generator: RandomGenerator(seed: 23))
        let reference = withoutGradients { model(x) }
        let layers = try model.quantizeDynamic()
        #expect(layers.map(\.kind).sorted() == ["GRU", "Linear"], "\(layers)")
        Self.check(withoutGradients { model(x) }, against: reference, "tagger logits")
        model.dequantize()
        #expect(try model.quantizeDynamic(skipping: ["gru"]).map(\.kind) == ["Linear"])
        #expect(model.gru.quantization == nil)
    }

    @Test func aPartialInt8RecurrentFileIsRefused() throws {
        let lstm = LSTM(4, 8, generator: RandomGenerator(seed: 31))
        try lstm.quantizeDynamic()
        let url = Self.temporaryFile()
        defer { try? FileManager.default.removeItem(at: url) }
        try lstm.save(to: url)
        // Drop one scale: the layer is half int8, which no writer produces.
        let archive = try SafeTensors.load(from: url)
        var floats: [String: Tensor] = [:], int8: [String: Int8TensorData] = [:]
        for name in archive.names where name != "weight_hh_l0_scale" {
            if archive.entries[name]?.dtype == .i8 {
                int8[name] = Int8TensorData(shape: archive.entries[name]!.shape, values: try archive.int8Values(name))
            } else {
                floats[name] = try archive.tensor(name)
            }
        }
        try SafeTensors.save(floats, int8: int8, to: url)
        #expect(throws: SafeTensorsError.self) { try LSTM(4, 8).load(from: url) }
    }
}
