import Foundation
import Testing
@testable import Synapse
@testable import SynapseNN

/// Float16 models: `castToFloat16()` (and its range check), F16 files that load back as float16
/// layers, and a file holding bf16 and float16 layers at once.
@Suite struct Float16ModelTests {
    @Test func castRoundsTheWeightsAndComputesUnderFloat16Autocast() throws {
        let model = BFloat16ModelTests.cnn(1), reference = BFloat16ModelTests.cnn(1)
        model.eval(); reference.eval()
        let x = Tensor.randn([3, 1, 6, 6], generator: RandomGenerator(seed: 2))
        let layers = try model.castToFloat16()
        #expect(layers == ["3", "5", "0"] && Set(model.float16Layers) == Set(layers) && model.bfloat16Layers.isEmpty)
        for (name, p) in model.namedParameters() {
            let exact = p.value.scalars.allSatisfy { Float(Float16($0)) == $0 }
            #expect(exact, "\(name) holds float16 values")
        }
        try reference.loadStateDict(model.stateDict())
        #expect(model(x).scalars == autocast(.float16) { reference(x) }.scalars)
        model.castToFloat32()
        #expect(model.float16Layers.isEmpty && model(x).scalars == reference(x).scalars)
    }

    @Test func weightsBeyondTheRangeAreRefused() throws {
        let model = BFloat16ModelTests.cnn(2)
        let before = model.stateDict()
        let fc = try #require(model.namedLinearLayers().first?.1)
        var w = fc.weight.value.scalars
        w[3] = 70_000
        fc.weight.value = Tensor(shape: fc.weight.value.shape, scalars: w)
        #expect(throws: Float16RangeError(parameter: "3.weight", largestMagnitude: 70_000)) { try model.castToFloat16() }
        #expect(model.float16Layers.isEmpty, "nothing changed")
        #expect(model.stateDict()["0.weight"]?.scalars == before["0.weight"]?.scalars)
    }

    @Test func saveWritesF16AndLoadRestoresTheLayers() throws {
        let model = BFloat16ModelTests.cnn(3)
        model.eval()
        let x = Tensor.randn([2, 1, 6, 6], generator: RandomGenerator(seed: 4))
        let url = BFloat16ModelTests.temporaryFile("f16.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.castToFloat16()
        try model.save(to: url)
        let archive = try SafeTensors.load(from: url)
        #expect(archive.metadata == ["precision": "float16"])
        #expect(archive.entries.values.allSatisfy { $0.dtype == .f16 })
        let loaded = BFloat16ModelTests.cnn(99)
        loaded.eval()
        try loaded.load(from: url)
        #expect(loaded.float16Layers == model.float16Layers && loaded.bfloat16Layers.isEmpty)
        #expect(loaded(x).scalars == model(x).scalars)
        #expect(loaded.stateDict().mapValues(\.scalars) == model.stateDict().mapValues(\.scalars), "F16 stores float16 values exactly")
    }

    @Test func aFileWithBothHalfPrecisionsRestoresEachLayer() throws {
        let g = RandomGenerator(seed: 5)
        let model = Sequential([Linear(6, 8, generator: g), ReLU(), Sequential([Linear(8, 3, generator: g)])])
        model.eval()
        let url = BFloat16ModelTests.temporaryFile("mixed.safetensors")
        defer { try? FileManager.default.removeItem(at: url) }
        try model.layers[0].castToFloat16()
        model.layers[2].castToBFloat16()
        #expect(model.float16Layers == ["0"] && model.bfloat16Layers == ["2.0"])
        try model.save(to: url)
        #expect(try SafeTensors.load(from: url).metadata["precision"] == "bfloat16,float16")
        let loaded = Sequential([Linear(6, 8, generator: g), ReLU(), Sequential([Linear(8, 3, generator: g)])])
        try loaded.load(from: url)
        #expect(loaded.float16Layers == ["0"] && loaded.bfloat16Layers == ["2.0"])
        let x = Tensor.randn([4, 6], generator: g)
        #expect(loaded(x).scalars == model(x).scalars)
    }
}
