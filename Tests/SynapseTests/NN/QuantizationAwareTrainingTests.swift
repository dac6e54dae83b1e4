import Foundation
import Testing
@testable import Synapse

/// Quantization-aware training: fake quantization and its straight-through gradient equal PyTorch's
/// (`fake_quantize_per_tensor_affine`, `fake_quantize_per_channel_affine`), the moving-average
/// observer equals `MovingAverageMinMaxObserver`, and a model trained with fake quantization
/// converts to int8 layers that compute what training saw.
///
/// The straight-through gradient is a convention (the true derivative of rounding is zero almost
/// everywhere), so it is checked against PyTorch, not against finite differences.
@Suite struct QuantizationAwareTrainingTests {
    static func fixture() throws -> SafeTensorsArchive {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { throw Golden.Failure("no Fixtures") }
        return try SafeTensors.load(from: dir.appendingPathComponent("quantization/fake_quant.safetensors"))
    }

    @Test func perTensorFakeQuantizationMatchesPyTorch() throws {
        let archive = try Self.fixture()
        let p = try archive.tensor("tensor.qparams").scalars
        let q = AffineQuantization(scale: p[0], zeroPoint: Int32(p[1]))
        let x = try archive.tensor("tensor.x")
        let leaf = Parameter(x)
        let y = fakeQuantize(leaf.value, q)
        let expected = try archive.tensor("tensor.y").scalars
        for (a, b) in zip(y.scalars, expected) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b)), "\(a) vs \(b)") }
        y.backward(try archive.tensor("tensor.upstream"))
        let grad = try #require(leaf.grad).scalars
        #expect(grad == (try archive.tensor("tensor.grad").scalars), "the gradient passes inside the range, zero where clamped")
        #expect(grad.contains(0) && grad.contains { $0 != 0 })
    }

    @Test func perChannelFakeQuantizationMatchesPyTorch() throws {
        let archive = try Self.fixture()
        let w = try archive.tensor("channel.w")
        let scales = perChannelSymmetricScales(w)
        let expectedScales = try archive.tensor("channel.scales").scalars
        for (a, b) in zip(scales, expectedScales) { #expect(abs(a - b) <= 1e-7 * b) }
        let leaf = Parameter(w)
        let y = fakeQuantizePerChannel(leaf.value, scales: expectedScales)
        let expected = try archive.tensor("channel.y").scalars
        for (a, b) in zip(y.scalars, expected) { #expect(abs(a - b) <= 1e-6 * max(1, abs(b))) }
        y.backward(try archive.tensor("channel.upstream"))
        #expect(try #require(leaf.grad).scalars == (try archive.tensor("channel.grad").scalars))
    }

    @Test func movingAverageRangeMatchesPyTorch() throws {
        let archive = try Self.fixture()
        var range = MovingAverageRange()
        #expect(range.range == nil)
        for i in 0..<4 { range.observe(try archive.tensor("ema.batch\(i)")) }
        let expected = try archive.tensor("ema.range").scalars
        let r = try #require(range.range)
        #expect(abs(r.min - expected[0]) <= 1e-5 * abs(expected[0]) && abs(r.max - expected[1]) <= 1e-5 * abs(expected[1]))
        let q = AffineQuantization(min: r.min, max: r.max), p = try archive.tensor("ema.qparams").scalars
        #expect(abs(q.scale - p[0]) <= 1e-5 * p[0] && Float(q.zeroPoint) == p[1])
    }

    /// Two Gaussian blobs per class in 12 dimensions: quick to learn, enough to see training work.
    static func data(count: Int, seed: UInt64) -> (Tensor, IntTensor) {
        let g = RandomGenerator(seed: seed)
        let labels = (0..<count).map { $0 % 3 }
        let x = Tensor(shape: [count, 12]) { out in
            for i in 0..<count { for j in 0..<12 { out[i * 12 + j] = g.nextNormal() * 0.7 + (j % 3 == labels[i] ? 1.5 : 0) } }
        }
        return (x, IntTensor(labels))
    }

    /// Trains `model` (fake-quantized) on (x, y) with Adam for `steps` full-batch steps, checks that the
    /// loss halves, and returns its evaluation-mode outputs on x.
    static func trainAndEvaluate(_ model: some Layer, _ x: Tensor, _ y: IntTensor, steps: Int) throws -> [Float] {
        let optimizer = Adam(model.parameters(), learningRate: 0.01)
        model.train()
        var losses: [Float] = []
        for _ in 0..<steps {
            let loss = crossEntropy(model(x), y)
            optimizer.zeroGrad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        }
        #expect(losses.last! < 0.5 * losses.first!, "\(losses.first!) → \(losses.last!)")
        model.eval()
        return model(x).scalars
    }

    @Test func trainedWithFakeQuantizationThenConvertedToInt8() throws {
        let g = RandomGenerator(seed: 3)
        let model = Sequential([Linear(12, 32, generator: g), ReLU(), Linear(32, 3, generator: g)])
        #expect(try model.prepareQuantizationAwareTraining() == ["0", "2"])
        let (x, y) = Self.data(count: 300, seed: 4)
        let fake = try Self.trainAndEvaluate(model, x, y, steps: 60)
        let layers = try model.convertQuantizationAwareTraining()
        #expect(layers.map(\.name) == ["0", "2"] && layers.allSatisfy { if case .fixed = $0.input { true } else { false } })
        let int8 = model(x).scalars
        // The int8 model computes what evaluation with fake quantization computed, up to the rounding
        // of the final float scaling (a value on a rounding boundary may land one step away).
        let spread = fake.map(abs).max()!
        #expect(zip(int8, fake).map { abs($0 - $1) }.max()! < 0.01 * spread)
        #expect(throws: QuantizationError.nothingToQuantize) { try model.convertQuantizationAwareTraining() }
    }

    /// Convolutions that static quantization covers (8 input channels here) train with fake
    /// quantization too and convert to int8 convolutions; the one-channel first convolution stays float.
    @Test func convolutionsTrainWithFakeQuantizationThenConvertToInt8() throws {
        let g = RandomGenerator(seed: 5)
        let model = Sequential([Conv2d(1, 8, kernelSize: 3, padding: 1, generator: g), ReLU(),
                                Conv2d(8, 8, kernelSize: 3, padding: 1, generator: g), ReLU(), Flatten(), Linear(8 * 6 * 6, 3, generator: g)])
        #expect(try model.prepareQuantizationAwareTraining() == ["5", "2"])
        let labels = (0..<96).map { $0 % 3 }
        // Class c brightens row band c of the 6×6 image.
        let x = Tensor(shape: [96, 1, 6, 6]) { out in
            for i in 0..<96 { for p in 0..<36 { out[i * 36 + p] = g.nextNormal() * 0.5 + (p / 12 == labels[i] ? 1.5 : 0) } }
        }
        let y = IntTensor(labels)
        let fake = try Self.trainAndEvaluate(model, x, y, steps: 30)
        let layers = try model.convertQuantizationAwareTraining()
        #expect(layers.map(\.name).sorted() == ["2", "5"] && layers.contains { $0.kind == "Conv2d" }, "\(layers)")
        let int8 = model(x).scalars
        let spread = fake.map(abs).max()!
        #expect(zip(int8, fake).map { abs($0 - $1) }.max()! < 0.01 * spread)
    }

    @Test func convertingNeedsTrainingBatches() throws {
        let model = Sequential([Linear(4, 3, generator: RandomGenerator(seed: 1))])
        try model.prepareQuantizationAwareTraining()
        model.eval()
        _ = model(Tensor.ones([2, 4]))   // evaluation does not move the observed range
        #expect(throws: QuantizationError.notCalibrated(layer: "0")) { try model.convertQuantizationAwareTraining() }
        model.dequantize()
        #expect(model.quantizedLayers.isEmpty)
    }
}
