import Foundation
import Testing
@testable import Synapse
@testable import SynapseCore
@testable import SynapseIO
@testable import SynapseNN

/// `VisionTransformer` against its PyTorch twin: timm's VisionTransformer written out in torch ops
/// (`scripts/make-vit-fixtures.py`; 2 channels, 8×12 images, 4×4 patches, width 16, 2 blocks,
/// 4 heads, MLP 24, 5 classes). The fixture holds the twin's weights under timm's names, which
/// load as they are; logits, class-token features, cross-entropy and the gradients of the input
/// and of every weight agree within rtol 1e-4, atol 1e-5 (float32 here, float64 there).
@Suite struct VisionTransformerTests {
    static let rtol = 1e-4, atol = 1e-5

    static let archive: SafeTensorsArchive? = {
        guard let dir = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else { return nil }
        return try? SafeTensorsArchive(contentsOf: dir.appendingPathComponent("vit/vit.safetensors"))
    }()

    static var twinConfiguration: VisionTransformerConfiguration {
        var c = VisionTransformerConfiguration(channels: 2, height: 8, width: 12, classes: 5)
        c.patchSize = 4
        c.dModel = 16
        c.numLayers = 2
        c.numHeads = 4
        c.dimFeedforward = 24
        return c
    }

    /// The twin's weights, under timm's names.
    static func timmState(_ archive: SafeTensorsArchive) throws -> [String: Tensor] {
        var state: [String: Tensor] = [:]
        for name in archive.names where !(["input", "target"].contains(name) || name.hasPrefix("out.") || name.hasPrefix("grad.")) {
            state[name] = try archive.tensor(name)
        }
        return state
    }

    /// The timm name of one of our state-dict names.
    static func timmName(_ name: String) -> String {
        for (timm, own) in TransformerEncoderLayer.timmBlockNames where name.hasSuffix("." + own) {
            return String(name.dropLast(own.count)) + timm
        }
        return name
    }

    @Test func matchesTheTimmTwinForwardAndBackward() throws {
        let archive = try #require(Self.archive, "Fixtures/vit/vit.safetensors")
        let model = VisionTransformer(Self.twinConfiguration, generator: RandomGenerator(seed: 1))
        let state = try Self.timmState(archive)
        // timm's block names load as they are; a strict load proves every tensor found its place.
        try model.loadStateDict(state)
        #expect(Set(model.stateDict().keys.map(Self.timmName)) == Set(state.keys))

        let x = try archive.tensor("input").requiringGrad()
        let features = model.penultimateFeatures(x)
        let logits = model.logits(fromPenultimate: features)
        expectClose(features, try archive.tensor("out.features"), rtol: Self.rtol, atol: Self.atol, "class-token features")
        expectClose(logits, try archive.tensor("out.logits"), rtol: Self.rtol, atol: Self.atol, "logits")
        expectClose(model(x.detached()), try archive.tensor("out.logits"), rtol: Self.rtol, atol: Self.atol, "callAsFunction")
        let loss = crossEntropy(logits, try archive.intTensor("target"))
        expectClose(loss.reshaped([1]), try archive.tensor("out.loss"), rtol: Self.rtol, atol: Self.atol, "loss")
        loss.backward()
        expectClose(try #require(x.grad), try archive.tensor("grad.input"), rtol: Self.rtol, atol: Self.atol, "input gradient")
        for (name, parameter) in model.namedParameters() {
            let grad = try #require(parameter.grad, "no gradient for \(name)")
            expectClose(grad, try archive.tensor("grad." + Self.timmName(name)), rtol: Self.rtol, atol: 2e-5, "gradient of \(name)")
        }
    }

    @Test func namesShapesAndParameterCount() {
        let c = VisionTransformerConfiguration()
        let model = VisionTransformer(c, generator: RandomGenerator(seed: 0))
        let shapes = Dictionary(uniqueKeysWithValues: model.namedParameters().map { ($0.0, $0.1.shape) })
        #expect(shapes["cls_token"] == [1, 1, 64])
        #expect(shapes["pos_embed"] == [1, 17, 64])
        #expect(shapes["patch_embed.proj.weight"] == [64, 1, 7, 7])
        #expect(shapes["blocks.3.self_attn.in_proj_weight"] == [192, 64])
        #expect(shapes["blocks.3.linear1.weight"] == [128, 64])
        #expect(shapes["head.weight"] == [10, 64])
        #expect(model.parameterCount == c.parameterCount)
        #expect(c.parameterCount == 139_018)   // the PyTorch twin's count (scripts/make-vit-fixtures.py's sizes aside)
        let logits = model(Tensor.zeros([3, 1, 28, 28]))
        #expect(logits.shape == [3, 10])
    }

    @Test func configurationProblemsAreNamed() {
        var c = VisionTransformerConfiguration()
        c.patchSize = 5
        #expect(c.problem?.contains("divide the image sides 28×28") == true)
        c.patchSize = 7
        c.numHeads = 5
        #expect(c.problem?.contains("divisible by the 5 heads") == true)
        c.numHeads = 4
        #expect(c.problem == nil)
    }

    @Test func gradientsMatchFiniteDifferences() {
        var c = VisionTransformerConfiguration(channels: 1, height: 4, width: 6, classes: 3)
        c.patchSize = 2
        c.dModel = 4
        c.numLayers = 1
        c.numHeads = 2
        c.dimFeedforward = 6
        let model = VisionTransformer(c, generator: RandomGenerator(seed: 3))
        let g = RandomGenerator(seed: 4)
        let x = Tensor.randn([2, 1, 4, 6], generator: g)
        let cls = Tensor.randn([1, 1, 4], generator: g), positions = Tensor.randn([1, 7, 4], generator: g) * 0.5
        FiniteDifference.check("VisionTransformer(input, cls_token, pos_embed)", [x, cls, positions]) { t in
            model.classToken.value = t[1]
            model.positionEmbedding.value = t[2]
            return model(t[0])
        }
    }

    @Test func patchEmbeddingCutsNonSquareImagesRowMajor() {
        let patches = PatchEmbedding(channels: 1, patchSize: 7, dModel: 8)
        #expect(patches(Tensor.zeros([2, 1, 28, 14])).shape == [2, 8, 8])
        #expect(patches.patchCount(height: 28, width: 14) == 8)
    }
}
