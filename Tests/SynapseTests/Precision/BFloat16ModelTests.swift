import Foundation
import Testing
@testable import Synapse
@testable import SynapseNN

/// bf16 models: `castToBFloat16()` and what save and load make of it, and training under
/// `Trainer.precision`.
@Suite struct BFloat16ModelTests {
    static func cnn(_ seed: UInt64) -> Sequential {
        let g = RandomGenerator(seed: seed)
        return Sequential([Conv2d(1, 8, kernelSize: 3, padding: 1, generator: g), ReLU(), Flatten(),
                           Linear(8 * 6 * 6, 16, generator: g), ReLU(), Linear(16, 4, generator: g)])
    }

    static func temporaryFile(_ name: String) -> URL {
        FileManager.default.temporaryDirectory.appendingPathComponent("bf16-\(UUID().uuidString)-\(name)")
    }

    @Test func castRoundsTheWeightsAndComputesUnderAutocast() throws {
        let model = Self.cnn(1), reference = Self.cnn(1)
        model.eval(); reference.eval()
        let x = Tensor.randn([3, 1, 6, 6], generator: RandomGenerator(seed: 2))
        let layers = model.castToBFloat16()
        #expect(layers == ["3", "5", "0"] && Set(model.bfloat16Layers) == Set(layers), "\(layers)")
        for (name, p) in model.namedParameters() {
            #expect(p.value.scalars.allSatisfy { $0.bitPattern & 0xFFFF == 0 }, "\(name) is rounded to bf16")
        }
        // The same as the Float32 model with rounded weights, run under autocast.
        try reference.loadStateDict(model.stateDict())
        let expected = autocast(.bfloat16) { reference(x) }
        #expect(model(x).scalars == expected.scalars)
        #expect(model(x).scalars != reference(x).scalars, "outside autocast the float model computes in Float32")
        model.castToFloat32()
        #expect(model.bfloat16Layers.isEmpty && model(x).scalars == reference(x).scalars)
    }

    @Test func saveWritesBF16AndLoadRestoresTheLayers() throws {
        let model = Self.cnn(3)
        model.eval()
        let x = Tensor.randn([2, 1, 6, 6], generator: RandomGenerator(seed: 4))
        let floatURL = Self.temporaryFile("f32.safetensors"), url = Self.temporaryFile("bf16.safetensors")
        defer { try? FileManager.default.removeItem(at: url); try? FileManager.default.removeItem(at: floatURL) }
        try model.save(to: floatURL, metadata: ["precision": "bfloat16"])
        #expect(try SafeTensors.load(from: floatURL).metadata["precision"] == nil, "a float model's file claims no bf16 layers")
        model.castToBFloat16()
        try model.save(to: url, metadata: ["note": "kept"])
        let archive = try SafeTensors.load(from: url)
        #expect(archive.metadata == ["note": "kept", "precision": "bfloat16"])
        #expect(archive.entries.values.allSatisfy { $0.dtype == .bf16 })
        let floatSize = try FileManager.default.attributesOfItem(atPath: floatURL.path)[.size] as! Int
        let size = try FileManager.default.attributesOfItem(atPath: url.path)[.size] as! Int
        #expect(Double(size) < 0.52 * Double(floatSize), "\(size) vs \(floatSize) bytes")

        let loaded = Self.cnn(99)
        loaded.eval()
        try loaded.load(from: url)
        #expect(loaded.bfloat16Layers == model.bfloat16Layers)
        #expect(loaded(x).scalars == model(x).scalars)
        // Loading a Float32 file makes the layers Float32 again.
        try loaded.load(from: floatURL)
        #expect(loaded.bfloat16Layers.isEmpty)
    }

    @Test func bf16EntriesWithoutTheMarkLoadAsFloat32() throws {
        let model = Self.cnn(5)
        let url = Self.temporaryFile("export.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        // What `synapse export --dtype bfloat16` or PyTorch writes: BF16 tensors, no precision key.
        try SafeTensors.save([:], bfloat16: model.stateDict(), to: url)
        let loaded = Self.cnn(6)
        try loaded.load(from: url)
        #expect(loaded.bfloat16Layers.isEmpty)
        #expect(loaded.namedParameters().map { $0.1.value.scalars } == model.namedParameters().map { $0.1.value.roundedToBFloat16().scalars })
    }

    @Test func int8LayersStayInt8() throws {
        let g = RandomGenerator(seed: 7)
        let model = Sequential([Linear(8, 16, generator: g), ReLU(), Linear(16, 3, generator: g)])
        model.eval()
        try model.quantizeDynamic()
        #expect(model.castToBFloat16().isEmpty)
        #expect(model.quantizedLayers.count == 2)
    }

    @Test func trainingUnderBF16AutocastLearnsAndKeepsFloat32Weights() throws {
        let g = RandomGenerator(seed: 8)
        let model = Sequential([Linear(4, 32, generator: g), ReLU(), Linear(32, 3, generator: g)])
        // Three separable blobs.
        let labels = (0..<96).map { $0 % 3 }
        let centers = Tensor(shape: [96, 4], scalars: labels.flatMap { c in (0..<4).map { $0 == c ? Float(2) : 0 } })
        let x = centers + 0.3 * Tensor.randn([96, 4], generator: g)
        let data = TensorDataset(features: x, labels: IntTensor(shape: [96], scalars: labels))
        let trainer = Trainer(model: model, optimizer: Adam(model.parameters(), lr: 0.01), objective: .classification(model),
                              train: DataLoader(data, batchSize: 32, shuffle: true, seed: 1))
        trainer.precision = .bfloat16
        let history = try trainer.fit(epochs: 15)
        let losses = history.records.compactMap { $0.values["loss"] }
        #expect(losses.count == 15 && losses.last! < 0.3 * losses.first!, "\(losses)")
        #expect(model.parameters().contains { $0.value.scalars.contains { $0.bitPattern & 0xFFFF != 0 } },
                "master weights are Float32: updates are not rounded away")
    }
}
